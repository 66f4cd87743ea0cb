package io.dualcore.gateway.testsupport;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * A JWKS endpoint on loopback ({@code GET /certs}) serving the public halves of the given keys, and the issuer
 * settings that make a gateway trust realms whose tokens those keys sign: the stand-in IdP of the ITs that sign their
 * own tokens (no Keycloak).
 */
public final class LocalJwks implements AutoCloseable {

    /** The audience the trusted realms require (the gateway's client id, as in {@code config/application.yml}). */
    public static final String AUDIENCE = "dualcore-gateway";

    private final HttpServer server;

    private final String base;

    private LocalJwks(HttpServer server) {
        this.server = server;
        this.base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves the public halves of the keys at {@link #jwksUri()}. */
    public static LocalJwks serve(JWK... keys) {
        byte[] keySet = new JWKSet(Arrays.stream(keys).map(JWK::toPublicJWK).toList())
                .toString()
                .getBytes(StandardCharsets.UTF_8);
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/certs", exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, keySet.length);
                exchange.getResponseBody().write(keySet);
                exchange.close();
            });
            server.start();
            return new LocalJwks(server);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public String jwksUri() {
        return this.base + "/certs";
    }

    /** The issuer URI of a realm of this IdP ({@code <base>/realms/<realm>}, Keycloak's shape). */
    public String issuer(String realm) {
        return this.base + "/realms/" + realm;
    }

    /**
     * Trusts a realm of this IdP as {@code dualcore.auth.oidc.issuers[index]}, named after the realm, requiring
     * {@link #AUDIENCE}.
     *
     * @return the realm's issuer URI
     */
    public String trust(Map<String, String> properties, int index, String realm) {
        String prefix = "dualcore.auth.oidc.issuers[" + index + "].";
        properties.put(prefix + "name", realm);
        properties.put(prefix + "issuer-uri", issuer(realm));
        properties.put(prefix + "jwks-uri", jwksUri());
        properties.put(prefix + "audiences", AUDIENCE);
        return issuer(realm);
    }

    @Override
    public void close() {
        this.server.stop(0);
    }
}
