package io.dualcore.gateway.auth.introspection;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.web.ErrorCode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.netty.channel.ChannelOption;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.OAuth2IntrospectionAuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.ReactiveOpaqueTokenIntrospector;
import org.springframework.security.oauth2.server.resource.introspection.SpringReactiveOpaqueTokenIntrospector;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Asks one issuer whether a token is active (RFC 7662), with Spring Security's
 * {@link SpringReactiveOpaqueTokenIntrospector} over a Reactor Netty client: no thread waits for the answer, the
 * whole call (and the discovery of the endpoint, when it has to run first) is bounded by {@code timeout}. An active
 * answer is remembered for {@code cache-ttl}, never beyond the token's {@code exp}, under the SHA-256 hash of the
 * token (the token itself is never kept, nor logged); concurrent requests with one token share one call. An inactive
 * answer is {@code token_inactive} and is not remembered. A circuit breaker stops calling an endpoint that keeps
 * failing (no answer in time, a connection error, an error status, an unreadable answer): requests then get
 * {@link Unavailable} at once, for the caller's failure policy to judge.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7662#section-2">RFC 7662 §2</a>
 */
public final class TokenIntrospector {

    private static final Log logger = LogFactory.getLog(TokenIntrospector.class);

    private final String issuerName;

    private final String issuerUri;

    private final URI metadataUri;

    private final AuthProperties.Introspection settings;

    private final WebClient discovery;

    private final WebClient introspection;

    private final Clock clock;

    private final CircuitBreaker breaker;

    private final AsyncCache<ByteBuffer, Answer> answers;

    /**
     * An active answer and until when it may be trusted, fixed when it arrived: the cache's expiry is computed from it
     * whenever Caffeine gets to it, so a late bookkeeping step never extends it.
     */
    private record Answer(Map<String, Object> claims, Instant trustedUntil) {}

    /** Built once the endpoint is known (configured, or discovered on first use and retried until it works). */
    private volatile ReactiveOpaqueTokenIntrospector delegate;

    private final LongAdder calls = new LongAdder();

    private final LongAdder failures = new LongAdder();

    private final AtomicLong nextFailureLogAt = new AtomicLong();

    /**
     * @param issuer the issuer's settings; its {@code introspection} must name a client
     * @param clock the clock of the cache's expiry and of the circuit breaker's open period
     */
    public TokenIntrospector(AuthProperties.Issuer issuer, Clock clock) {
        this(issuer, clock, connector(issuer.introspection()));
    }

