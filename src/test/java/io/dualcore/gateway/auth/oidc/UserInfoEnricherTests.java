package io.dualcore.gateway.auth.oidc;

import static io.dualcore.gateway.auth.TestChain.AUDIENCE;
import static io.dualcore.gateway.auth.TestChain.CLOCK_SKEW;
import static io.dualcore.gateway.auth.TestChain.DEFAULT_JWKS;
import static io.dualcore.gateway.auth.TestChain.ISSUER_A;
import static io.dualcore.gateway.auth.TestChain.KEY_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.AuthProperties.UserInfo.FailurePolicy;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.ParsedToken;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestIssuers;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.VerifiedTokenCache;
import io.dualcore.gateway.testsupport.MutableClock;
import io.dualcore.gateway.web.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/**
 * UserInfo enrichment against a local UserInfo stub on loopback: claims copied, {@code sub} checked, both failure
 * policies, single flight per token, no call on a cache hit, and no inline verification while enrichment is on.
 */
class UserInfoEnricherTests {

    private static final String SUBJECT = "user-4711";

    private static final Duration OPEN_FOR = Duration.ofSeconds(10);

    private static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

    private HttpServer server;

    private ExecutorService executor;

    private final AtomicInteger userInfoCalls = new AtomicInteger();

    private final AtomicReference<String> lastAuthorization = new AtomicReference<>();

    /** What the stub answers: status and body. */
    private volatile int status = 200;

    private volatile String body = "{\"sub\":\"" + SUBJECT + "\",\"email\":\"alice@example.com\","
            + "\"preferred_username\":\"alice\",\"groups\":[\"admins\",\"ops\"],\"phone_number\":\"+1 555\"}";

    /** When set, the stub holds each UserInfo answer until it is released. */
    private volatile CountDownLatch hold;

    private final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void startStub() throws IOException {
        this.executor = Executors.newCachedThreadPool();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.server.setExecutor(this.executor);
        this.server.createContext("/userinfo", this::userInfo);
        this.server.createContext(
                "/.well-known/openid-configuration",
                exchange -> respond(
                        exchange,
                        200,
                        "{\"issuer\":\"" + ISSUER_A + "\",\"userinfo_endpoint\":\"" + stubUri("/userinfo") + "\"}"));
        this.server.start();
    }

    private Runnable detach = () -> {};

    @AfterEach
    void stopStub() {
        this.detach.run();
        CountDownLatch held = this.hold;
        if (held != null) {
            held.countDown();
        }
        this.server.stop(0);
        this.executor.shutdownNow();
    }

