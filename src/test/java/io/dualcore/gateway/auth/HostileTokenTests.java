package io.dualcore.gateway.auth;

import static io.dualcore.gateway.auth.TestChain.EDGE_ISSUER;
import static io.dualcore.gateway.auth.TestChain.EDGE_KID_256;
import static io.dualcore.gateway.auth.TestChain.EDGE_SECRET_256;
import static io.dualcore.gateway.auth.TestChain.ISSUER_A;
import static io.dualcore.gateway.auth.TestChain.ISSUER_EC;
import static io.dualcore.gateway.auth.TestChain.KEY_A;
import static io.dualcore.gateway.auth.TestChain.KEY_B;
import static io.dualcore.gateway.auth.TestChain.KEY_EC;
import static io.dualcore.gateway.auth.TestChain.header;
import static io.dualcore.gateway.auth.TestChain.payloadOf;
import static io.dualcore.gateway.auth.TestChain.realmAToken;
import static io.dualcore.gateway.auth.TestChain.signatureOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jose.util.Base64URL;
import com.sun.net.httpserver.HttpServer;
import io.dualcore.gateway.web.ErrorCode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The issue's hostile-input list: every token here must be rejected, each with its stable code. */
class HostileTokenTests {

    private TestChain chain;

    private HttpServer keyServer;

    private final AtomicInteger keyServerRequests = new AtomicInteger();

    @BeforeEach
    void setUp() {
        this.chain = TestChain.create();
    }

    @AfterEach
    void stopKeyServer() {
        if (this.keyServer != null) {
            this.keyServer.stop(0);
        }
    }

    private String validPayload() {
        return payloadOf(realmAToken().sign());
    }

    // ---- alg none

