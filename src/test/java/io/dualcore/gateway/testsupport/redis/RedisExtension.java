package io.dualcore.gateway.testsupport.redis;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives test classes a real Redis: one {@link RedisServerFixture} per test JVM, resolved as a constructor or method
 * parameter, and stopped when the whole run ends.
 */
public final class RedisExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RedisExtension.class);
    private static final String KEY = "server";

    @Override
    public void beforeAll(ExtensionContext context) {
        RedisServerFixture server = server(context);
        // a class that stopped Redis and then failed must not hand a dead server to the next class
        if (server.isManaged() && !server.isRunning()) {
            server.start();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == RedisServerFixture.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return server(extensionContext);
    }

    /** The root store outlives every test class, and closes the AutoCloseable fixture when the run ends. */
    private static RedisServerFixture server(ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .computeIfAbsent(KEY, key -> RedisServerFixture.startNew(), RedisServerFixture.class);
    }
}
