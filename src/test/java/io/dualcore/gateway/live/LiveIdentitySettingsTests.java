package io.dualcore.gateway.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenVerifier;
import io.dualcore.gateway.auth.VerifierChain;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import io.dualcore.gateway.decision.Decision;
import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.decision.DecisionExplainer;
import io.dualcore.gateway.decision.DecisionRequest;
import io.dualcore.gateway.decision.Outcome;
import io.dualcore.gateway.decision.RouteTokenChecks;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.identity.IdentityProperties;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.IdentityHandOver;
import io.dualcore.gateway.ratelimit.LocalRateLimiter;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.route.ModeRoutePredicateFactory;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.RequestPathProperties;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
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
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code dualcore.identity} and {@code dualcore.credentials} follow the configuration a request is pinned to, on the
 * proxy door (authentication, route steps, hand-over) and on a decision door: version A names identity headers
 * {@code X-Auth-*} and strips the default credential headers; version B names them {@code X-Id-*}, signs assertions
 * as another issuer and also strips {@code X-Legacy-Secret}.
 */
class LiveIdentitySettingsTests {

    private static final String ROUTE = "orders";

    private final TestChain chain = TestChain.create();

    private final ConfigurationCompiler compiler = new ConfigurationCompiler(
            List.of(
                    new PathRoutePredicateFactory(new WebFluxProperties()),
                    new ModeRoutePredicateFactory(TestModes.REGISTRY)),
            List.of(),
            new ConfigurationService(
                    new DefaultListableBeanFactory(), DefaultFormattingConversionService::new, () -> null),
            Clock.systemUTC(),
            TestModes.REGISTRY);

    private final ActiveConfiguration a = compile(Map.of(), null);

    private final ActiveConfiguration b = compile(
            Map.of(
                    "dualcore.identity.header-prefix", "X-Id-",
                    "dualcore.identity.assertion.issuer", "gateway-b",
                    "dualcore.identity.assertion.ttl", "30s",
                    "dualcore.credentials.strip-headers[0]", "X-Legacy-Secret"),
            this.a);

    private final LiveConfiguration live = new LiveConfiguration(this.a);

    private final IdentityHeaders startupHeaders = new IdentityHeaders("X-Startup-");

    private final DecisionEngine engine = new DecisionEngine(
            new PathCanonicalizer(RequestPathProperties.defaults()),
            this.chain.authenticator,
            this.startupHeaders::isReserved,
            new LiveRouteLocator(this.live),
            CompiledRoutes.live(
                    exchange -> ((exchange != null) ? this.live.of(exchange) : this.live.current()).compiledRoutes()),
            new LocalRateLimiter(100),
            new RateLimitHeaders(RateLimitHeaders.Style.DRAFT),
            this.startupHeaders,
            new IdentityAssertionSigner(
                    new IdentityProperties.Assertion("gateway-startup", Duration.ofSeconds(60), Duration.ofHours(24)),
                    Clock.systemUTC()),
            DecisionEngine.Observers.NONE,
            null,
            RouteTokenChecks.NONE,
            this.live);

    private final IdentityHandOver handOver = new IdentityHandOver(
            this.startupHeaders, CredentialCarriers.of(CredentialsProperties.defaults()), this.live, 0);

    private final String token = TestChain.realmAToken().sign();

    @AfterEach
    void close() throws Exception {
        this.chain.keysA.close();
        this.chain.keysB.close();
        this.chain.keysEc.close();
    }

    private ActiveConfiguration compile(Map<String, String> settings, ActiveConfiguration previous) {
        Map<String, Object> properties = new LinkedHashMap<>(Map.of(
                "spring.cloud.gateway.server.webflux.routes[0].id",
                ROUTE,
                "spring.cloud.gateway.server.webflux.routes[0].uri",
                "http://localhost:1",
                "spring.cloud.gateway.server.webflux.routes[0].predicates[0]",
                "Path=/orders/**",
                "dualcore.routes." + ROUTE + ".access.modes",
                "oidc",
                "dualcore.routes." + ROUTE + ".identity-assertion",
                "true"));
        properties.putAll(settings);
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return this.compiler.compile(environment, previous);
    }

    /** The proxy door: pinned at its first filter, authenticated, the route's steps, the upstream's headers. */
    private HttpHeaders proxied(ActiveConfiguration pinned, Runnable afterPinning, HttpHeaders client) {
        MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get("/orders/42");
        client.forEach((name, values) -> request.header(name, values.toArray(String[]::new)));
        MockServerWebExchange exchange = MockServerWebExchange.from(request);
        exchange.getAttributes().put(ActiveConfiguration.ATTRIBUTE, pinned);
        afterPinning.run();
        Capture authenticated = new Capture();
        this.engine.authenticate(exchange, null, authenticated).block();
        Capture authorized = new Capture();
        this.engine
                .authorize(authenticated.exchange, ROUTE, new HttpHeaders(), null, authorized)
                .block();
        assertThat(authorized.problem).isNull();
        HttpHeaders upstream = new HttpHeaders();
        upstream.addAll(authorized.exchange.getRequest().getHeaders());
        return this.handOver.filter(upstream, authorized.exchange);
    }