    @ParameterizedTest
    @ValueSource(strings = {"none", "NONE", "nOnE", "None"})
    void authenticateWhenAlgNoneInAnyCasingWithEmptySignatureThenAlgorithmNotAllowed(String alg) {
        String token = TestTokens.raw(header(alg, KEY_A.getKeyID()), validPayload(), "");
        this.chain.assertRejected(token, ErrorCode.ALGORITHM_NOT_ALLOWED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "NONE", "nOnE", "None"})
    void authenticateWhenAlgNoneInAnyCasingWithJunkSignatureThenAlgorithmNotAllowed(String alg) {
        String token = TestTokens.raw(header(alg, KEY_A.getKeyID()), validPayload(), "c2lnbmF0dXJl");
        this.chain.assertRejected(token, ErrorCode.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void authenticateWhenAlgNoneWithoutKidThenAlgorithmNotAllowed() {
        String token = TestTokens.raw("{\"alg\":\"none\"}", validPayload(), "");
        this.chain.assertRejected(token, ErrorCode.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void authenticateWhenRs256SignatureEmptiedThenInvalidSignature() {
        String valid = realmAToken().sign();
        String token = valid.substring(0, valid.lastIndexOf('.') + 1);
        this.chain.assertRejected(token, ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void authenticateWhenRs256SignaturePartStrippedThenMalformedToken() {
        String valid = realmAToken().sign();
        String token = valid.substring(0, valid.lastIndexOf('.'));
        this.chain.assertRejected(token, ErrorCode.MALFORMED_TOKEN);
    }

    // ---- RS -> HS key confusion

    private static byte[] pem(RSAKey key) throws Exception {
        String body = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.toRSAPublicKey().getEncoded());
        return ("-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] der(RSAKey key) throws Exception {
        return key.toRSAPublicKey().getEncoded();
    }

    private static byte[] jwkJson(RSAKey key) {
        return key.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
    }

    private String hs256WithPublicKey(byte[] secret, String issuer) {
        String payload = payloadOf(realmAToken().claim("iss", issuer).sign());
        return TestTokens.hmacRaw(header("HS256", KEY_A.getKeyID()), payload, secret, "HmacSHA256");
    }

    @Test
    void authenticateWhenHs256SignedWithRealmPublicKeyPemThenAlgorithmNotAllowed() throws Exception {
        this.chain.assertRejected(hs256WithPublicKey(pem(KEY_A), ISSUER_A), ErrorCode.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void authenticateWhenHs256SignedWithRealmPublicKeyDerThenAlgorithmNotAllowed() throws Exception {
        this.chain.assertRejected(hs256WithPublicKey(der(KEY_A), ISSUER_A), ErrorCode.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void authenticateWhenHs256SignedWithRealmPublicJwkJsonThenAlgorithmNotAllowed() {
        this.chain.assertRejected(hs256WithPublicKey(jwkJson(KEY_A), ISSUER_A), ErrorCode.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void authenticateWhenHs256SignedWithRealmPublicKeyClaimingEdgeIssuerThenUnknownKey() throws Exception {
        for (byte[] secret : List.of(pem(KEY_A), der(KEY_A), jwkJson(KEY_A))) {
            this.chain.assertRejected(hs256WithPublicKey(secret, EDGE_ISSUER), ErrorCode.UNKNOWN_KEY);
        }
        assertThat(this.chain.keysA.fetchCount()).isZero();
    }

    // ---- kid injection

    @Test
    void authenticateWhenKidIsPathTraversalThenUnknownKey() {
        String token = realmAToken().header(h -> h.keyID("../../etc/passwd")).sign();
        this.chain.assertRejected(token, ErrorCode.UNKNOWN_KEY);
    }

    @Test
    void authenticateWhenKidIsSqlInjectionThenMalformedToken() {
        String token = realmAToken().header(h -> h.keyID("' OR '1'='1")).sign();
        this.chain.assertRejected(token, ErrorCode.MALFORMED_TOKEN);
    }

    @Test
    void authenticateWhenKidIsTenThousandCharactersThenMalformedToken() {
        String token = TestTokens.raw(header("RS256", "k".repeat(10_000)), validPayload(), "c2ln");
        assertThat(token.length()).isGreaterThan(10_000);
        this.chain.assertRejected(token, ErrorCode.MALFORMED_TOKEN);
        // under the size limit, the kid check itself rejects it
        String shorter = realmAToken().header(h -> h.keyID("k".repeat(2_000))).sign();
        assertThat(shorter.length()).isLessThan(TestChain.MAX_TOKEN_LENGTH);
        this.chain.assertRejected(shorter, ErrorCode.MALFORMED_TOKEN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"realm-a-key-1\u0000", "\u0000", "realm-a\nkey-1", "realm-a-key-1\r\n", "k\u007f"})
    void authenticateWhenKidHasControlCharactersThenMalformedToken(String kid) {
        String token = realmAToken().header(h -> h.keyID(kid)).sign();
        this.chain.assertRejected(token, ErrorCode.MALFORMED_TOKEN);
    }

    @Test
    void authenticateWhenRealmBKidAndKeyOnRealmATokenThenUnknownKey() {
        String token = TestTokens.oidc(KEY_B, ISSUER_A).sign();
        this.chain.assertRejected(token, ErrorCode.UNKNOWN_KEY);
        // and realm B's key is really valid for realm B
        this.chain.accept(TestTokens.oidc(KEY_B, TestChain.ISSUER_B).sign());
    }

    @Test
    void authenticateWhenRealmAKidButSignedWithRealmBKeyThenInvalidSignature() {
        String token = TestTokens.signedRaw(
                header("RS256", KEY_A.getKeyID()), validPayload(), TestTokens.signer(KEY_B), JWSAlgorithm.RS256);
        this.chain.assertRejected(token, ErrorCode.INVALID_SIGNATURE);
    }

    // ---- embedded or remote keys: never fetched

    private URI startKeyServer() throws Exception {
        this.keyServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.keyServer.createContext("/", exchange -> {
            this.keyServerRequests.incrementAndGet();
            byte[] body = new com.nimbusds.jose.jwk.JWKSet(KEY_A.toPublicJWK())
                    .toString()
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        this.keyServer.start();
        return URI.create("http://127.0.0.1:" + this.keyServer.getAddress().getPort() + "/jwks.json");
    }

    @Test
    void authenticateWhenTokenCarriesOrPointsToItsKeyThenUnsupportedTokenAndNoRequest() throws Exception {
        URI keyUrl = startKeyServer();
        RSAKey attacker = TestTokens.rsaKey(KEY_A.getKeyID());
        this.chain.accept(realmAToken().sign());
        long fetchesAfterSetup = this.chain.keysA.fetchCount();
        assertThat(fetchesAfterSetup).isEqualTo(1);

        List<String> tokens = List.of(
                TestTokens.oidc(attacker, ISSUER_A)
                        .header(h -> h.jwk(attacker.toPublicJWK()))
                        .sign(),
                TestTokens.oidc(attacker, ISSUER_A)
                        .header(h -> h.jwkURL(keyUrl))
                        .sign(),
                TestTokens.oidc(attacker, ISSUER_A)
                        .header(h -> h.x509CertURL(keyUrl))
                        .sign(),
                TestTokens.oidc(attacker, ISSUER_A)
                        .header(h -> h.x509CertChain(List.of(Base64.encode(new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}))))
                        .sign(),
                // the same against the edge verifier
                TestTokens.oidc(attacker, EDGE_ISSUER)
                        .header(h -> h.jwkURL(keyUrl))
                        .sign(),
                TestChain.edgeToken().header(h -> h.jwkURL(keyUrl)).sign(),
                TestChain.edgeToken().header(h -> h.x509CertURL(keyUrl)).sign());
        for (String token : tokens) {
            this.chain.assertRejected(token, ErrorCode.UNSUPPORTED_TOKEN);
        }
        // the valid key of realm A with a jku header is refused as well
        this.chain.assertRejected(realmAToken().header(h -> h.jwkURL(keyUrl)).sign(), ErrorCode.UNSUPPORTED_TOKEN);

        assertThat(this.keyServerRequests).hasValue(0);
        assertThat(this.chain.keysA.fetchCount()).isEqualTo(fetchesAfterSetup);
        assertThat(this.chain.keysB.fetchCount() + this.chain.keysEc.fetchCount())
                .isZero();
    }

    @Test
    void keyServerFixtureCountsRequests() throws Exception {
        // guards the test above: the server does count what reaches it
        URI keyUrl = startKeyServer();
        try (var in = keyUrl.toURL().openStream()) {
            assertThat(in.readAllBytes()).isNotEmpty();
        }
        assertThat(this.keyServerRequests).hasValue(1);
    }

    // ---- ECDSA

    @Test
    void authenticateWhenEs256SignatureIsAllZeroThenInvalidSignature() {
        String valid = TestChain.realmEcToken();
        this.chain.accept(valid);
        String signingInput = valid.substring(0, valid.lastIndexOf('.'));
        String token = signingInput + "." + Base64URL.encode(new byte[64]);
        this.chain.assertRejected(token, ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void authenticateWhenEs256SignatureIsDerEncodedThenInvalidSignature() throws Exception {
        String valid = TestChain.realmEcToken();
        String signingInput = valid.substring(0, valid.lastIndexOf('.'));
        byte[] der = ECDSA.transcodeSignatureToDER(new Base64URL(signatureOf(valid)).decode());
        this.chain.assertRejected(signingInput + "." + Base64URL.encode(der), ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void authenticateWhenEs256SignatureIsZeroDerSequenceThenInvalidSignature() {
        String valid = TestChain.realmEcToken();
        String signingInput = valid.substring(0, valid.lastIndexOf('.'));
        byte[] zeroDer = {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00};
        this.chain.assertRejected(signingInput + "." + Base64URL.encode(zeroDer), ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void authenticateWhenEs256SignatureIsCurveOrderThenInvalidSignature() throws Exception {
        // r = s = n (the P-256 group order), which is as illegal as zero
        byte[] n = com.nimbusds.jose.util.BigIntegerUtils.toBytesUnsigned(
                KEY_EC.toECPublicKey().getParams().getOrder());
        byte[] signature = new byte[64];
        System.arraycopy(n, 0, signature, 32 - n.length, n.length);
        System.arraycopy(n, 0, signature, 64 - n.length, n.length);
        String valid = TestChain.realmEcToken();
        String signingInput = valid.substring(0, valid.lastIndexOf('.'));
        this.chain.assertRejected(signingInput + "." + Base64URL.encode(signature), ErrorCode.INVALID_SIGNATURE);
    }

    // ---- crit and b64

    @Test
    void authenticateWhenCritHeaderThenUnsupportedToken() {
        String token = TestTokens.signedRaw(
                "{\"alg\":\"RS256\",\"kid\":\"" + KEY_A.getKeyID() + "\",\"crit\":[\"exp\"],\"exp\":1}",
                validPayload(),
                TestTokens.signer(KEY_A),
                JWSAlgorithm.RS256);
        this.chain.assertRejected(token, ErrorCode.UNSUPPORTED_TOKEN);
    }

    @Test
    void authenticateWhenUnencodedPayloadHeaderThenUnsupportedToken() {
        String token = TestTokens.signedRaw(
                "{\"alg\":\"RS256\",\"kid\":\"" + KEY_A.getKeyID() + "\",\"b64\":false,\"crit\":[\"b64\"]}",
                validPayload(),
                TestTokens.signer(KEY_A),
                JWSAlgorithm.RS256);
        this.chain.assertRejected(token, ErrorCode.UNSUPPORTED_TOKEN);
        String withoutCrit = TestTokens.signedRaw(
                "{\"alg\":\"RS256\",\"kid\":\"" + KEY_A.getKeyID() + "\",\"b64\":false}",
                validPayload(),
                TestTokens.signer(KEY_A),
                JWSAlgorithm.RS256);
        this.chain.assertRejected(withoutCrit, ErrorCode.UNSUPPORTED_TOKEN);
    }

    // ---- other serializations

    @Test
    void authenticateWhenJweFivePartsThenUnsupportedToken() {
        String token = TestTokens.b64("{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\",\"kid\":\"realm-a-key-1\"}")
                + ".ZW5jcnlwdGVka2V5.aXZpdml2aXZpdg.Y2lwaGVydGV4dA.dGFndGFndGFn";
        this.chain.assertRejected(token, ErrorCode.UNSUPPORTED_TOKEN);
    }

    @Test
    void authenticateWhenEncHeaderOnThreePartsThenUnsupportedToken() {
        String token = TestTokens.raw(
                "{\"alg\":\"RS256\",\"enc\":\"A256GCM\",\"kid\":\"realm-a-key-1\"}", validPayload(), "c2ln");
        this.chain.assertRejected(token, ErrorCode.UNSUPPORTED_TOKEN);
    }

    @Test
    void authenticateWhenJwsJsonSerializationThenMalformedToken() {
        String valid = realmAToken().sign();
        String[] parts = valid.split("\\.");
        String general = "{\"payload\":\"" + parts[1] + "\",\"signatures\":[{\"protected\":\"" + parts[0]
                + "\",\"signature\":\"" + parts[2] + "\"}]}";
        String flattened = "{\"payload\":\"" + parts[1] + "\",\"protected\":\"" + parts[0] + "\",\"signature\":\""
                + parts[2] + "\"}";
        this.chain.assertRejected(general, ErrorCode.MALFORMED_TOKEN);
        this.chain.assertRejected(flattened, ErrorCode.MALFORMED_TOKEN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "a.b", "a..c", ".b.c", "a.b.c.d", "a b.c.d", "é.b.c", "a.b.c=", "a+b.c.d"})
    void authenticateWhenNotACompactJwsThenMalformedToken(String token) {
        this.chain.assertRejected(token, ErrorCode.MALFORMED_TOKEN);
    }

    @Test
    void authenticateWhenHeaderOrPayloadHasImpossibleBase64LengthThenMalformedToken() {
        // 4n+1 base64url characters encode no whole byte: refused, not silently truncated
        String valid = realmAToken().sign();
        String[] parts = valid.split("\\.");
        this.chain.assertRejected(
                impossibleLength(parts[0]) + "." + parts[1] + "." + parts[2], ErrorCode.MALFORMED_TOKEN);
        this.chain.assertRejected(
                parts[0] + "." + impossibleLength(parts[1]) + "." + parts[2], ErrorCode.MALFORMED_TOKEN);
        this.chain.assertRejected(
                parts[0] + "." + parts[1].substring(0, 1) + "." + parts[2], ErrorCode.MALFORMED_TOKEN);
    }

    private static String impossibleLength(String part) {
        String longer = part + "A".repeat((5 - part.length() % 4) % 4);
        assertThat(longer.length() % 4).isEqualTo(1);
        return longer;
    }

    @Test
    void authenticateWhenHeaderOrPayloadIsNotJsonObjectThenMalformedToken() {
        this.chain.assertRejected(TestTokens.raw("[1,2]", validPayload(), "c2ln"), ErrorCode.MALFORMED_TOKEN);
        this.chain.assertRejected(
                TestTokens.raw(header("RS256", "k1"), "\"just a string\"", "c2ln"), ErrorCode.MALFORMED_TOKEN);
        this.chain.assertRejected(
                TestTokens.raw(header("RS256", "k1"), "{\"iss\":", "c2ln"), ErrorCode.MALFORMED_TOKEN);
        this.chain.assertRejected("e30." + TestTokens.b64(validPayload()) + ".c2ln", ErrorCode.MALFORMED_TOKEN);
    }

    // ---- duplicate JSON keys

    @Test
    void authenticateWhenHeaderHasDuplicateAlgThenMalformedToken() {
        String token = TestTokens.signedRaw(
                "{\"alg\":\"none\",\"alg\":\"RS256\",\"kid\":\"" + KEY_A.getKeyID() + "\"}",
                validPayload(),
                TestTokens.signer(KEY_A),
                JWSAlgorithm.RS256);
        this.chain.assertRejected(token, ErrorCode.MALFORMED_TOKEN);
        String same = TestTokens.signedRaw(
                "{\"alg\":\"RS256\",\"alg\":\"RS256\",\"kid\":\"" + KEY_A.getKeyID() + "\"}",
                validPayload(),
                TestTokens.signer(KEY_A),
                JWSAlgorithm.RS256);
        this.chain.assertRejected(same, ErrorCode.MALFORMED_TOKEN);
    }

    @Test
    void authenticateWhenHeaderHasDuplicateKidThenMalformedToken() {
        String token = TestTokens.signedRaw(
                "{\"alg\":\"RS256\",\"kid\":\"other\",\"kid\":\"" + KEY_A.getKeyID() + "\"}",
                validPayload(),
                TestTokens.signer(KEY_A),
                JWSAlgorithm.RS256);
        this.chain.assertRejected(token, ErrorCode.MALFORMED_TOKEN);
    }

    @Test
    void authenticateWhenPayloadHasDuplicateIssSignedOverThoseBytesThenMalformedToken() {
        String payload = validPayload().replaceFirst("\\{", "{\"iss\":\"https://idp.test/realms/evil\",");
        String token = TestTokens.signedRaw(
                header("RS256", KEY_A.getKeyID()), payload, TestTokens.signer(KEY_A), JWSAlgorithm.RS256);
        this.chain.assertRejected(token, ErrorCode.MALFORMED_TOKEN);
    }

    @Test
    void authenticateWhenPayloadHasDuplicateSubThenMalformedToken() {
        String payload = validPayload().replaceFirst("\\{", "{\"sub\":\"admin\",");
        String token = TestTokens.signedRaw(
                header("RS256", KEY_A.getKeyID()), payload, TestTokens.signer(KEY_A), JWSAlgorithm.RS256);
        this.chain.assertRejected(token, ErrorCode.MALFORMED_TOKEN);
    }

    @Test
    void authenticateWhenNestedClaimHasDuplicateRolesThenMalformedToken() {
        String payload = validPayload()
                .replace(
                        "\"realm_access\":{\"roles\":[\"user\"]}",
                        "\"realm_access\":{\"roles\":[\"user\"],\"roles\":[\"admin\"]}");
        assertThat(payload).contains("\"roles\":[\"admin\"]");
        String token = TestTokens.signedRaw(
                header("RS256", KEY_A.getKeyID()), payload, TestTokens.signer(KEY_A), JWSAlgorithm.RS256);
        this.chain.assertRejected(token, ErrorCode.MALFORMED_TOKEN);
    }

    // ---- size and nesting

    @Test
    void authenticateWhenLongerThanMaxTokenLengthThenMalformedToken() {
        String token = realmAToken()
                .claim("padding", "x".repeat(TestChain.MAX_TOKEN_LENGTH))
                .sign();
        assertThat(token.length()).isGreaterThan(TestChain.MAX_TOKEN_LENGTH);
        this.chain.assertRejected(token, ErrorCode.MALFORMED_TOKEN);
        this.chain.assertRejected("a".repeat(1_000_000), ErrorCode.MALFORMED_TOKEN);
        assertThat(this.chain.keysA.fetchCount()).isZero();
    }

    @Test
    void authenticateWhenClaimIsDeeplyNestedThenMalformedToken() {
        String nested = "[".repeat(1_000) + "]".repeat(1_000);
        String payload = validPayload().replaceFirst("\\{", "{\"deep\":" + nested + ",");
        String token = TestTokens.signedRaw(
                header("RS256", KEY_A.getKeyID()), payload, TestTokens.signer(KEY_A), JWSAlgorithm.RS256);
        assertThat(token.length()).isLessThan(TestChain.MAX_TOKEN_LENGTH);
        this.chain.assertRejected(token, ErrorCode.MALFORMED_TOKEN);
    }

    @Test
    void authenticateWhenObjectsAreDeeplyNestedThenMalformedToken() {
        String nested = "{\"a\":".repeat(700) + "1" + "}".repeat(700);
        String payload = validPayload().replaceFirst("\\{", "{\"deep\":" + nested + ",");
        String token = TestTokens.signedRaw(
                header("RS256", KEY_A.getKeyID()), payload, TestTokens.signer(KEY_A), JWSAlgorithm.RS256);
        assertThat(token.length()).isLessThan(TestChain.MAX_TOKEN_LENGTH);
        this.chain.assertRejected(token, ErrorCode.MALFORMED_TOKEN);
        String deepHeader = "{\"alg\":\"RS256\",\"kid\":\"" + KEY_A.getKeyID() + "\",\"x\":" + nested + "}";
        this.chain.assertRejected(TestTokens.raw(deepHeader, validPayload(), "c2ln"), ErrorCode.MALFORMED_TOKEN);
    }

    // ---- tampering

    @Test
    void authenticateWhenPayloadTamperedAfterSigningThenInvalidSignature() {
        String valid = realmAToken().sign();
        String payload = payloadOf(valid).replace("\"user\"", "\"admin\"");
        assertThat(payload).contains("admin");
        String[] parts = valid.split("\\.");
        String token = parts[0] + "." + TestTokens.b64(payload) + "." + parts[2];
        this.chain.assertRejected(token, ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void authenticateWhenSignatureBitFlippedThenInvalidSignature() {
        String valid = realmAToken().sign();
        byte[] signature = new Base64URL(signatureOf(valid)).decode();
        signature[10] ^= 0x01;
        String token = valid.substring(0, valid.lastIndexOf('.') + 1) + Base64URL.encode(signature);
        this.chain.assertRejected(token, ErrorCode.INVALID_SIGNATURE);
    }

    // ---- algorithms

    @ParameterizedTest
    @ValueSource(strings = {"RS512", "PS256", "RS384", "PS512"})
    void authenticateWhenRsaAlgorithmOutsideAllowListThenAlgorithmNotAllowed(String alg) {
        JWSAlgorithm algorithm = JWSAlgorithm.parse(alg);
        String token = TestTokens.signedRaw(
                header(alg, KEY_A.getKeyID()), validPayload(), TestTokens.signer(KEY_A), algorithm);
        this.chain.assertRejected(token, ErrorCode.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void authenticateWhenEs256OnRs256RealmThenAlgorithmNotAllowed() {
        String token = TestTokens.signedRaw(
                header("ES256", KEY_EC.getKeyID()), validPayload(), TestTokens.signer(KEY_EC), JWSAlgorithm.ES256);
        this.chain.assertRejected(token, ErrorCode.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void authenticateWhenRs256OnEs256RealmThenAlgorithmNotAllowed() {
        String token = TestTokens.oidc(KEY_A, ISSUER_EC).sign();
        this.chain.assertRejected(token, ErrorCode.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void authenticateWhenUnknownAlgorithmNameThenAlgorithmNotAllowed() {
        String token = TestTokens.raw(header("RS256 ", KEY_A.getKeyID()), validPayload(), "c2ln");
        this.chain.assertRejected(token, ErrorCode.ALGORITHM_NOT_ALLOWED);
        String lower = TestTokens.signedRaw(
                header("rs256", KEY_A.getKeyID()), validPayload(), TestTokens.signer(KEY_A), JWSAlgorithm.RS256);
        this.chain.assertRejected(lower, ErrorCode.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void authenticateWhenAlgMissingOrNotStringThenMalformedToken() {
        this.chain.assertRejected(
                TestTokens.raw("{\"kid\":\"realm-a-key-1\"}", validPayload(), "c2ln"), ErrorCode.MALFORMED_TOKEN);
        this.chain.assertRejected(
                TestTokens.raw("{\"alg\":256,\"kid\":\"realm-a-key-1\"}", validPayload(), "c2ln"),
                ErrorCode.MALFORMED_TOKEN);
        this.chain.assertRejected(
                TestTokens.raw("{\"alg\":\"\",\"kid\":\"realm-a-key-1\"}", validPayload(), "c2ln"),
                ErrorCode.MALFORMED_TOKEN);
    }

    @Test
    void authenticateWhenMissingKidOnOidcTokenThenUnknownKey() {
        String token = TestTokens.signedRaw(
                "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", validPayload(), TestTokens.signer(KEY_A), JWSAlgorithm.RS256);
        this.chain.assertRejected(token, ErrorCode.UNKNOWN_KEY);
    }

    // ---- iss

    @Test
    void authenticateWhenIssuerUnknownThenUntrustedIssuer() {
        this.chain.assertRejected(
                realmAToken().claim("iss", "https://evil.test/realms/a").sign(), ErrorCode.UNTRUSTED_ISSUER);
    }

    @Test
    void authenticateWhenIssuerMissingThenMissingClaim() {
        this.chain.assertRejected(realmAToken().without("iss").sign(), ErrorCode.MISSING_CLAIM);
        this.chain.assertRejected(realmAToken().claim("iss", "").sign(), ErrorCode.MISSING_CLAIM);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://idp.test/realms/a/",
                "https://IDP.test/realms/a",
                "https://idp.test/realms/A",
                "HTTPS://idp.test/realms/a",
                "https://idp.test/realms/a.evil",
                "https://idp.test/realms/a ",
                " https://idp.test/realms/a",
                "http://idp.test/realms/a",
                "https://idp.test/realms/a#",
                "https://idp.test/realms/a?x",
                "dualcore-edge ",
                "DUALCORE-EDGE"
            })
    void authenticateWhenIssuerLooksAlikeThenUntrustedIssuer(String issuer) {
        this.chain.assertRejected(realmAToken().claim("iss", issuer).sign(), ErrorCode.UNTRUSTED_ISSUER);
    }

    @Test
    void authenticateWhenIssuerIsNotAStringThenRejected() {
        String asArray = TestTokens.signedRaw(
                header("RS256", KEY_A.getKeyID()),
                validPayload()
                        .replace("\"iss\":\"" + ISSUER_A.replace("/", "\\/") + "\"", "\"iss\":[\"" + ISSUER_A + "\"]")
                        .replace("\"iss\":\"" + ISSUER_A + "\"", "\"iss\":[\"" + ISSUER_A + "\"]"),
                TestTokens.signer(KEY_A),
                JWSAlgorithm.RS256);
        assertThat(payloadOf(asArray)).contains("\"iss\":[");
        TokenRejectedException ex = this.chain.assertRejected(asArray);
        assertThat(ex.errorCode()).isIn(ErrorCode.MALFORMED_TOKEN, ErrorCode.MISSING_CLAIM);
        TokenRejectedException number =
                this.chain.assertRejected(realmAToken().claim("iss", 42).sign());
        assertThat(number.errorCode()).isIn(ErrorCode.MALFORMED_TOKEN, ErrorCode.MISSING_CLAIM);
    }

    // ---- aud

    @Test
    void authenticateWhenAudienceMissingThenMissingClaim() {
        this.chain.assertRejected(realmAToken().without("aud").sign(), ErrorCode.MISSING_CLAIM);
        this.chain.assertRejected(realmAToken().claim("aud", List.of()).sign(), ErrorCode.MISSING_CLAIM);
    }

    @Test
    void authenticateWhenAudienceForeignThenAudienceMismatch() {
        this.chain.assertRejected(
                realmAToken().claim("aud", List.of("account", "other-api")).sign(), ErrorCode.AUDIENCE_MISMATCH);
        this.chain.assertRejected(realmAToken().claim("aud", "DUALCORE-GATEWAY").sign(), ErrorCode.AUDIENCE_MISMATCH);
    }

    // ---- times

    @Test
    void authenticateWhenExpiredThenTokenExpired() {
        Instant now = Instant.now();
        this.chain.assertRejected(
                realmAToken()
                        .time("iat", now.minusSeconds(600))
                        .time("exp", now.minusSeconds(60))
                        .sign(),
                ErrorCode.TOKEN_EXPIRED);
    }

    @Test
    void authenticateWhenExpMissingThenMissingClaim() {
        this.chain.assertRejected(realmAToken().without("exp").sign(), ErrorCode.MISSING_CLAIM);
    }

    @Test
    void authenticateWhenNbfInFutureThenTokenNotYetValid() {
        this.chain.assertRejected(
                realmAToken()
                        .time("nbf", Instant.now().plusSeconds(120))
                        .time("exp", Instant.now().plusSeconds(600))
                        .sign(),
                ErrorCode.TOKEN_NOT_YET_VALID);
    }

    @Test
    void authenticateWhenIatInFutureThenTokenNotYetValid() {
        this.chain.assertRejected(
                realmAToken()
                        .time("iat", Instant.now().plusSeconds(120))
                        .time("exp", Instant.now().plusSeconds(600))
                        .sign(),
                ErrorCode.TOKEN_NOT_YET_VALID);
    }

    @Test
    void authenticateWhenExpIsAStringThenRejected() {
        String payload = validPayload().replaceFirst("\"exp\":(\\d+)", "\"exp\":\"$1\"");
        assertThat(payload).containsPattern("\"exp\":\"\\d+\"");
        String token = TestTokens.signedRaw(
                header("RS256", KEY_A.getKeyID()), payload, TestTokens.signer(KEY_A), JWSAlgorithm.RS256);
        TokenRejectedException ex = this.chain.assertRejected(token);
        assertThat(ex.errorCode()).isEqualTo(ErrorCode.MALFORMED_TOKEN);
    }

    // ---- cross-domain confusion

    @Test
    void authenticateWhenHmacTokenClaimsKeycloakIssuerThenAlgorithmNotAllowed() {
        String token = TestTokens.edge(EDGE_KID_256, EDGE_SECRET_256, JWSAlgorithm.HS256, ISSUER_A)
                .sign();
        this.chain.assertRejected(token, ErrorCode.ALGORITHM_NOT_ALLOWED);
        assertThat(this.chain.keysA.fetchCount()).isZero();
    }

    @Test
    void authenticateWhenRsaTokenClaimsEdgeIssuerWithEdgeKidThenAlgorithmNotAllowed() {
        String token = TestTokens.oidc(KEY_A, EDGE_ISSUER)
                .header(h -> new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(EDGE_KID_256))
                .sign();
        this.chain.assertRejected(token, ErrorCode.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void authenticateWhenRsaTokenClaimsEdgeIssuerWithOwnKidThenUnknownKey() {
        this.chain.assertRejected(TestTokens.oidc(KEY_A, EDGE_ISSUER).sign(), ErrorCode.UNKNOWN_KEY);
    }

    @Test
    void authenticateWhenGenuineTokenFromUntrustedRealmThenUntrustedIssuer() {
        String token = TestTokens.oidc(TestChain.KEY_UNTRUSTED, TestChain.ISSUER_UNTRUSTED)
                .sign();
        this.chain.assertRejected(token, ErrorCode.UNTRUSTED_ISSUER);
        // and with the untrusted key presented under realm A's issuer and kid
        String spoofed = TestTokens.oidc(TestChain.KEY_UNTRUSTED, ISSUER_A)
                .header(h -> h.keyID(KEY_A.getKeyID()))
                .sign();
        this.chain.assertRejected(spoofed, ErrorCode.INVALID_SIGNATURE);
    }

    // ---- Keycloak token kinds and clients

    @Test
    void authenticateWhenKeycloakIdTokenThenWrongTokenType() {
        this.chain.assertRejected(realmAToken().claim("typ", "ID").sign(), ErrorCode.WRONG_TOKEN_TYPE);
        this.chain.assertRejected(realmAToken().claim("typ", "Refresh").sign(), ErrorCode.WRONG_TOKEN_TYPE);
    }

    @Test
    void authenticateWhenAzpNotAuthorizedPartyThenClientNotAllowed() {
        this.chain.assertRejected(
                TestChain.realmBToken().claim("azp", "other-client").sign(), ErrorCode.CLIENT_NOT_ALLOWED);
        this.chain.assertRejected(TestChain.realmBToken().without("azp").sign(), ErrorCode.CLIENT_NOT_ALLOWED);
        assertThat(this.chain.accept(TestChain.realmBToken().sign()).clientId()).isEqualTo(TestChain.REALM_B_CLIENT);
    }

    @Test
    void hostileTokensAreNeverCached() {
        this.chain.assertRejected(realmAToken().claim("typ", "ID").sign(), ErrorCode.WRONG_TOKEN_TYPE);
        this.chain.assertRejected(realmAToken().claim("aud", "other").sign(), ErrorCode.AUDIENCE_MISMATCH);
        assertThat(this.chain.cache.size()).isZero();
    }
}
