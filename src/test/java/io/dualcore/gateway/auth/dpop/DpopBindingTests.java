package io.dualcore.gateway.auth.dpop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.edge.InMemoryReplayGuard;
import io.dualcore.gateway.auth.edge.ReplayGuard;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.testsupport.MutableClock;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import reactor.core.publisher.Mono;

/** The Bearer-versus-DPoP scheme rule (RFC 9449 §7.1), the key binding, the replay check and the modes. */
class DpopBindingTests {

    private static final String ALLOWED_ISSUER = "https://idp.test/realms/allowed";

    private static final String REQUIRED_ISSUER = "https://idp.test/realms/required";

    private static final String OFF_ISSUER = "https://idp.test/realms/off";

    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";

    private static final String URL = "https://api.example.com/api/orders";

    private static final ECKey KEY = DpopProofs.ecKey();

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T12:00:00Z"));

    private final DpopBinding binding = binding(new InMemoryReplayGuard(1000, this.clock), null);

    private DpopBinding binding(ReplayGuard guard, String externalBaseUrl) {
        return new DpopBinding(
                Map.of(ALLOWED_ISSUER, DpopMode.ALLOWED, REQUIRED_ISSUER, DpopMode.REQUIRED),
                new DpopProofVerifier(DpopProperties.defaults(), this.clock),
                guard,
                externalBaseUrl);
    }

