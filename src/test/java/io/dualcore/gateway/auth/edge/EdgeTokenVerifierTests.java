package io.dualcore.gateway.auth.edge;

import static io.dualcore.gateway.auth.TestChain.EDGE_ISSUER;
import static io.dualcore.gateway.auth.TestChain.EDGE_KID_256;
import static io.dualcore.gateway.auth.TestChain.EDGE_KID_512;
import static io.dualcore.gateway.auth.TestChain.EDGE_SECRET_256;
import static io.dualcore.gateway.auth.TestChain.EDGE_SECRET_512;
import static io.dualcore.gateway.auth.TestChain.base64;
import static io.dualcore.gateway.auth.TestChain.edgeToken;
import static io.dualcore.gateway.auth.TestChain.edgeToken512;
import static io.dualcore.gateway.auth.TestChain.payloadOf;
import static io.dualcore.gateway.auth.TestChain.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Edge tokens through the whole chain: HMAC key ring, key windows, claims, explicit typing and replay. */
class EdgeTokenVerifierTests {

    private final TestChain chain = TestChain.create();

    @Test
    void authenticateWhenValidHs256TokenThenEdgeIdentityWithSubjectAsDevice() {
        GatewayIdentity identity =
                this.chain.accept(edgeToken().claim("scope", "telemetry:write").sign());

        assertThat(identity.mode()).isEqualTo(EdgeVerificationMode.MODE);
        assertThat(identity.issuer()).isEqualTo(EDGE_ISSUER);
        assertThat(identity.realm()).isEqualTo(EdgeTokenVerifier.REALM);
        assertThat(identity.subject()).isEqualTo("device-42");
        assertThat(identity.deviceId()).isEqualTo("device-42");
        assertThat(identity.clientId()).isNull();
        assertThat(identity.keyId()).isEqualTo(EDGE_KID_256);
        assertThat(identity.scopes()).containsExactly("telemetry:write");
    }

    @Test
    void authenticateWhenValidHs512TokenWithDeviceIdThenDeviceIdClaim() {
        GatewayIdentity identity = this.chain.accept(edgeToken512()
                .claim("device_id", "sensor-7")
                .claim("roles", List.of("ingest"))
                .sign());

        assertThat(identity.mode()).isEqualTo(EdgeVerificationMode.MODE);
        assertThat(identity.deviceId()).isEqualTo("sensor-7");
        assertThat(identity.subject()).isEqualTo("device-42");
        assertThat(identity.keyId()).isEqualTo(EDGE_KID_512);
        assertThat(identity.roles()).containsExactly("ingest");
    }

    @Test
    void authenticateWhenEdgeTokenReusedThenServedFromCache() {
        String token = edgeToken().sign();
        assertThat(this.chain.accept(token)).isSameAs(this.chain.accept(token));
    }