    TokenIntrospector(AuthProperties.Issuer issuer, Clock clock, ReactorClientHttpConnector connector) {
        Assert.notNull(issuer, "issuer cannot be null");
        Assert.notNull(clock, "clock cannot be null");
        AuthProperties.Introspection settings = issuer.introspection();
        Assert.isTrue(
                settings.configured(),
                () -> "dualcore.auth.oidc.issuers[" + issuer.name() + "].introspection.client-id must be set");
        Assert.isTrue(
                StringUtils.hasText(settings.clientSecret()),
                () -> "dualcore.auth.oidc.issuers[" + issuer.name()
                        + "].introspection.client-secret must be set (from an env var or a file)");
        this.issuerName = issuer.name();
        this.issuerUri = issuer.issuerUri();
        this.metadataUri = StringUtils.hasText(issuer.metadataUri())
                ? URI.create(issuer.metadataUri())
                : URI.create(trimTrailingSlash(issuer.issuerUri()) + "/.well-known/openid-configuration");
        this.settings = settings;
        this.clock = clock;
        WebClient.Builder base = WebClient.builder()
                .clientConnector(connector)
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(settings.sizeLimit()));
        this.discovery = base.build();
        // RFC 6749 §2.3.1: the client id and secret are form-encoded before they become the Basic credentials
        this.introspection = base.clone()
                .defaultHeaders(headers -> headers.setBasicAuth(
                        URLEncoder.encode(settings.clientId(), StandardCharsets.UTF_8),
                        URLEncoder.encode(settings.clientSecret(), StandardCharsets.UTF_8)))
                .build();
        if (StringUtils.hasText(settings.uri())) {
            this.delegate = introspector(settings.uri());
        }
        this.breaker = breaker(issuer.name(), settings.circuitBreaker(), clock);
        Ticker ticker = () -> TimeUnitNanos.of(clock);
        this.answers = Caffeine.newBuilder()
                .maximumSize(settings.cacheSize())
                .ticker(ticker)
                .expireAfter(Expiry.writing((ByteBuffer key, Answer answer) -> remaining(answer)))
                .buildAsync();
    }

    private static ReactorClientHttpConnector connector(AuthProperties.Introspection settings) {
        HttpClient http = HttpClient.create()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()))
                .responseTimeout(settings.timeout())
                .followRedirect(false);
        return new ReactorClientHttpConnector(http);
    }

    private static CircuitBreaker breaker(String issuer, AuthProperties.UserInfo.CircuitBreaker settings, Clock clock) {
        return CircuitBreaker.of(
                "introspection-" + issuer,
                CircuitBreakerConfig.custom()
                        .failureRateThreshold(settings.failureRateThreshold())
                        .minimumNumberOfCalls(settings.minimumCalls())
                        .slidingWindowSize(Math.max(settings.minimumCalls(), 10))
                        .waitDurationInOpenState(settings.openFor())
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .automaticTransitionFromOpenToHalfOpenEnabled(false)
                        // an inactive token is an answer, not an outage
                        .ignoreExceptions(TokenRejectedException.class)
                        .clock(clock)
                        .build());
    }

    /**
     * The answer remembered for this token, or {@code null} when it must be asked. Synchronous and without I/O.
     *
     * @return the active answer's claims
     */
    public Map<String, Object> cached(String token) {
        CompletableFuture<Answer> answer = this.answers.getIfPresent(hash(token));
        if (answer == null || !answer.isDone() || answer.isCompletedExceptionally()) {
            return null;
        }
        Answer known = answer.join();
        return this.clock.instant().isBefore(known.trustedUntil()) ? known.claims() : null;
    }

    /**
     * Asks whether the token is active, or answers from the positive cache.
     *
     * @return the active answer's claims (JSON values: numbers, strings, lists, maps), or an error: a
     *     {@link TokenRejectedException} {@code token_inactive}, or {@link Unavailable} when there is no answer
     */
    public Mono<Map<String, Object>> introspect(String token) {
        return Mono.defer(() -> {
            ByteBuffer key = hash(token);
            CompletableFuture<Answer> known = this.answers.getIfPresent(key);
            if (known != null
                    && known.isDone()
                    && !known.isCompletedExceptionally()
                    && !this.clock.instant().isBefore(known.join().trustedUntil())) {
                // the answer's own deadline decides, whenever Caffeine's expiry bookkeeping catches up
                this.answers.asMap().remove(key, known);
            }
            CompletableFuture<Answer> answer = this.answers.get(key, (hash, executor) -> call(token));
            // the call runs to its end even when the request that started it goes away: others may wait for it; a
            // failed answer leaves the cache before anyone sees the failure (Caffeine's own removal may come later)
            return Mono.fromFuture(answer, true)
                    .doOnError(ex -> this.answers.asMap().remove(key, answer))
                    .map(Answer::claims);
        });
    }

    private CompletableFuture<Answer> call(String token) {
        this.calls.increment();
        return endpoint()
                .flatMap(introspector -> introspector.introspect(token))
                .map(principal -> {
                    Map<String, Object> claims = answer(principal);
                    return new Answer(claims, this.clock.instant().plus(lifetime(claims)));
                })
                .timeout(this.settings.timeout())
                .onErrorMap(ex -> !(ex instanceof TokenRejectedException), this::outage)
                .transformDeferred(CircuitBreakerOperator.of(this.breaker))
                .onErrorMap(ex -> !(ex instanceof TokenRejectedException || ex instanceof Unavailable), this::outage)
                .toFuture();
    }

    private Mono<ReactiveOpaqueTokenIntrospector> endpoint() {
        ReactiveOpaqueTokenIntrospector known = this.delegate;
        if (known != null) {
            return Mono.just(known);
        }
        return this.discovery
                .get()
                .uri(this.metadataUri)
                .retrieve()
                .bodyToMono(new ParameterizedTypeReference<Map<String, Object>>() {})
                .map(metadata -> {
                    if (!(metadata.get("introspection_endpoint") instanceof String uri) || uri.isEmpty()) {
                        throw new IllegalStateException(
                                "the discovery document names no introspection_endpoint; set introspection.uri");
                    }
                    ReactiveOpaqueTokenIntrospector discovered = introspector(uri);
                    this.delegate = discovered;
                    return discovered;
                });
    }

    private ReactiveOpaqueTokenIntrospector introspector(String uri) {
        SpringReactiveOpaqueTokenIntrospector introspector =
                new SpringReactiveOpaqueTokenIntrospector(uri, this.introspection);
        introspector.setAuthenticationConverter(
                accessor -> Mono.just(new OAuth2IntrospectionAuthenticatedPrincipal(accessor.getClaims(), List.of())));
        return introspector;
    }

    /** The answer's claims as JSON values again (Spring turns {@code exp} into an instant, {@code scope} into a list). */
    private Map<String, Object> answer(OAuth2AuthenticatedPrincipal principal) {
        Map<String, Object> claims = new LinkedHashMap<>();
        principal.getAttributes().forEach((name, value) -> {
            if (!"active".equals(name)) {
                claims.put(name, json(name, value));
            }
        });
        Object issuer = claims.get("iss");
        if (issuer != null && !this.issuerUri.equals(issuer)) {
            throw new TokenRejectedException(
                    ErrorCode.TOKEN_INACTIVE, "The introspection answer is about a token of another issuer");
        }
        return Map.copyOf(claims);
    }

    private static Object json(String name, Object value) {
        if (value instanceof Instant instant) {
            return instant.getEpochSecond();
        }
        if (value instanceof URL url) {
            return url.toString();
        }
        if ("scope".equals(name) && value instanceof Collection<?> scopes) {
            return String.join(" ", scopes.stream().map(String::valueOf).toList());
        }
        return value;
    }

    private Throwable outage(Throwable ex) {
        if (ex instanceof BadOpaqueTokenException) {
            return new TokenRejectedException(ErrorCode.TOKEN_INACTIVE, "The token is not active");
        }
        this.failures.increment();
        long now = this.clock.millis();
        long due = this.nextFailureLogAt.get();
        if (now >= due && this.nextFailureLogAt.compareAndSet(due, now + 60_000)) {
            // the cause's class and message only: never the token, never the client secret
            logger.warn("Token introspection at issuer " + this.issuerName + " unavailable ("
                    + ex.getClass().getSimpleName() + "); breaker " + breakerState());
        }
        return new Unavailable();
    }

    /** How much longer an answer may be trusted, for the cache's expiry. */
    private Duration remaining(Answer answer) {
        Duration left = Duration.between(this.clock.instant(), answer.trustedUntil());
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** How long an active answer is remembered: {@code cache-ttl}, never beyond {@code exp}. */
    private Duration lifetime(Map<String, Object> answer) {
        Duration ttl = this.settings.cacheTtl();
        if (answer.get("exp") instanceof Number exp) {
            Duration left =
                    Duration.ofSeconds(exp.longValue() - this.clock.instant().getEpochSecond());
            if (left.compareTo(ttl) < 0) {
                ttl = left;
            }
        }
        return ttl.isNegative() ? Duration.ZERO : ttl;
    }

    private static ByteBuffer hash(String token) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return ByteBuffer.wrap(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is not available", ex);
        }
    }

    private static String trimTrailingSlash(String uri) {
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    /** The issuer's configured name. */
    public String issuerName() {
        return this.issuerName;
    }

    /** The issuer's {@code iss}. */
    public String issuerUri() {
        return this.issuerUri;
    }

    public AuthProperties.Introspection settings() {
        return this.settings;
    }

    /** Introspection calls made (one per token and cache period, however many requests waited for it). */
    public long calls() {
        return this.calls.sum();
    }

    /** Calls without an answer (timeout, connection error, error status, unreadable answer, breaker open). */
    public long failures() {
        return this.failures.sum();
    }

    /** {@code closed} (calls made), {@code open} (calls skipped) or {@code half_open}. */
    public String breakerState() {
        return this.breaker.getState().name().toLowerCase(Locale.ROOT);
    }

    /** No answer from the introspection endpoint: the failure policy decides. Shared, without a stack trace. */
    public static final class Unavailable extends RuntimeException {

        Unavailable() {
            super("Token introspection is unavailable", null, false, false);
        }
    }

    /** The clock as Caffeine's ticker, so a test's clock moves the cache's expiry too. */
    private static final class TimeUnitNanos {

        static long of(Clock clock) {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }
    }
}