    private static GatewayIdentity identity(String issuer, Object cnf) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("iss", issuer);
        claims.put("sub", "alice");
        if (cnf != null) {
            claims.put("cnf", cnf);
        }
        return new GatewayIdentity(
                OidcVerificationMode.MODE,
                issuer,
                "realm",
                "alice",
                "app",
                Set.of(),
                Set.of(),
                null,
                "kid",
                Instant.parse("2026-12-07T13:00:00Z"),
                claims);
    }

    private static GatewayIdentity bound(String issuer) {
        return identity(issuer, Map.of("jkt", DpopProofs.thumbprint(KEY)));
    }

    private String proof() {
        return DpopProofs.proof(KEY, "GET", URL, TOKEN, this.clock.instant()).sign();
    }

    private static MockServerHttpRequest request(String... proofs) {
        MockServerHttpRequest.BaseBuilder<?> builder = MockServerHttpRequest.get(URL + "?page=1");
        for (String proof : proofs) {
            builder.header(DpopBinding.HEADER, proof);
        }
        return builder.build();
    }

    private static void assertRefused(Runnable check, ErrorCode code) {
        assertThatThrownBy(check::run)
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(code));
    }

    @Test
    void checkWhenBoundTokenWithDpopSchemeAndValidProofThenProofVerified() {
        Mono<DpopProof> replay = this.binding.check(request(proof()), true, TOKEN, bound(ALLOWED_ISSUER));

        assertThat(replay).isNotNull();
        assertThat(replay.block().thumbprint()).isEqualTo(DpopProofs.thumbprint(KEY));
    }

    @Test
    void checkWhenSameProofTwiceThenReplayRefused() {
        String proof = proof();
        this.binding.check(request(proof), true, TOKEN, bound(ALLOWED_ISSUER)).block();

        assertRefused(
                () -> this.binding
                        .check(request(proof), true, TOKEN, bound(ALLOWED_ISSUER))
                        .block(),
                ErrorCode.DPOP_PROOF_REPLAYED);
    }

    @Test
    void checkWhenReplayGuardFailsThenUnavailableNotAccepted() {
        DpopBinding broken = binding((issuer, jti, until) -> Mono.error(new IllegalStateException("redis down")), null);

        assertRefused(
                () -> broken.check(request(proof()), true, TOKEN, bound(ALLOWED_ISSUER))
                        .block(),
                ErrorCode.REPLAY_CHECK_UNAVAILABLE);
    }

    @Test
    void checkWhenBoundTokenSentAsBearerThenRefused() {
        assertRefused(
                () -> this.binding.check(request(proof()), false, TOKEN, bound(ALLOWED_ISSUER)),
                ErrorCode.DPOP_BOUND_TOKEN);
        assertRefused(
                () -> this.binding.check(request(), false, TOKEN, bound(REQUIRED_ISSUER)), ErrorCode.DPOP_BOUND_TOKEN);
    }

    @Test
    void checkWhenUnboundBearerTokenAndModeAllowedThenPassesWithoutWork() {
        assertThat(this.binding.check(request(), false, TOKEN, identity(ALLOWED_ISSUER, null)))
                .isNull();
    }

    @Test
    void checkWhenUnboundBearerTokenAndModeRequiredThenRefused() {
        assertRefused(
                () -> this.binding.check(request(), false, TOKEN, identity(REQUIRED_ISSUER, null)),
                ErrorCode.DPOP_REQUIRED);
    }

    @Test
    void checkWhenIssuerHasDpopOffThenBearerPassesEvenBoundAndDpopSchemeRefused() {
        assertThat(this.binding.check(request(), false, TOKEN, bound(OFF_ISSUER)))
                .isNull();
        assertRefused(
                () -> this.binding.check(request(proof()), true, TOKEN, bound(OFF_ISSUER)), ErrorCode.INVALID_REQUEST);
    }

    @Test
    void checkWhenDpopSchemeWithUnboundTokenThenRefused() {
        assertRefused(
                () -> this.binding.check(request(proof()), true, TOKEN, identity(ALLOWED_ISSUER, null)),
                ErrorCode.DPOP_KEY_MISMATCH);
    }

    @Test
    void checkWhenProofKeyIsNotTheBoundKeyThenRefused() {
        String otherKeyProof = DpopProofs.proof(DpopProofs.ecKey(), "GET", URL, TOKEN, this.clock.instant())
                .sign();

        assertRefused(
                () -> this.binding.check(request(otherKeyProof), true, TOKEN, bound(ALLOWED_ISSUER)),
                ErrorCode.DPOP_KEY_MISMATCH);
    }

    @Test
    void checkWhenNoProofOrSeveralProofsThenRefused() {
        assertRefused(
                () -> this.binding.check(request(), true, TOKEN, bound(ALLOWED_ISSUER)), ErrorCode.INVALID_DPOP_PROOF);
        assertRefused(
                () -> this.binding.check(request(proof(), proof()), true, TOKEN, bound(ALLOWED_ISSUER)),
                ErrorCode.INVALID_DPOP_PROOF);
    }

    @Test
    void checkWhenMethodDiffersFromHtmThenRefused() {
        MockServerHttpRequest post = MockServerHttpRequest.method(HttpMethod.POST, URL)
                .header(DpopBinding.HEADER, proof())
                .build();

        assertRefused(() -> this.binding.check(post, true, TOKEN, bound(ALLOWED_ISSUER)), ErrorCode.INVALID_DPOP_PROOF);
    }

    @Test
    void checkWhenMalformedCnfThenRefused() {
        assertRefused(
                () -> this.binding.check(request(proof()), true, TOKEN, identity(ALLOWED_ISSUER, "jkt")),
                ErrorCode.INVALID_CLAIM);
        assertRefused(
                () -> this.binding.check(request(proof()), true, TOKEN, identity(ALLOWED_ISSUER, Map.of("jkt", 5))),
                ErrorCode.INVALID_CLAIM);
    }

    @Test
    void checkWhenCnfWithoutJktThenUnbound() {
        GatewayIdentity mtlsBound = identity(ALLOWED_ISSUER, Map.of("x5t#S256", "abc"));

        assertThat(this.binding.check(request(), false, TOKEN, mtlsBound)).isNull();
    }

    @Test
    void htuWhenExternalBaseUrlSetThenItReplacesTheRequestsSchemeAndHost() {
        DpopBinding behindProxy = binding(new InMemoryReplayGuard(10, this.clock), "https://Public.Example.com:443/");
        MockServerHttpRequest internal =
                MockServerHttpRequest.get("http://10.0.0.7:8080/api/orders?x=1").build();

        assertThat(behindProxy.htu(internal)).isEqualTo("https://public.example.com/api/orders");
        assertThat(this.binding.htu(internal)).isEqualTo("http://10.0.0.7:8080/api/orders");
    }

    @Test
    void enabledWhenNoIssuerUsesDpopThenFalse() {
        DpopBinding none = new DpopBinding(
                Map.of(),
                new DpopProofVerifier(DpopProperties.defaults(), this.clock),
                new InMemoryReplayGuard(10, this.clock),
                null);

        assertThat(none.enabled()).isFalse();
        assertThat(this.binding.enabled()).isTrue();
        assertThat(List.of(this.binding.algs().split(" "))).contains("ES256", "RS256");
    }

    // ---- DPoP per route: the stricter of the issuer's and the route's mode ----

    private DpopBinding withRoutes() {
        return new DpopBinding(
                Map.of(ALLOWED_ISSUER, DpopMode.ALLOWED, REQUIRED_ISSUER, DpopMode.REQUIRED),
                new DpopProofVerifier(DpopProperties.defaults(), this.clock),
                new InMemoryReplayGuard(1000, this.clock),
                null,
                true);
    }

    @Test
    void routeRefusalWhenRouteRequiresAndIssuerOffAndUnboundTokenThenDpopRequired() {
        TokenRejectedException refusal =
                withRoutes().routeRefusal(DpopMode.REQUIRED, identity(OFF_ISSUER, null), false);

        assertThat(refusal).isNotNull();
        assertThat(refusal.errorCode()).isEqualTo(ErrorCode.DPOP_REQUIRED);
    }

    @Test
    void routeRefusalWhenRouteRequiresAndIssuerAllowsAndUnboundBearerThenDpopRequired() {
        TokenRejectedException refusal =
                withRoutes().routeRefusal(DpopMode.REQUIRED, identity(ALLOWED_ISSUER, null), false);

        assertThat(refusal).isNotNull();
        assertThat(refusal.errorCode()).isEqualTo(ErrorCode.DPOP_REQUIRED);
    }

    @Test
    void routeRefusalWhenRouteAllowsAndIssuerOffAndBoundTokenWithoutProofThenBoundTokenRefused() {
        TokenRejectedException refusal = withRoutes().routeRefusal(DpopMode.ALLOWED, bound(OFF_ISSUER), false);

        assertThat(refusal).isNotNull();
        assertThat(refusal.errorCode()).isEqualTo(ErrorCode.DPOP_BOUND_TOKEN);
    }

    @Test
    void routeRefusalWhenRouteAllowsAndUnboundBearerThenPasses() {
        assertThat(withRoutes().routeRefusal(DpopMode.ALLOWED, identity(OFF_ISSUER, null), false))
                .isNull();
    }

    @Test
    void routeRefusalWhenProofVerifiedThenPasses() {
        assertThat(withRoutes().routeRefusal(DpopMode.REQUIRED, bound(OFF_ISSUER), true))
                .isNull();
    }

    @Test
    void routeRefusalWhenRouteNotStricterThanIssuerThenLeftToTheIssuersStep() {
        DpopBinding binding = withRoutes();

        assertThat(binding.routeRefusal(DpopMode.OFF, identity(REQUIRED_ISSUER, null), false))
                .isNull();
        assertThat(binding.routeRefusal(DpopMode.ALLOWED, identity(REQUIRED_ISSUER, null), false))
                .isNull();
    }

    @Test
    void checkWhenRoutesUseDpopAndIssuerOffThenDpopSchemeVerifiedAndBearerLeftToTheRoute() {
        DpopBinding binding = withRoutes();

        assertThat(binding.enabled()).isTrue();
        assertThat(binding.check(request(), false, TOKEN, bound(OFF_ISSUER))).isNull();
        assertThat(binding.check(request(proof()), true, TOKEN, bound(OFF_ISSUER))
                        .block()
                        .thumbprint())
                .isEqualTo(DpopProofs.thumbprint(KEY));
        assertRefused(() -> binding.check(request(), true, TOKEN, bound(OFF_ISSUER)), ErrorCode.INVALID_DPOP_PROOF);
    }

    @Test
    void checkWhenNoRouteUsesDpopAndIssuerOffThenDpopSchemeStillRefused() {
        assertRefused(
                () -> this.binding.check(request(proof()), true, TOKEN, bound(OFF_ISSUER)), ErrorCode.INVALID_REQUEST);
    }
}
