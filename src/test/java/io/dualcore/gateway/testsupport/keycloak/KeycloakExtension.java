package io.dualcore.gateway.testsupport.keycloak;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts one real Keycloak per test JVM on first use and stops it when the whole run ends; injects the
 * {@link KeycloakServer} into test constructors, lifecycle methods and test methods. Use with
 * {@code @ExtendWith(KeycloakExtension.class)}.
 */
public final class KeycloakExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(KeycloakExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        server(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KeycloakServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return server(extensionContext);
    }

    /** The run-wide server; the root store closes it (an AutoCloseable) after the last test of the run. */
    private static KeycloakServer server(ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .computeIfAbsent(
                        KeycloakServer.class, type -> KeycloakServer.startFromEnvironment(), KeycloakServer.class);
    }
}
