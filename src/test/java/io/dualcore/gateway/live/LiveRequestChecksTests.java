package io.dualcore.gateway.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.Mockito.mock;

import com.nimbusds.jose.jwk.ECKey;
import io.dualcore.gateway.auth.RequestChecksCompiler;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.VerifiedTokenCache;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.dpop.DpopProofVerifier;
import io.dualcore.gateway.auth.dpop.DpopProofs;
import io.dualcore.gateway.auth.dpop.DpopProperties;
import io.dualcore.gateway.auth.edge.InMemoryReplayGuard;
import io.dualcore.gateway.auth.revocation.Revocation;
import io.dualcore.gateway.auth.revocation.RevocationCheck;
import io.dualcore.gateway.auth.revocation.RevocationList;
import io.dualcore.gateway.decision.Decision;
import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.decision.DecisionRequest;
import io.dualcore.gateway.decision.RouteTokenChecks;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.route.ModeRoutePredicateFactory;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.RequestPathProperties;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.webflux.autoconfigure.WebFluxProperties;
import org.springframework.cloud.gateway.handler.predicate.PathRoutePredicateFactory;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.format.support.DefaultFormattingConversionService;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/**
 * An issuer's {@code dpop} and a route's {@code dpop} / {@code introspect} reload live (issue 25): each configuration
 * compiles its own checks after verification, the engine runs the ones of the configuration a request is pinned to,
 * and the DPoP {@code jti} memory is shared by every configuration. The route's policy asks for a role the token
 * lacks, so a token past every check ends as {@code 403 insufficient_role}, and a check's refusal is a {@code 401}.
 */
class LiveRequestChecksTests {

    private static final ECKey KEY = DpopProofs.ecKey();

    private static final String HTU = "https://app.example.com/orders/42";

    private final TestChain chain = TestChain.create();

    private final RequestChecksCompiler checks = new RequestChecksCompiler(
            new DpopProofVerifier(DpopProperties.defaults(), Clock.systemUTC()),
            new InMemoryReplayGuard(100, Clock.systemUTC()),
            null,
            Clock.systemUTC());

    private final ConfigurationCompiler compiler = new ConfigurationCompiler(
            List.of(
                    new PathRoutePredicateFactory(new WebFluxProperties()),
                    new ModeRoutePredicateFactory(TestModes.REGISTRY)),
            List.of(),
            new ConfigurationService(
                    new DefaultListableBeanFactory(), DefaultFormattingConversionService::new, () -> null),
            Clock.systemUTC(),
            TestModes.REGISTRY,
            null,
            this.checks);

