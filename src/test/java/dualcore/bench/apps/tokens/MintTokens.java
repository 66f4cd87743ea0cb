package dualcore.bench.apps.tokens;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes what {@code bench/compare.sh} needs to stand in for Keycloak, from a fresh RSA key each run (the private key
 * is never written):
 *
 * <ul>
 *   <li>{@code idp/realms/<realm>/.well-known/openid-configuration} and {@code .../protocol/openid-connect/certs}
 *       (the JWKS) for each realm, laid out as Keycloak serves them, for a static web server rooted at {@code idp/};
 *   <li>{@code public-key.pem}: the first realm's public key, for HAProxy's {@code jwt_verify};
 *   <li>{@code tokens.txt}: {@code count} distinct RS256 access tokens of the first realm, one per line, shaped like
 *       Keycloak's (typ {@code Bearer}, azp, realm roles, scope);
 *   <li>{@code bad-tokens.txt}: the same tokens with one signature character changed (a 401 each);
 *   <li>with the four DPoP arguments, {@code dpop/}: DPoP-bound tokens of the first realm and proofs minted ahead
 *       ({@link MintDpopProofs}).
 * </ul>
 *
 * <pre>java -cp ... dualcore.bench.apps.tokens.MintTokens OUT_DIR BASE_URL REALMS AUDIENCE COUNT LIFETIME
 *     [DPOP_KEYS DPOP_PROOFS DPOP_PROBE_PROOFS DPOP_HTU]</pre>
 *
 * e.g. {@code target/bench-compare/idp http://127.0.0.1:18401 dualcore,partners dualcore-gateway 1000 PT12H}.
 */
public final class MintTokens {

    private MintTokens() {}

    public static void main(String[] args) throws IOException, JOSEException {
        if (args.length != 6 && args.length != 10) {
            System.err.println("usage: MintTokens OUT_DIR BASE_URL REALMS(comma-separated) AUDIENCE COUNT"
                    + " LIFETIME(ISO-8601) [DPOP_KEYS DPOP_PROOFS DPOP_PROBE_PROOFS DPOP_HTU]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        String baseUrl = args[1];
        String[] realms = args[2].split(",");
        String audience = args[3];
        int count = Integer.parseInt(args[4]);
        Duration lifetime = Duration.parse(args[5]);

        RSAKey signingKey = null;
        for (String realm : realms) {
            RSAKey key = new RSAKeyGenerator(2048)
                    .keyID("bench-" + realm + "-rs256")
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.RS256)
                    .generate();
            writeRealm(out.resolve("idp"), baseUrl, realm, key);
            if (signingKey == null) {
                signingKey = key;
            }
        }
        write(out.resolve("public-key.pem"), pem(signingKey));

        String issuer = baseUrl + "/realms/" + realms[0];
        RSASSASigner signer = new RSASSASigner(signingKey);
        Instant now = Instant.now();
        List<String> good = new ArrayList<>(count);
        List<String> bad = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String token = token(
                    signer,
                    signingKey.getKeyID(),
                    claims(issuer, audience, now, lifetime, "bench-user", i).build());
            good.add(token);
            bad.add(withAlteredSignature(token));
        }
        write(out.resolve("tokens.txt"), String.join("\n", good) + "\n");
        write(out.resolve("bad-tokens.txt"), String.join("\n", bad) + "\n");
        System.out.println("minted " + count + " RS256 tokens of " + issuer + " (kid " + signingKey.getKeyID() + ")");
        if (args.length == 10) {
            String kid = signingKey.getKeyID();
            int[] next = {0};
            MintDpopProofs.write(
                    out,
                    thumbprint -> token(
                            signer,
                            kid,
                            claims(issuer, audience, now, lifetime, "bench-dpop-user", next[0]++)
                                    .claim("cnf", Map.of("jkt", thumbprint))
                                    .build()),
                    Integer.parseInt(args[6]),
                    Long.parseLong(args[7]),
                    Integer.parseInt(args[8]),
                    args[9]);
        }
    }

    /** Claims shaped like a Keycloak access token's. */
    private static JWTClaimsSet.Builder claims(
            String issuer, String audience, Instant now, Duration lifetime, String user, int i) {
        return new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(String.format("%s-%05d", user, i))
                .audience(audience)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString())
                .claim("typ", "Bearer")
                .claim("azp", "bench-client")
                .claim("scope", "openid profile")
                .claim("preferred_username", user + "-" + i)
                .claim("realm_access", Map.of("roles", List.of("user")));
    }

    private static String token(RSASSASigner signer, String kid, JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                        .type(JOSEObjectType.JWT)
                        .keyID(kid)
                        .build(),
                claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
        return jwt.serialize();
    }

    private static void writeRealm(Path idp, String baseUrl, String realm, RSAKey key) throws IOException {
        String issuer = baseUrl + "/realms/" + realm;
        String jwksUri = issuer + "/protocol/openid-connect/certs";
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("issuer", issuer);
        metadata.put("jwks_uri", jwksUri);
        metadata.put("authorization_endpoint", issuer + "/protocol/openid-connect/auth");
        metadata.put("token_endpoint", issuer + "/protocol/openid-connect/token");
        // bench/compare.sh's static IdP answers {"active":true} there (case gw_introspect)
        metadata.put("introspection_endpoint", issuer + "/protocol/openid-connect/token/introspect");
        metadata.put("response_types_supported", List.of("code"));
        metadata.put("subject_types_supported", List.of("public"));
        metadata.put("id_token_signing_alg_values_supported", List.of("RS256"));
        Path realmDir = idp.resolve("realms").resolve(realm);
        write(realmDir.resolve(".well-known/openid-configuration"), JSONObjectUtils.toJSONString(metadata));
        write(realmDir.resolve("protocol/openid-connect/certs"), new JWKSet(key.toPublicJWK()).toString());
    }

    /** Changes one character in the middle of the signature: the last one may only carry padding bits. */
    private static String withAlteredSignature(String token) {
        int signatureStart = token.lastIndexOf('.') + 1;
        int at = signatureStart + (token.length() - signatureStart) / 2;
        char replacement = token.charAt(at) == 'A' ? 'B' : 'A';
        return token.substring(0, at) + replacement + token.substring(at + 1);
    }

    private static String pem(RSAKey key) throws JOSEException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.toRSAPublicKey().getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }
}
