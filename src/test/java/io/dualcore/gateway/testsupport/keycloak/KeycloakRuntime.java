package io.dualcore.gateway.testsupport.keycloak;

/** What runs a locally managed Keycloak: the unpacked distribution's process, or a container. */
interface KeycloakRuntime {

    /** Starts Keycloak (idempotent) and returns once it answers. */
    void start();

    /** Stops Keycloak and waits for it. */
    void stop();
}