    private ActiveConfiguration compile(Map<String, String> extra) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("spring.cloud.gateway.server.webflux.routes[0].id", "orders");
        settings.put("spring.cloud.gateway.server.webflux.routes[0].uri", "http://localhost:1");
        settings.put("spring.cloud.gateway.server.webflux.routes[0].predicates[0]", "Path=/orders/**");
        settings.put("dualcore.routes.orders.access.modes", "oidc");
        settings.put("dualcore.routes.orders.access.any-role", "no-such-role");
        settings.put("dualcore.auth.oidc.issuers[0].name", "realm-a");
        settings.put("dualcore.auth.oidc.issuers[0].issuer-uri", TestChain.ISSUER_A);
        settings.put("dualcore.auth.oidc.issuers[0].jwks-uri", TestChain.ISSUER_A + "/certs");
        settings.put("dualcore.auth.oidc.issuers[0].audiences[0]", TestTokens.AUDIENCE);
        settings.putAll(extra);
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", Map.copyOf(settings)));
        return this.compiler.compile(environment, null);
    }

    private final RevocationList revocations = new RevocationList(100, Clock.systemUTC());

    /** The chain's verifiers, the verified-token cache, and revocation first of the checks after verification. */
    private final TokenAuthenticator authenticator = new TokenAuthenticator(
            List.of(this.chain.realmA),
            new VerifiedTokenCache(100, Clock.systemUTC()),
            TestChain.MAX_TOKEN_LENGTH,
            List.of(new RevocationCheck(this.revocations)));

    private DecisionEngine engine(LiveConfiguration live) {
        return new DecisionEngine(
                new PathCanonicalizer(RequestPathProperties.defaults()),
                this.authenticator,
                name -> false,
                new LiveRouteLocator(live),
                CompiledRoutes.live(
                        exchange -> ((exchange != null) ? live.of(exchange) : live.current()).compiledRoutes()),
                mock(RateLimiter.class),
                mock(RateLimitHeaders.class),
                mock(IdentityHeaders.class),
                mock(IdentityAssertionSigner.class),
                DecisionEngine.Observers.NONE,
                null,
                RouteTokenChecks.NONE,
                live);
    }

    private static void reload(LiveConfiguration live, ActiveConfiguration next) {
        live.apply(next, new LiveConfiguration.Change(next.version(), Instant.now(), "test", ""), List.of());
    }

    private static Decision decide(DecisionEngine engine, String authorization, String proof) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.AUTHORIZATION, authorization);
        if (proof != null) {
            headers.set(DpopBinding.HEADER, proof);
        }
        DecisionRequest request =
                new DecisionRequest("test", HttpMethod.GET, "/orders/42", "https", "app.example.com", headers, null);
        return engine.decide(MockServerWebExchange.from(MockServerHttpRequest.get("/decide")), request)
                .block();
    }

    @Test
    void reloadWhenIssuerDpopTurnsRequiredThenBearerRefusedUntilTurnedOffAgain() {
        LiveConfiguration live = new LiveConfiguration(compile(Map.of()));
        DecisionEngine engine = engine(live);
        String bearer = "Bearer " + TestChain.realmAToken().sign();

        assertThat(decide(engine, bearer, null).problem().code()).isEqualTo(ErrorCode.INSUFFICIENT_ROLE);

        reload(live, compile(Map.of("dualcore.auth.oidc.issuers[0].dpop", "required")));
        Decision required = decide(engine, bearer, null);
        assertThat(required.problem().code()).isEqualTo(ErrorCode.DPOP_REQUIRED);
        assertThat(required.status()).isEqualTo(401);

        reload(live, compile(Map.of("dualcore.auth.oidc.issuers[0].dpop", "off")));
        assertThat(decide(engine, bearer, null).problem().code()).isEqualTo(ErrorCode.INSUFFICIENT_ROLE);
    }

    @Test
    void reloadWhenRouteDpopTurnsRequiredThenBearerRefusedUntilTurnedOffAgain() {
        LiveConfiguration live = new LiveConfiguration(compile(Map.of()));
        DecisionEngine engine = engine(live);
        String bearer = "Bearer " + TestChain.realmAToken().sign();

        reload(live, compile(Map.of("dualcore.routes.orders.dpop", "required")));
        Decision required = decide(engine, bearer, null);
        assertThat(required.problem().code()).isEqualTo(ErrorCode.DPOP_REQUIRED);

        reload(live, compile(Map.of()));
        assertThat(decide(engine, bearer, null).problem().code()).isEqualTo(ErrorCode.INSUFFICIENT_ROLE);
    }

    @Test
    void reloadWhenDpopProofReplayedAcrossConfigurationsThenRefusedReplayed() {
        LiveConfiguration live =
                new LiveConfiguration(compile(Map.of("dualcore.auth.oidc.issuers[0].dpop", "allowed")));
        DecisionEngine engine = engine(live);
        String bound = TestChain.realmAToken()
                .claim("cnf", Map.of("jkt", DpopProofs.thumbprint(KEY)))
                .sign();
        String proof = DpopProofs.proof(KEY, "GET", HTU, bound, Instant.now()).sign();

        assertThat(decide(engine, "DPoP " + bound, proof).problem().code()).isEqualTo(ErrorCode.INSUFFICIENT_ROLE);

        reload(
                live,
                compile(Map.of(
                        "dualcore.auth.oidc.issuers[0].dpop", "allowed", "dualcore.routes.orders.dpop", "required")));
        assertThat(decide(engine, "DPoP " + bound, proof).problem().code()).isEqualTo(ErrorCode.DPOP_PROOF_REPLAYED);
    }

    @Test
    void decideWhenCachedTokenRevokedThenRevocationRefusesBeforeDpopAndRouteChecks() {
        LiveConfiguration live = new LiveConfiguration(compile(
                Map.of("dualcore.auth.oidc.issuers[0].dpop", "required", "dualcore.routes.orders.dpop", "required")));
        DecisionEngine engine = engine(live);
        String token = TestChain.realmAToken().claim("sub", "revoked-user").sign();
        Decision first = decide(engine, "Bearer " + token, null);
        assertThat(first.problem().code()).isEqualTo(ErrorCode.DPOP_REQUIRED);
        long hits = this.authenticator.cacheHits();

        this.revocations.add(new Revocation(
                Revocation.Kind.SUBJECT,
                "realm-a",
                "revoked-user",
                null,
                false,
                Instant.now().plusSeconds(600),
                "test"));
        Decision revoked = decide(engine, "Bearer " + token, null);

        assertThat(revoked.problem().code()).isEqualTo(ErrorCode.TOKEN_REVOKED);
        assertThat(this.authenticator.cacheHits()).as("served from the cache").isEqualTo(hits + 1);
    }

    @Test
    void decideWhenIssuerDpopPassesAndRouteRequiresDpopThenRouteCheckRefusesAfterAuthentication() {
        LiveConfiguration live = new LiveConfiguration(compile(Map.of("dualcore.routes.orders.dpop", "required")));
        DecisionEngine engine = engine(live);

        Decision decision = decide(engine, "Bearer " + TestChain.realmAToken().sign(), null);

        assertThat(decision.problem().code()).isEqualTo(ErrorCode.DPOP_REQUIRED);
        assertThat(decision.identity()).as("authenticated first").isNotNull();
        assertThat(decision.steps().toString()).contains("token checks");
    }

    @Test
    void compileWhenRouteIntrospectsWithoutIssuerIntrospectionThenRefusedNamingTheProperty() {
        assertThatExceptionOfType(InvalidConfigurationException.class)
                .isThrownBy(() -> compile(Map.of("dualcore.routes.orders.introspect", "true")))
                .withMessageContaining("introspect: true")
                .withMessageContaining("dualcore.auth.oidc.issuers[*].introspection");
    }

    @Test
    void compileWhenIssuerAlwaysIntrospectsWithoutClientThenRefusedNamingTheIssuer() {
        assertThatExceptionOfType(InvalidConfigurationException.class)
                .isThrownBy(() -> compile(Map.of("dualcore.auth.oidc.issuers[0].introspection.always", "true")))
                .withMessageContaining("dualcore.auth.oidc.issuers[realm-a].introspection");
    }
}