    private void userInfo(HttpExchange exchange) throws IOException {
        this.userInfoCalls.incrementAndGet();
        this.lastAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
        CountDownLatch held = this.hold;
        if (held != null) {
            try {
                held.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        respond(exchange, this.status, this.body);
    }

    private static void respond(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private String stubUri(String path) {
        return "http://127.0.0.1:" + this.server.getAddress().getPort() + path;
    }

    @Test
    void authenticateWhenUserInfoAnswersThenConfiguredClaimsAddedToIdentity() {
        Chain chain = chain(FailurePolicy.DENY, Duration.ofSeconds(2), true);
        String token = token();

        GatewayIdentity identity = chain.authenticator.authenticate(token).block();

        assertThat(identity.userInfo())
                .containsOnly(
                        Map.entry("email", "alice@example.com"),
                        Map.entry("preferred_username", "alice"),
                        Map.entry("groups", List.of("admins", "ops")));
        assertThat(identity.claims())
                .containsEntry("email", "alice@example.com")
                .containsEntry("groups", List.of("admins", "ops"))
                .doesNotContainKey("phone_number")
                .containsEntry("sub", SUBJECT);
        assertThat(this.userInfoCalls).hasValue(1);
        assertThat(this.lastAuthorization.get()).isEqualTo("Bearer " + token);
        assertThat(chain.enricher.calls()).isEqualTo(1);
        assertThat(chain.enricher.failures()).isZero();
    }

    @Test
    void authenticateWhenEndpointNotConfiguredThenDiscoveredFromMetadata() {
        Chain chain = chain(FailurePolicy.DENY, Duration.ofSeconds(2), false);

        GatewayIdentity identity = chain.authenticator.authenticate(token()).block();

        assertThat(identity.userInfo()).containsEntry("preferred_username", "alice");
        assertThat(this.userInfoCalls).hasValue(1);
    }

    @Test
    void authenticateWhenCachedThenNoUserInfoCall() {
        Chain chain = chain(FailurePolicy.DENY, Duration.ofSeconds(2), true);
        String token = token();
        GatewayIdentity first = chain.authenticator.authenticate(token).block();

        GatewayIdentity again = chain.authenticator.authenticateNow(token);
        GatewayIdentity reactive = chain.authenticator.authenticate(token).block();

        assertThat(again).isSameAs(first);
        assertThat(reactive).isSameAs(first);
        assertThat(again.userInfo()).containsKey("email");
        assertThat(this.userInfoCalls).hasValue(1);
    }

    @Test
    void verifyInlineWhenEnrichmentEnabledThenDefersToReactiveVerification() {
        Chain enriched = chain(FailurePolicy.DENY, Duration.ofSeconds(2), true);
        Chain plain = chain(null, Duration.ofSeconds(2), true);
        String token = token();
        // keys loaded, so an issuer without enrichment verifies inline
        plain.authenticator.authenticate(token()).block();
        enriched.authenticator.authenticate(token()).block();
        this.userInfoCalls.set(0);

        assertThat(plain.verifier.verifyInline(ParsedToken.parse(token, 8192))).isNotNull();
        assertThat(enriched.verifier.verifyInline(ParsedToken.parse(token, 8192)))
                .isNull();
        assertThat(enriched.authenticator.authenticateNow(token)).isNull();
        assertThat(this.userInfoCalls).hasValue(0);
    }

    @Test
    void authenticateWhenUserInfoSubjectDiffersThenRefusedAndNotCached() {
        this.body = "{\"sub\":\"someone-else\",\"email\":\"mallory@example.com\"}";
        Chain chain = chain(FailurePolicy.CONTINUE, Duration.ofSeconds(2), true);
        String token = token();

        TestChain.assertRejected(chain.authenticator, token, ErrorCode.USERINFO_SUBJECT_MISMATCH);
        TestChain.assertRejected(chain.authenticator, token, ErrorCode.USERINFO_SUBJECT_MISMATCH);

        assertThat(this.userInfoCalls).hasValue(2);
        assertThat(chain.cache.get(token)).isNull();
    }

    @Test
    void authenticateWhenUserInfoTimesOutAndPolicyDenyThenUnavailableAndNotCached() {
        this.hold = new CountDownLatch(1);
        Chain chain = chain(FailurePolicy.DENY, Duration.ofMillis(300), true);
        String token = token();

        TestChain.assertRejected(chain.authenticator, token, ErrorCode.USERINFO_UNAVAILABLE);

        assertThat(ErrorCode.USERINFO_UNAVAILABLE.status().value()).isEqualTo(503);
        assertThat(chain.cache.get(token)).isNull();
        assertThat(chain.enricher.failures()).isEqualTo(1);
    }

    @Test
    void authenticateWhenUserInfoFailsAndPolicyDenyThenUnavailable() {
        this.status = 500;
        Chain chain = chain(FailurePolicy.DENY, Duration.ofSeconds(2), true);

        TestChain.assertRejected(chain.authenticator, token(), ErrorCode.USERINFO_UNAVAILABLE);
    }

    @Test
    void authenticateWhenUserInfoTimesOutAndPolicyContinueThenIdentityWithoutClaimsCachedBriefly() {
        this.hold = new CountDownLatch(1);
        Chain chain = chain(FailurePolicy.CONTINUE, Duration.ofMillis(300), true);
        String token = token();

        GatewayIdentity degraded = chain.authenticator.authenticate(token).block();

        assertThat(degraded.subject()).isEqualTo(SUBJECT);
        assertThat(degraded.userInfo()).isNull();
        assertThat(degraded.claims()).doesNotContainKey("email");
        // cached for degraded-cache-ttl (10s here), not until the token expires
        assertThat(chain.authenticator.authenticateNow(token)).isSameAs(degraded);
        this.hold.countDown();
        this.hold = null;
        this.clock.advance(Duration.ofSeconds(11));
        GatewayIdentity recovered = chain.authenticator.authenticate(token).block();
        assertThat(recovered.userInfo()).containsEntry("email", "alice@example.com");
        assertThat(chain.authenticator.authenticateNow(token)).isSameAs(recovered);
    }

    @Test
    void authenticateWhenConcurrentMissesOfOneTokenThenOneUserInfoCall() throws Exception {
        this.hold = new CountDownLatch(1);
        Chain chain = chain(FailurePolicy.DENY, Duration.ofSeconds(10), true);
        String token = token();
        List<java.util.concurrent.CompletableFuture<GatewayIdentity>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            // each a cache miss: nothing is cached until the call completes
            results.add(chain.authenticator.authenticate(token).toFuture());
        }
        awaitCalls(1);

        this.hold.countDown();

        for (var result : results) {
            assertThat(result.get(10, TimeUnit.SECONDS).userInfo()).containsEntry("email", "alice@example.com");
        }
        assertThat(this.userInfoCalls).hasValue(1);
        assertThat(chain.enricher.calls()).isEqualTo(1);
    }

    @Test
    void authenticateWhenDifferentTokensThenOneCallEach() {
        Chain chain = chain(FailurePolicy.DENY, Duration.ofSeconds(2), true);

        chain.authenticator.authenticate(token()).block();
        chain.authenticator.authenticate(token()).block();

        assertThat(this.userInfoCalls).hasValue(2);
    }

    @Test
    void authenticateWhenUserInfoKeepsFailingThenBreakerOpensAndDenyFailsFastWithoutCall() {
        this.status = 503;
        Chain chain = chainWithBreaker(FailurePolicy.DENY, 3);
        for (int i = 0; i < 3; i++) {
            TestChain.assertRejected(chain.authenticator, token(), ErrorCode.USERINFO_UNAVAILABLE);
        }
        assertThat(chain.enricher.breakerState()).isEqualTo("open");

        for (int i = 0; i < 5; i++) {
            TestChain.assertRejected(chain.authenticator, token(), ErrorCode.USERINFO_UNAVAILABLE);
        }

        assertThat(this.userInfoCalls).as("no call while the breaker is open").hasValue(3);
        assertThat(chain.enricher.skipped()).isEqualTo(5);
        assertThat(chain.enricher.calls()).isEqualTo(3);
    }

    @Test
    void authenticateWhenBreakerOpenAndPolicyContinueThenIdentityWithoutClaimsAndNoCall() {
        this.status = 500;
        Chain chain = chainWithBreaker(FailurePolicy.CONTINUE, 3);
        for (int i = 0; i < 3; i++) {
            assertThat(chain.authenticator.authenticate(token()).block().userInfo())
                    .isNull();
        }

        GatewayIdentity identity = chain.authenticator.authenticate(token()).block();

        assertThat(identity.subject()).isEqualTo(SUBJECT);
        assertThat(identity.userInfo()).isNull();
        assertThat(this.userInfoCalls).hasValue(3);
        assertThat(chain.enricher.skipped()).isEqualTo(1);
    }

    @Test
    void authenticateWhenOpenForElapsedAndUserInfoBackThenOneProbeClosesBreaker() {
        this.status = 503;
        Chain chain = chainWithBreaker(FailurePolicy.DENY, 3);
        for (int i = 0; i < 3; i++) {
            TestChain.assertRejected(chain.authenticator, token(), ErrorCode.USERINFO_UNAVAILABLE);
        }
        TestChain.assertRejected(chain.authenticator, token(), ErrorCode.USERINFO_UNAVAILABLE);
        assertThat(this.userInfoCalls).hasValue(3);

        this.status = 200;
        this.clock.advance(OPEN_FOR.plusSeconds(1));
        GatewayIdentity probed = chain.authenticator.authenticate(token()).block();

        assertThat(probed.userInfo()).containsEntry("email", "alice@example.com");
        assertThat(chain.enricher.breakerState()).isEqualTo("closed");
        assertThat(chain.authenticator.authenticate(token()).block().userInfo())
                .containsEntry("email", "alice@example.com");
        assertThat(this.userInfoCalls).hasValue(5);
    }

    @Test
    void authenticateWhenProbeFailsThenBreakerOpensAgain() {
        this.status = 503;
        Chain chain = chainWithBreaker(FailurePolicy.DENY, 3);
        for (int i = 0; i < 3; i++) {
            TestChain.assertRejected(chain.authenticator, token(), ErrorCode.USERINFO_UNAVAILABLE);
        }

        this.clock.advance(OPEN_FOR.plusSeconds(1));
        TestChain.assertRejected(chain.authenticator, token(), ErrorCode.USERINFO_UNAVAILABLE);
        TestChain.assertRejected(chain.authenticator, token(), ErrorCode.USERINFO_UNAVAILABLE);

        assertThat(this.userInfoCalls).as("one probe, then skipped again").hasValue(4);
        assertThat(chain.enricher.breakerState()).isEqualTo("open");
    }

    @Test
    void authenticateWhenUserInfoRefusesTokensWith401ThenBreakerStaysClosed() {
        this.status = 401;
        Chain chain = chainWithBreaker(FailurePolicy.DENY, 3);

        for (int i = 0; i < 6; i++) {
            TestChain.assertRejected(chain.authenticator, token(), ErrorCode.USERINFO_UNAVAILABLE);
        }

        assertThat(this.userInfoCalls)
                .as("a few refused tokens must not cut everyone off")
                .hasValue(6);
        assertThat(chain.enricher.breakerState()).isEqualTo("closed");
        assertThat(chain.enricher.skipped()).isZero();
    }

    @Test
    void authenticateWhenUserInfoFailsRepeatedlyThenOneWarningPerIntervalWithCount() {
        this.status = 503;
        // a breaker that never opens here: every request makes a failing call
        Chain chain = chainWithBreaker(FailurePolicy.DENY, 100);
        List<String> warnings = captureWarnings();
        String first = token();
        TestChain.assertRejected(chain.authenticator, first, ErrorCode.USERINFO_UNAVAILABLE);
        for (int i = 0; i < 4; i++) {
            TestChain.assertRejected(chain.authenticator, token(), ErrorCode.USERINFO_UNAVAILABLE);
        }
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("realm-a").contains("HTTP 503").doesNotContain(first);

        this.clock.advance(LOG_INTERVAL);
        TestChain.assertRejected(chain.authenticator, token(), ErrorCode.USERINFO_UNAVAILABLE);

        assertThat(this.userInfoCalls).hasValue(6);
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(1)).contains("4 more failure(s)");
    }

    /** The WARN lines of the enricher's logger from now on (detached after the test). */
    private List<String> captureWarnings() {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(UserInfoEnricher.class);
        List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.AppenderBase<>() {
                    @Override
                    protected void append(ch.qos.logback.classic.spi.ILoggingEvent event) {
                        if (event.getLevel() == ch.qos.logback.classic.Level.WARN
                                && event.getFormattedMessage().contains("unavailable")) {
                            warnings.add(event.getFormattedMessage());
                        }
                    }
                };
        appender.start();
        logger.addAppender(appender);
        this.detach = () -> logger.detachAppender(appender);
        return warnings;
    }

    private void awaitCalls(int expected) {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(this.userInfoCalls).hasValue(expected));
    }