    private HttpHeaders client() {
        HttpHeaders client = new HttpHeaders();
        client.set(HttpHeaders.AUTHORIZATION, "Bearer " + this.token);
        client.set("X-Auth-Subject", "forged-in-a");
        client.set("x_id_subject", "forged-in-b");
        client.set("X-Legacy-Secret", "s3cret");
        return client;
    }

    private String subject() {
        return this.chain.accept(this.token).subject();
    }

    @Test
    void proxyWhenOnTheFirstConfigurationThenItsPrefixAndItsStripList() throws Exception {
        HttpHeaders upstream = proxied(this.a, () -> {}, client());

        assertThat(upstream.getFirst("X-Auth-Subject")).isEqualTo(subject());
        assertThat(SignedJWT.parse(upstream.getFirst("X-Auth-Assertion"))
                        .getJWTClaimsSet()
                        .getIssuer())
                .isEqualTo("dualcore-gateway");
        assertThat(upstream.getFirst("X-Legacy-Secret")).isEqualTo("s3cret");
        assertThat(upstream.headerNames()).noneMatch(name -> name.startsWith("X-Startup-"));
    }

    @Test
    void proxyWhenPrefixChangedThenIdentityUnderTheNewPrefixAndNoClientHeaderOfEitherPrefixReachesTheUpstream()
            throws Exception {
        HttpHeaders upstream = proxied(this.b, () -> {}, client());

        assertThat(upstream.getFirst("X-Id-Subject")).isEqualTo(subject());
        assertThat(upstream.get("X-Id-Subject")).hasSize(1);
        assertThat(upstream.headerNames())
                .noneMatch(name -> name.toLowerCase().startsWith("x-auth-"))
                .noneMatch(name -> name.equalsIgnoreCase("x_id_subject"));
        SignedJWT assertion = SignedJWT.parse(upstream.getFirst("X-Id-Assertion"));
        assertThat(assertion.getJWTClaimsSet().getIssuer()).isEqualTo("gateway-b");
        assertThat(Duration.between(
                        assertion.getJWTClaimsSet().getIssueTime().toInstant(),
                        assertion.getJWTClaimsSet().getExpirationTime().toInstant()))
                .isLessThanOrEqualTo(Duration.ofSeconds(30));
        assertThat(upstream.containsHeader("X-Legacy-Secret")).isFalse();
    }

    @Test
    void proxyWhenReloadSwapsMidRequestThenTheRequestKeepsThePinnedConfigurationEntirely() {
        HttpHeaders upstream = proxied(this.a, () -> this.live.apply(this.b, null, List.of()), client());

        assertThat(this.live.current()).isSameAs(this.b);
        assertThat(upstream.getFirst("X-Auth-Subject")).isEqualTo(subject());
        assertThat(upstream.containsHeader("X-Id-Subject")).isFalse();
        assertThat(upstream.getFirst("X-Legacy-Secret")).isEqualTo("s3cret");
    }

    @Test
    void prefixWhenChangedTwiceThenEveryRetiredPrefixStaysReserved() {
        ActiveConfiguration c = compile(Map.of("dualcore.identity.header-prefix", "X-User-"), this.b);
        ActiveConfiguration same = compile(Map.of("dualcore.identity.header-prefix", "X-User-"), c);

        IdentityHeaders headers = c.identitySettings().headers();
        assertThat(headers.subject).isEqualTo("X-User-Subject");
        assertThat(headers.reservedPrefixes()).containsExactly("x-user-", "x-id-", "x-auth-");
        assertThat(headers.isReserved("X_AUTH_Roles")).isTrue();
        assertThat(headers.isReserved("X-Other")).isFalse();
        // an unchanged prefix keeps its header names (and what cached identities memoized with them)
        assertThat(same.identitySettings().headers()).isSameAs(headers);
        assertThat(this.a.identitySettings().headers().reservedPrefixes()).containsExactly("x-auth-");
    }

