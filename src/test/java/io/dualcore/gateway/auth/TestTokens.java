package io.dualcore.gateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Fixture builders for test tokens: {@code TestTokens.oidc(key, issuer).claim("scope", "a b").sign()}, and raw
 * compact tokens from literal JSON for the hostile cases a JOSE library refuses to build.
 */
public final class TestTokens {

    /** The demo edge key of config/application.yml (kid {@code edge-demo-1}), base64: a DEMO fixture only. */
    public static final String DEMO_EDGE_KEY_BASE64 = "ZGVtby1vbmx5LWVkZ2Uta2V5LWRvLW5vdC11c2UtaW4tcHJvZHVjdGlvbiE=";

    /** The accepted audience in every test configuration. */
    public static final String AUDIENCE = "dualcore-gateway";

    private TestTokens() {}

    /** The demo edge key's bytes (a fresh copy). */
    public static byte[] demoEdgeKey() {
        return Base64.getDecoder().decode(DEMO_EDGE_KEY_BASE64);
    }

    /** An edge token signed with the demo key of config/application.yml, as a demo device would send it. */
    public static Builder demoEdge() {
        return edge("edge-demo-1", demoEdgeKey(), JWSAlgorithm.HS256, "dualcore-edge");
    }

    public static RSAKey rsaKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    public static ECKey ecKey(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** A Keycloak-like access token, valid for five minutes, signed RS256 with the key's kid. */
    public static Builder oidc(RSAKey key, String issuer) {
        Instant now = Instant.now();
        return new Builder(JWSAlgorithm.RS256, key.getKeyID(), signer(key))
                .claim("iss", issuer)
                .claim("sub", "user-" + UUID.randomUUID())
                .claim("aud", List.of(AUDIENCE, "account"))
                .claim("azp", "dualcore-service")
                .claim("typ", "Bearer")
                .claim("scope", "openid profile email")
                .claim("realm_access", Map.of("roles", List.of("user")))
                .claim("resource_access", Map.of(AUDIENCE, Map.of("roles", List.of("orders.read"))))
                .time("iat", now)
                .time("exp", now.plusSeconds(300));
    }

    /** An edge token with every required claim, valid for one minute. */
    public static Builder edge(String kid, byte[] secret, JWSAlgorithm algorithm, String issuer) {
        Instant now = Instant.now();
        try {
            return new Builder(algorithm, kid, new MACSigner(secret))
                    .claim("iss", issuer)
                    .claim("sub", "device-42")
                    .claim("aud", AUDIENCE)
                    .claim("jti", UUID.randomUUID().toString())
                    .time("iat", now)
                    .time("exp", now.plusSeconds(60));
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    public static JWSSigner signer(RSAKey key) {
        try {
            return new RSASSASigner(key);
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    public static JWSSigner signer(ECKey key) {
        try {
            return new ECDSASigner(key);
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** A compact token from literal header and payload JSON and an already encoded signature. */
    public static String raw(String headerJson, String payloadJson, String signature) {
        return b64(headerJson) + "." + b64(payloadJson) + "." + signature;
    }

    /** A compact token from literal JSON, HMAC-signed over exactly those bytes. */
    public static String hmacRaw(String headerJson, String payloadJson, byte[] secret, String javaAlgorithm) {
        String signingInput = b64(headerJson) + "." + b64(payloadJson);
        try {
            Mac mac = Mac.getInstance(javaAlgorithm);
            mac.init(new SecretKeySpec(secret, javaAlgorithm));
            return signingInput + "." + Base64URL.encode(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** A compact token from literal JSON, signed with any JWS signer over exactly those bytes. */
    public static String signedRaw(String headerJson, String payloadJson, JWSSigner signer, JWSAlgorithm algorithm) {
        String signingInput = b64(headerJson) + "." + b64(payloadJson);
        try {
            Base64URL signature =
                    signer.sign(new JWSHeader(algorithm), signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + signature;
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    public static String b64(String json) {
        return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Builds and signs one token; {@link #header(JWSHeader.Builder)} allows any header tweak. */
    public static final class Builder {

        private final Map<String, Object> claims = new LinkedHashMap<>();

        private final JWSSigner signer;

        private JWSHeader.Builder header;

        Builder(JWSAlgorithm algorithm, String kid, JWSSigner signer) {
            this.header = new JWSHeader.Builder(algorithm).keyID(kid).type(JOSEObjectType.JWT);
            this.signer = signer;
        }

        public Builder claim(String name, Object value) {
            if (value == null) {
                this.claims.remove(name);
            } else {
                this.claims.put(name, value);
            }
            return this;
        }

        public Builder without(String name) {
            this.claims.remove(name);
            return this;
        }

        public Builder time(String name, Instant instant) {
            return claim(name, Date.from(instant));
        }

        public Builder header(java.util.function.UnaryOperator<JWSHeader.Builder> customizer) {
            this.header = customizer.apply(this.header);
            return this;
        }

        public String sign() {
            JWTClaimsSet.Builder set = new JWTClaimsSet.Builder();
            this.claims.forEach(set::claim);
            SignedJWT jwt = new SignedJWT(this.header.build(), set.build());
            try {
                jwt.sign(this.signer);
            } catch (JOSEException ex) {
                throw new IllegalStateException(ex);
            }
            return jwt.serialize();
        }
    }
}
