package io.dualcore.gateway.testsupport.keycloak;

import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * How the Keycloak test fixture runs Keycloak, chosen by {@code -Dkeycloak.provider} (or
 * {@code KEYCLOAK_PROVIDER}): {@code distribution} (default, what CI runs), {@code testcontainers} (the official
 * image through Testcontainers, with the same realm files), or {@code auto} (the container when a Docker engine
 * answers, else the distribution). An external server named by {@code keycloak.url} wins over all of them.
 */
public enum KeycloakProvider {

    /** {@code bin/kc.sh start-dev} from the distribution unpacked under {@code target/}. */
    DISTRIBUTION,

    /** The official Keycloak image, via {@code com.github.dasniko:testcontainers-keycloak}. */
    TESTCONTAINERS;

    /** The system property (or, upper-cased with underscores, environment variable) that selects the provider. */
    public static final String PROPERTY = "keycloak.provider";

    /**
     * Selects the provider. Docker is probed only for {@code auto}, so the default path never touches
     * Testcontainers.
     *
     * @param setting the property's value; {@code null} or blank means {@code distribution}
     * @param dockerAvailable whether a Docker engine answers (asked only for {@code auto})
     * @throws IllegalArgumentException for any other value, naming the property and the accepted values
     */
    public static KeycloakProvider select(String setting, BooleanSupplier dockerAvailable) {
        String value = (setting == null) ? "" : setting.trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "", "distribution" -> DISTRIBUTION;
            case "testcontainers" -> TESTCONTAINERS;
            case "auto" -> dockerAvailable.getAsBoolean() ? TESTCONTAINERS : DISTRIBUTION;
            default ->
                throw new IllegalArgumentException(PROPERTY + "=" + setting
                        + " is not a Keycloak provider; use distribution (default), testcontainers or auto");
        };
    }
}