    @Test
    void decideWhenPrefixChangedThenTheDecisionDoorAnswersWithTheNewNames() {
        this.live.apply(this.b, null, List.of());
        ServerWebExchange carrier = MockServerWebExchange.from(MockServerHttpRequest.get("/forward-auth"));

        Decision decision = this.engine
                .decide(
                        carrier,
                        new DecisionRequest(
                                "traefik", HttpMethod.GET, "/orders/42", "https", "app.example.com", client(), null))
                .block();

        assertThat(decision.allowed()).isTrue();
        assertThat(decision.configuration()).isEqualTo(this.b.version());
        assertThat(decision.upstreamHeaders().getFirst("X-Id-Subject")).isEqualTo(subject());
        assertThat(decision.upstreamHeaders().containsHeader("X-Auth-Subject")).isFalse();
        IdentityHeaders names = this.engine.identityHeaders(carrier);
        assertThat(names.assertion).isEqualTo("X-Id-Assertion");
        // what ext_authz names in headers_to_remove: the client's headers of either prefix
        assertThat(client().headerNames().stream().filter(this.engine.reservedHeader(carrier)))
                .containsExactlyInAnyOrder("X-Auth-Subject", "x_id_subject");
    }

    @Test
    void compileWhenIdentitySettingsBadThenRefusedNamingTheProperty() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> compile(Map.of("dualcore.identity.assertion.ttl", "0s"), this.a))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("dualcore.identity.assertion.ttl");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> compile(Map.of("dualcore.credentials.strip-headers[0]", "Authorization"), this.a))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("dualcore.credentials.strip-headers");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> compile(Map.of("dualcore.credentials.max-form-size", "0"), this.a))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("dualcore.credentials.max-form-size");
    }

    @Test
    void explainWhenRealmAddedLiveThenVerifiedWithItAndWhenRemovedThenUntrusted() {
        // explain's authenticator holds the startup verifiers (realm A only); the pinned configuration's win
        TokenAuthenticator startupOnly =
                new TokenAuthenticator(List.of(this.chain.realmA), null, TestChain.MAX_TOKEN_LENGTH, List.of());
        DecisionExplainer explainer = new DecisionExplainer(
                new PathCanonicalizer(RequestPathProperties.defaults()),
                startupOnly,
                new LiveRouteLocator(this.live),
                CompiledRoutes.live(exchange ->
                        ((exchange != null) ? this.live.of(exchange) : this.live.current()).compiledRoutes()),
                new RateLimitHeaders(RateLimitHeaders.Style.DRAFT),
                this.startupHeaders,
                new IdentityAssertionSigner(
                        new IdentityProperties.Assertion("startup", Duration.ofSeconds(60), Duration.ofHours(24)),
                        Clock.systemUTC()),
                null,
                RouteTokenChecks.NONE,
                this.live);
        HttpHeaders realmB = new HttpHeaders();
        realmB.set(
                HttpHeaders.AUTHORIZATION, "Bearer " + TestChain.realmBToken().sign());
        DecisionRequest request =
                new DecisionRequest("explain", HttpMethod.GET, "/orders/42", "https", "app.example.com", realmB, null);

        this.live.apply(withVerifiers(this.b, this.chain.realmA, this.chain.realmB), null, List.of());
        DecisionExplainer.Explanation added = explainer
                .explain(MockServerWebExchange.from(MockServerHttpRequest.post("/admin/explain")), request)
                .block();
        this.live.apply(withVerifiers(this.b, this.chain.realmA), null, List.of());
        DecisionExplainer.Explanation removed = explainer
                .explain(MockServerWebExchange.from(MockServerHttpRequest.post("/admin/explain")), request)
                .block();

        assertThat(added.decision().allowed()).isTrue();
        assertThat(added.decision().identity().realm()).isEqualTo(this.chain.realmB.name());
        assertThat(added.decision().upstreamHeaders().containsHeader("X-Id-Subject"))
                .isTrue();
        assertThat(added.toMap().toString())
                .doesNotContain(added.decision().upstreamHeaders().getFirst("X-Id-Assertion"));
        assertThat(removed.decision().allowed()).isFalse();
        assertThat(removed.decision().problem().code()).isEqualTo(ErrorCode.UNTRUSTED_ISSUER);
    }

    private static ActiveConfiguration withVerifiers(ActiveConfiguration base, TokenVerifier... verifiers) {
        return new ActiveConfiguration(
                base.version() + "-" + verifiers.length,
                base.loadedAt(),
                base.routes(),
                base.compiledRoutes(),
                base.plans(),
                new VerifierChain(List.of(verifiers)),
                base.sources(),
                base.identitySettings(),
                base.logoutClients(),
                null);
    }

    /** Keeps the exchange a step hands on, or the problem it refused with. */
    private static final class Capture implements Outcome<Object, Void> {

        ServerWebExchange exchange;

        Decision.Problem problem;

        @Override
        public Mono<Void> allowed(ServerWebExchange exchange, Object context) {
            this.exchange = exchange;
            return Mono.empty();
        }

        @Override
        public Mono<Void> refused(ServerWebExchange exchange, Object context, Decision.Problem problem) {
            this.exchange = exchange;
            this.problem = problem;
            return Mono.empty();
        }
    }
}
