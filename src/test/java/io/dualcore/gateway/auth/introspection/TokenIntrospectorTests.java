package io.dualcore.gateway.auth.introspection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestIssuers;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.testsupport.MutableClock;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.web.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * RFC 7662 introspection against a stub endpoint: the call (client credentials, the token posted), the positive
 * cache (keyed by the token's hash, bounded by {@code cache-ttl} and {@code exp}), inactive answers, outages and the
 * failure policies, and the identity of an opaque token.
 */
class TokenIntrospectorTests {

    /**
     * The timeout for an endpoint that answers: sized for a loaded 2-core CI machine (2 s once timed out there under
     * a load average of 15); the timeout case itself uses its own short one against an endpoint that never answers.
     */
    private static final Duration ANSWERING = Duration.ofSeconds(20);

    private static final String TOKEN = "opaque-token-0123456789";

    private final MutableClock clock = new MutableClock(Instant.now());

    private final IntrospectionEndpointStub endpoint = new IntrospectionEndpointStub();

    @AfterEach
    void stop() {
        this.endpoint.close();
    }

    private AuthProperties.Introspection settings(
            boolean opaque, String uri, Duration timeout, AuthProperties.IntrospectionFailurePolicy policy) {
        return new AuthProperties.Introspection(
                opaque,
                false,
                uri,
                "dualcore-gateway",
                "s3cret:with/odd chars",
                timeout,
                Duration.ofSeconds(30),
                1000,
                51200,
                policy,
                new AuthProperties.UserInfo.CircuitBreaker(50, 2, Duration.ofSeconds(10)));
    }

    private AuthProperties.Issuer issuer(AuthProperties.Introspection introspection) {
        return TestIssuers.issuer("test", this.endpoint.issuer())
                .metadataUri(this.endpoint.metadataUri())
                .audiences(List.of("dualcore-gateway"))
                .build()
                .withIntrospection(introspection);
    }

    private TokenIntrospector introspector(AuthProperties.Introspection settings) {
        return new TokenIntrospector(issuer(settings), this.clock);
    }

    private TokenIntrospector introspector() {
        return introspector(settings(true, this.endpoint.uri(), ANSWERING, deny()));
    }

    private static AuthProperties.IntrospectionFailurePolicy deny() {
        return AuthProperties.IntrospectionFailurePolicy.DENY;
    }

    private String active(String subject) {
        long exp = this.clock.instant().plusSeconds(300).getEpochSecond();
        return "{\"active\":true,\"iss\":\"" + this.endpoint.issuer() + "\",\"sub\":\"" + subject
                + "\",\"azp\":\"dualcore-demo\",\"aud\":[\"dualcore-gateway\"],\"scope\":\"openid profile\","
                + "\"realm_access\":{\"roles\":[\"user\",\"admin\"]},\"exp\":" + exp + "}";
    }

    private static void assertRejected(Runnable call, ErrorCode code) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(code));
    }

    @Test
    void introspectWhenActiveThenClaimsAsJsonValuesAndTheCallCarriesClientCredentialsAndToken() {
        this.endpoint.answer.set(active("alice"));

        Map<String, Object> claims = introspector().introspect(TOKEN).block(TestClients.TIMEOUT);

        assertThat(claims)
                .containsEntry("sub", "alice")
                .containsEntry("scope", "openid profile")
                .containsEntry("iss", this.endpoint.issuer())
                .doesNotContainKey("active");
        assertThat(claims.get("exp")).isInstanceOf(Long.class);
        assertThat(this.endpoint.tokens).containsExactly(TOKEN);
        // RFC 6749 §2.3.1: form-encoded before Base64
        String basic = Base64.getEncoder()
                .encodeToString("dualcore-gateway:s3cret%3Awith%2Fodd+chars".getBytes(StandardCharsets.UTF_8));
        assertThat(this.endpoint.authorizations).containsExactly("Basic " + basic);
    }

    @Test
    void introspectWhenAskedTwiceWithinTtlThenOneCallAndCachedAnswersWithoutIo() {
        this.endpoint.answer.set(active("alice"));
        TokenIntrospector introspector = introspector();
        assertThat(introspector.cached(TOKEN)).isNull();

        introspector.introspect(TOKEN).block(TestClients.TIMEOUT);
        introspector.introspect(TOKEN).block(TestClients.TIMEOUT);

        assertThat(this.endpoint.calls.get()).isEqualTo(1);
        assertThat(introspector.cached(TOKEN)).containsEntry("sub", "alice");
        assertThat(introspector.cached(TOKEN + "x")).isNull();
    }

    @Test
    void introspectWhenTtlElapsedThenAskedAgainAndARevocationSeen() {
        this.endpoint.answer.set(active("alice"));
        TokenIntrospector introspector = introspector();
        introspector.introspect(TOKEN).block(TestClients.TIMEOUT);

        this.endpoint.answer.set("{\"active\":false}");
        this.clock.advance(Duration.ofSeconds(31));

        assertThat(introspector.cached(TOKEN)).isNull();
        assertRejected(() -> introspector.introspect(TOKEN).block(TestClients.TIMEOUT), ErrorCode.TOKEN_INACTIVE);
        assertThat(this.endpoint.calls.get()).isEqualTo(2);
    }

    @Test
    void introspectWhenTokenExpiresBeforeTtlThenNotCachedBeyondExp() {
        long exp = this.clock.instant().plusSeconds(5).getEpochSecond();
        this.endpoint.answer.set("{\"active\":true,\"sub\":\"alice\",\"exp\":" + exp + "}");
        TokenIntrospector introspector = introspector();
        introspector.introspect(TOKEN).block(TestClients.TIMEOUT);

        this.clock.advance(Duration.ofSeconds(6));

        assertThat(introspector.cached(TOKEN)).isNull();
    }

    @Test
    void introspectWhenInactiveThenTokenInactiveAndNotRemembered() {
        TokenIntrospector introspector = introspector();

        assertRejected(() -> introspector.introspect(TOKEN).block(TestClients.TIMEOUT), ErrorCode.TOKEN_INACTIVE);
        this.endpoint.answer.set(active("alice"));

        assertThat(introspector.introspect(TOKEN).block(TestClients.TIMEOUT)).containsEntry("sub", "alice");
    }

    @Test
    void introspectWhenAnswerOfAnotherIssuerThenTokenInactive() {
        this.endpoint.answer.set("{\"active\":true,\"sub\":\"alice\",\"iss\":\"https://evil.test\"}");

        assertRejected(() -> introspector().introspect(TOKEN).block(TestClients.TIMEOUT), ErrorCode.TOKEN_INACTIVE);
    }

    @Test
    void introspectWhenEndpointFailsThenUnavailable() {
        this.endpoint.status.set(500);
        this.endpoint.answer.set("{\"error\":\"boom\"}");

        assertThatThrownBy(() -> introspector().introspect(TOKEN).block(TestClients.TIMEOUT))
                .isInstanceOf(TokenIntrospector.Unavailable.class);
    }

    @Test
    void introspectWhenEndpointStallsThenUnavailableAfterTheTimeout() {
        this.endpoint.answer.set(active("alice"));
        this.endpoint.delay.set(Duration.ofSeconds(30));
        TokenIntrospector introspector =
                introspector(settings(true, this.endpoint.uri(), Duration.ofMillis(300), deny()));

        assertThatThrownBy(() -> introspector.introspect(TOKEN).block(TestClients.TIMEOUT))
                .isInstanceOf(TokenIntrospector.Unavailable.class);
    }

    @Test
    void introspectWhenAnswerIsNotJsonThenUnavailable() {
        this.endpoint.answer.set("<html>gateway timeout</html>");

        assertThatThrownBy(() -> introspector().introspect(TOKEN).block(TestClients.TIMEOUT))
                .isInstanceOf(TokenIntrospector.Unavailable.class);
    }

    @Test
    void introspectWhenEndpointKeepsFailingThenBreakerOpensAndCallsStop() {
        this.endpoint.status.set(503);
        TokenIntrospector introspector = introspector();
        for (int i = 0; i < 5; i++) {
            String token = TOKEN + i;
            assertThatThrownBy(() -> introspector.introspect(token).block(TestClients.TIMEOUT))
                    .isInstanceOf(TokenIntrospector.Unavailable.class);
        }

        assertThat(introspector.breakerState()).isEqualTo("open");
        assertThat(this.endpoint.calls.get()).isEqualTo(2);
    }

    @Test
    void introspectWhenNoUriThenEndpointDiscoveredFromTheIssuersMetadata() {
        this.endpoint.answer.set(active("alice"));
        TokenIntrospector introspector = introspector(settings(true, null, ANSWERING, deny()));

        assertThat(introspector.introspect(TOKEN).block(TestClients.TIMEOUT)).containsEntry("sub", "alice");
    }

    @Test
    void constructWhenNoSecretThenStartupErrorNamesTheProperty() {
        AuthProperties.Introspection noSecret = AuthProperties.Introspection.of("dualcore-gateway", null);

        assertThatThrownBy(() -> introspector(noSecret)).hasMessageContaining("introspection.client-secret");
    }

    @Test
    void settingsWhenPrintedThenSecretMasked() {
        assertThat(issuer(settings(true, null, ANSWERING, deny())).toString())
                .doesNotContain("s3cret")
                .contains("clientSecret=******");
    }

    // ---- Introspections: opaque identities and the online check of JWTs

    private Introspections introspections(AuthProperties.IntrospectionFailurePolicy policy, Duration timeout) {
        AuthProperties.Introspection settings = settings(true, this.endpoint.uri(), timeout, policy);
        return new Introspections(
                List.of(introspector(settings)), List.of(issuer(settings)), this.clock, Duration.ofSeconds(30));
    }

    private GatewayIdentity jwtIdentity(String subject) {
        return new GatewayIdentity(
                OidcVerificationMode.MODE,
                this.endpoint.issuer(),
                "test",
                subject,
                "dualcore-demo",
                Set.of(),
                Set.of(),
                null,
                "kid-1",
                this.clock.instant().plusSeconds(300),
                Map.of("sub", subject));
    }

    @Test
    void verifyWhenOpaqueTokenActiveThenIdentityFromTheAnswerAndCachedAfterwards() {
        this.endpoint.answer.set(active("alice"));
        Introspections introspections = introspections(deny(), ANSWERING);

        GatewayIdentity identity = introspections.verify(TOKEN).block(TestClients.TIMEOUT);

        assertThat(identity.mode()).isEqualTo(OidcVerificationMode.MODE);
        assertThat(identity.realm()).isEqualTo("test");
        assertThat(identity.subject()).isEqualTo("alice");
        assertThat(identity.clientId()).isEqualTo("dualcore-demo");
        assertThat(identity.roles()).containsExactlyInAnyOrder("user", "admin");
        assertThat(identity.scopes()).containsExactlyInAnyOrder("openid", "profile");
        // a reused opaque token costs a look-up: the same identity, not a new one
        assertThat(introspections.cached(TOKEN)).isSameAs(identity);
    }

    @Test
    void verifyWhenOpaqueAnswerWithoutSubOrAudienceThenRefused() {
        long exp = this.clock.instant().plusSeconds(300).getEpochSecond();
        Introspections introspections = introspections(deny(), ANSWERING);
        this.endpoint.answer.set("{\"active\":true,\"aud\":\"dualcore-gateway\",\"exp\":" + exp + "}");
        assertRejected(() -> introspections.verify(TOKEN).block(TestClients.TIMEOUT), ErrorCode.MISSING_CLAIM);

        this.endpoint.answer.set("{\"active\":true,\"sub\":\"alice\",\"aud\":\"other\",\"exp\":" + exp + "}");
        assertRejected(
                () -> introspections.verify(TOKEN + "2").block(TestClients.TIMEOUT), ErrorCode.AUDIENCE_MISMATCH);
    }

    @Test
    void verifyWhenOpaqueAnswerWithControlCharacterInSubThenInvalidClaim() {
        long exp = this.clock.instant().plusSeconds(300).getEpochSecond();
        this.endpoint.answer.set(
                "{\"active\":true,\"sub\":\"al\\u0000ice\",\"aud\":\"dualcore-gateway\",\"exp\":" + exp + "}");

        assertRejected(
                () -> introspections(deny(), ANSWERING).verify(TOKEN).block(TestClients.TIMEOUT),
                ErrorCode.INVALID_CLAIM);
    }

    @Test
    void verifyWhenOpaqueAndOutageEvenWithAllowVerifiedThenIntrospectionUnavailable() {
        this.endpoint.status.set(500);

        assertRejected(
                () -> introspections(AuthProperties.IntrospectionFailurePolicy.ALLOW_VERIFIED, ANSWERING)
                        .verify(TOKEN)
                        .block(TestClients.TIMEOUT),
                ErrorCode.INTROSPECTION_UNAVAILABLE);
    }

    @Test
    void checkWhenJwtActiveThenPassesAndInactiveThenTokenInactive() {
        Introspections introspections = introspections(deny(), ANSWERING);
        this.endpoint.answer.set(active("alice"));
        introspections.check("a.b.c", jwtIdentity("alice")).block(TestClients.TIMEOUT);

        this.endpoint.answer.set("{\"active\":false}");

        assertRejected(
                () -> introspections.check("d.e.f", jwtIdentity("alice")).block(TestClients.TIMEOUT),
                ErrorCode.TOKEN_INACTIVE);
    }

    @Test
    void checkWhenAnswerNamesAnotherSubjectThenTokenInactive() {
        this.endpoint.answer.set(active("mallory"));

        assertRejected(
                () -> introspections(deny(), ANSWERING)
                        .check("a.b.c", jwtIdentity("alice"))
                        .block(TestClients.TIMEOUT),
                ErrorCode.TOKEN_INACTIVE);
    }

    @Test
    void checkWhenOutageThenDenyRefusesAndAllowVerifiedPasses() {
        this.endpoint.status.set(502);

        assertRejected(
                () -> introspections(deny(), ANSWERING)
                        .check("a.b.c", jwtIdentity("alice"))
                        .block(TestClients.TIMEOUT),
                ErrorCode.INTROSPECTION_UNAVAILABLE);
        introspections(AuthProperties.IntrospectionFailurePolicy.ALLOW_VERIFIED, ANSWERING)
                .check("a.b.c", jwtIdentity("alice"))
                .block(TestClients.TIMEOUT);
        assertThat(this.endpoint.calls.get()).isEqualTo(2);
    }

    @Test
    void checkWhenIssuerDoesNotIntrospectThenRefusedNotPassed() {
        GatewayIdentity other = new GatewayIdentity(
                OidcVerificationMode.MODE,
                "https://other.test",
                "other",
                "alice",
                null,
                Set.of(),
                Set.of(),
                null,
                "kid",
                this.clock.instant().plusSeconds(60),
                Map.of());

        assertRejected(
                () -> introspections(deny(), ANSWERING).check("a.b.c", other).block(TestClients.TIMEOUT),
                ErrorCode.INTROSPECTION_UNAVAILABLE);
    }

    @Test
    void constructWhenTwoIssuersTakeOpaqueTokensThenStartupError() {
        AuthProperties.Introspection settings = settings(true, this.endpoint.uri(), ANSWERING, deny());
        TokenIntrospector one = introspector(settings);
        TokenIntrospector two = introspector(settings);

        assertThatThrownBy(() -> new Introspections(
                        List.of(one, two), List.of(issuer(settings)), this.clock, Duration.ofSeconds(30)))
                .hasMessageContaining("opaque-tokens");
    }
}