    private String token() {
        return TestChain.realmAToken()
                .claim("sub", SUBJECT)
                .claim("jti", java.util.UUID.randomUUID().toString())
                .sign();
    }

    /** @param policy the failure policy, or {@code null} for an issuer without enrichment */
    private Chain chain(FailurePolicy policy, Duration timeout, boolean configuredUri) {
        return chain(policy, timeout, configuredUri, AuthProperties.UserInfo.CircuitBreaker.DEFAULTS);
    }

    /** A chain whose breaker opens after {@code minimumCalls} failed calls in a row, for {@code OPEN_FOR}. */
    private Chain chainWithBreaker(FailurePolicy policy, int minimumCalls) {
        return chain(
                policy,
                Duration.ofSeconds(2),
                true,
                new AuthProperties.UserInfo.CircuitBreaker(50, minimumCalls, OPEN_FOR));
    }

    private Chain chain(
            FailurePolicy policy,
            Duration timeout,
            boolean configuredUri,
            AuthProperties.UserInfo.CircuitBreaker breaker) {
        AuthProperties.UserInfo userInfo = (policy == null)
                ? AuthProperties.UserInfo.DISABLED
                : new AuthProperties.UserInfo(
                        true,
                        configuredUri ? stubUri("/userinfo") : null,
                        List.of("email", "preferred_username", "groups"),
                        policy,
                        timeout,
                        Duration.ofSeconds(10),
                        51200,
                        breaker,
                        LOG_INTERVAL);
        AuthProperties.Issuer issuer = TestIssuers.issuer("realm-a", ISSUER_A)
                .metadataUri(stubUri("/.well-known/openid-configuration"))
                .audiences(List.of(AUDIENCE))
                .jwks(DEFAULT_JWKS)
                .userinfo(userInfo)
                .build();
        UserInfoEnricher enricher = userInfo.enabled() ? UserInfoEnricher.of(issuer, this.clock) : null;
        OidcTokenVerifier verifier = new OidcTokenVerifier(
                issuer,
                JwksKeySource.of(new TestChain.MutableJwkSetSource(KEY_A), DEFAULT_JWKS, this.clock),
                Schedulers.immediate(),
                this.clock,
                CLOCK_SKEW,
                JwtExtensions.none(),
                enricher);
        VerifiedTokenCache cache = new VerifiedTokenCache(1_000, this.clock);
        return new Chain(new TokenAuthenticator(List.of(verifier), cache, 8192), verifier, enricher, cache);
    }

    private record Chain(
            TokenAuthenticator authenticator,
            OidcTokenVerifier verifier,
            UserInfoEnricher enricher,
            VerifiedTokenCache cache) {}
}