    @Test
    void authenticateWhenHs384TokenWithHs256KidThenAlgorithmNotAllowed() {
        String token = TestTokens.hmacRaw(
                TestChain.header("HS384", EDGE_KID_256), payloadOf(edgeToken().sign()), EDGE_SECRET_256, "HmacSHA384");
        this.chain.assertRejected(token, ErrorCode.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void authenticateWhenHs256TokenWithHs512KidThenAlgorithmNotAllowed() {
        String token = TestTokens.edge(EDGE_KID_512, EDGE_SECRET_512, JWSAlgorithm.HS256, EDGE_ISSUER)
                .sign();
        this.chain.assertRejected(token, ErrorCode.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void authenticateWhenUnknownKidThenUnknownKey() {
        String token = TestTokens.edge("edge-9", EDGE_SECRET_256, JWSAlgorithm.HS256, EDGE_ISSUER)
                .sign();
        this.chain.assertRejected(token, ErrorCode.UNKNOWN_KEY);
    }

    @Test
    void authenticateWhenKidMissingThenUnknownKey() {
        String token = edgeToken()
                .header(h -> new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT))
                .sign();
        this.chain.assertRejected(token, ErrorCode.UNKNOWN_KEY);
    }

    @Test
    void authenticateWhenSignedWithAnotherSecretThenInvalidSignature() {
        String token = TestTokens.edge(EDGE_KID_256, randomBytes(32), JWSAlgorithm.HS256, EDGE_ISSUER)
                .sign();
        this.chain.assertRejected(token, ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void authenticateWhenRotationWindowsOverlapThenOldAndNewKeysVerify() {
        Instant now = Instant.now();
        byte[] oldSecret = randomBytes(32);
        byte[] newSecret = randomBytes(32);
        byte[] retiredSecret = randomBytes(32);
        byte[] futureSecret = randomBytes(32);
        TestChain rotating = TestChain.options()
                .edgeKeys(List.of(
                        new AuthProperties.EdgeKey(
                                "old",
                                "HS256",
                                base64(oldSecret),
                                null,
                                now.minusSeconds(86_400),
                                now.plusSeconds(3600)),
                        new AuthProperties.EdgeKey(
                                "new", "HS256", base64(newSecret), null, now.minusSeconds(3600), null),
                        new AuthProperties.EdgeKey(
                                "retired",
                                "HS256",
                                base64(retiredSecret),
                                null,
                                now.minusSeconds(7200),
                                now.minusSeconds(60)),
                        new AuthProperties.EdgeKey(
                                "future", "HS256", base64(futureSecret), null, now.plusSeconds(3600), null)))
                .build();

        assertThat(rotating.accept(edge("old", oldSecret)).keyId()).isEqualTo("old");
        assertThat(rotating.accept(edge("new", newSecret)).keyId()).isEqualTo("new");
        rotating.assertRejected(edge("retired", retiredSecret), ErrorCode.UNKNOWN_KEY);
        rotating.assertRejected(edge("future", futureSecret), ErrorCode.UNKNOWN_KEY);
    }

    private static String edge(String kid, byte[] secret) {
        return TestTokens.edge(kid, secret, JWSAlgorithm.HS256, EDGE_ISSUER).sign();
    }

    @Test
    void authenticateWhenLifetimeLongerThanMaximumThenTokenLifetimeTooLong() {
        Instant now = Instant.now();
        String token =
                edgeToken().time("iat", now).time("exp", now.plusSeconds(601)).sign();
        this.chain.assertRejected(token, ErrorCode.TOKEN_LIFETIME_TOO_LONG);
        this.chain.assertRejected(
                edgeToken()
                        .time("iat", now)
                        .time("exp", now.plusSeconds(86_400))
                        .sign(),
                ErrorCode.TOKEN_LIFETIME_TOO_LONG);
    }

    @Test
    void authenticateWhenLifetimeExactlyMaximumThenAccepted() {
        Instant now = Instant.now();
        String token = edgeToken()
                .time("iat", now.minusSeconds(1))
                .time("exp", now.plusSeconds(599))
                .sign();
        assertThat(this.chain.accept(token).mode()).isEqualTo(EdgeVerificationMode.MODE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jti", "iat", "sub", "aud", "exp"})
    void authenticateWhenRequiredClaimMissingThenMissingClaim(String claim) {
        this.chain.assertRejected(edgeToken().without(claim).sign(), ErrorCode.MISSING_CLAIM);
    }

    @Test
    void authenticateWhenJtiEmptyThenMissingClaim() {
        this.chain.assertRejected(edgeToken().claim("jti", "").sign(), ErrorCode.MISSING_CLAIM);
    }

    @Test
    void authenticateWhenEdgeTokenExpiredThenTokenExpired() {
        Instant now = Instant.now();
        this.chain.assertRejected(
                edgeToken()
                        .time("iat", now.minusSeconds(300))
                        .time("exp", now.minusSeconds(120))
                        .sign(),
                ErrorCode.TOKEN_EXPIRED);
    }

    @Test
    void authenticateWhenEdgeAudienceForeignThenAudienceMismatch() {
        this.chain.assertRejected(edgeToken().claim("aud", "other-gateway").sign(), ErrorCode.AUDIENCE_MISMATCH);
    }

    @Test
    void authenticateWhenRequiredTypMissingOrDifferentThenWrongTokenType() {
        TestChain typed = TestChain.options().edgeTokenType("edge+jwt").build();

        typed.assertRejected(edgeToken().sign(), ErrorCode.WRONG_TOKEN_TYPE);
        typed.assertRejected(
                edgeToken()
                        .header(h -> new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(EDGE_KID_256))
                        .sign(),
                ErrorCode.WRONG_TOKEN_TYPE);
        typed.assertRejected(
                edgeToken().header(h -> h.type(new JOSEObjectType("at+jwt"))).sign(), ErrorCode.WRONG_TOKEN_TYPE);
        assertThat(typed.accept(edgeToken()
                                .header(h -> h.type(new JOSEObjectType("edge+jwt")))
                                .sign())
                        .mode())
                .isEqualTo(EdgeVerificationMode.MODE);
    }

    @Test
    void authenticateWhenReplayProtectionOnThenSecondUseReplayedAndNeverCached() {
        TestChain oneTime = TestChain.options().replayProtection(true).build();
        String token = edgeToken().sign();

        assertThat(oneTime.accept(token).mode()).isEqualTo(EdgeVerificationMode.MODE);
        oneTime.assertRejected(token, ErrorCode.TOKEN_REPLAYED);
        oneTime.assertRejected(token, ErrorCode.TOKEN_REPLAYED);

        assertThat(oneTime.cache.size()).isZero();
        // a new jti is a new token
        assertThat(oneTime.accept(edgeToken().sign()).mode()).isEqualTo(EdgeVerificationMode.MODE);
    }

    @Test
    void authenticateWhenReplayProtectionOffThenReuseAllowed() {
        String token = edgeToken().sign();
        this.chain.accept(token);
        this.chain.accept(token);
    }
}
