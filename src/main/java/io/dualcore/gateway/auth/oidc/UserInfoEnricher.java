package io.dualcore.gateway.auth.oidc;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.web.ErrorCode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Completes an OIDC identity with claims from its issuer's UserInfo endpoint (OpenID Connect Core §5.3), on a
 * verified-token cache miss only. The call is a GET with the access token as bearer credential, made with the JDK's
 * asynchronous {@link HttpClient}: no thread waits for the answer (neither an event loop nor a worker), the whole
 * exchange is bounded by {@code userinfo.timeout}, and concurrent misses of one token share one call. The answer's
 * {@code sub} must equal the token's, or the token is refused ({@code userinfo_subject_mismatch}) whatever the
 * failure policy; any other failure applies the issuer's failure policy. A circuit breaker per issuer stops calling
 * an endpoint that keeps failing (no answer in time, a connection error, a 5xx or 429, an unreadable answer): while
 * it is open, requests get the failure policy at once without a call, and one call probes the endpoint again after
 * {@code circuit-breaker.open-for}. Failures are logged at most once per {@code failure-log-interval}, with the
 * number of failures and skipped calls since the last report. Neither the token nor the answer is ever logged.
 *
 * @see <a href="https://openid.net/specs/openid-connect-core-1_0.html#UserInfo">OpenID Connect Core §5.3</a>
 */
public final class UserInfoEnricher {

    private static final Log logger = LogFactory.getLog(UserInfoEnricher.class);

    private final String issuerName;

    private final String issuerUri;

    private final URI metadataUri;

    private final AuthProperties.UserInfo settings;

    private final List<String> claims;

    private final HttpClient http;

    /** The UserInfo endpoint: configured, or discovered once (discovery is retried on later misses until it works). */
    private volatile URI endpoint;

    /** One call per token at a time: later misses of the same token join the running call. */
    private final Map<String, CompletableFuture<Map<String, Object>>> inFlight = new ConcurrentHashMap<>();

    private final LongAdder calls = new LongAdder();

    private final LongAdder failures = new LongAdder();

    private final LongAdder successes = new LongAdder();

    private final LongAdder skipped = new LongAdder();

    private final Clock clock;

    private final CircuitBreaker breaker;

    /** When the next failure may be logged (epoch millis), and what happened since the last report. */
    private final AtomicLong nextReportAt = new AtomicLong();

    private final AtomicLong unreportedFailures = new AtomicLong();

    private final AtomicLong unreportedSkips = new AtomicLong();

    /**
     * @param issuer the issuer's settings; its {@code userinfo} must be enabled
     * @param http the client of UserInfo and discovery calls
     */
    public UserInfoEnricher(AuthProperties.Issuer issuer, HttpClient http) {
        this(issuer, http, Clock.systemUTC());
    }

    /**
     * @param issuer the issuer's settings; its {@code userinfo} must be enabled
     * @param http the client of UserInfo and discovery calls
     * @param clock the clock of the circuit breaker's open period and of the failure log's interval
     */
    public UserInfoEnricher(AuthProperties.Issuer issuer, HttpClient http, Clock clock) {
        Assert.notNull(issuer, "issuer cannot be null");
        Assert.notNull(http, "http cannot be null");
        Assert.notNull(clock, "clock cannot be null");
        Assert.isTrue(issuer.userinfo().enabled(), "userinfo must be enabled");
        this.issuerName = issuer.name();
        this.issuerUri = issuer.issuerUri();
        this.metadataUri = StringUtils.hasText(issuer.metadataUri())
                ? URI.create(issuer.metadataUri())
                : URI.create(JwksKeySource.trimTrailingSlash(issuer.issuerUri()) + "/.well-known/openid-configuration");
        this.settings = issuer.userinfo();
        this.claims = List.copyOf(this.settings.claims());
        this.http = http;
        this.endpoint = StringUtils.hasText(this.settings.uri()) ? URI.create(this.settings.uri()) : null;
        this.clock = clock;
        this.breaker = breaker(issuer.name(), this.settings.circuitBreaker(), clock);
        this.breaker.getEventPublisher().onStateTransition(this::onTransition);
    }

    /** An enricher with its own HTTP/1.1 client (no proxy; connect timeout = {@code userinfo.timeout}). */
    public static UserInfoEnricher of(AuthProperties.Issuer issuer) {
        return of(issuer, Clock.systemUTC());
    }

    /** An enricher with its own HTTP/1.1 client, its breaker and failure log on this clock. */
    public static UserInfoEnricher of(AuthProperties.Issuer issuer, Clock clock) {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(issuer.userinfo().timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        return new UserInfoEnricher(issuer, http, clock);
    }

    /**
     * Opens when {@code failure-rate-threshold}% of at least {@code minimum-calls} calls failed for want of an answer,
     * stays open for {@code open-for}, then lets one probe call through on the next cache miss.
     */
    private static CircuitBreaker breaker(String issuer, AuthProperties.UserInfo.CircuitBreaker settings, Clock clock) {
        return CircuitBreaker.of(
                "userinfo-" + issuer,
                CircuitBreakerConfig.custom()
                        .failureRateThreshold(settings.failureRateThreshold())
                        .minimumNumberOfCalls(settings.minimumCalls())
                        .slidingWindowSize(Math.max(settings.minimumCalls(), 10))
                        .waitDurationInOpenState(settings.openFor())
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .automaticTransitionFromOpenToHalfOpenEnabled(false)
                        .recordException(UserInfoEnricher::isOutage)
                        .clock(clock)
                        .build());
    }

    /**
     * Whether a failure says the endpoint is unavailable to everyone (what the breaker counts), rather than that it
     * refused one token (a 4xx other than 408 and 429: the endpoint answers, and a few logged-out users must not
     * open the breaker for all).
     */
    private static boolean isOutage(Throwable ex) {
        Throwable cause = (ex instanceof CompletionException && ex.getCause() != null) ? ex.getCause() : ex;
        return !(cause instanceof UserInfoException failure) || failure.outage();
    }

    private void onTransition(CircuitBreakerOnStateTransitionEvent event) {
        CircuitBreaker.StateTransition transition = event.getStateTransition();
        if (transition == CircuitBreaker.StateTransition.CLOSED_TO_OPEN) {
            logger.warn("UserInfo of issuer " + this.issuerName + " keeps failing: calls are skipped for "
                    + this.settings.circuitBreaker().openFor().toSeconds() + " s at a time (failure policy "
                    + policyName() + " applies at once) until a probe call succeeds");
        } else if (transition.getToState() == CircuitBreaker.State.CLOSED) {
            logger.info("UserInfo of issuer " + this.issuerName + " answers again: calls resumed");
        }
    }

    /**
     * The identity completed with the configured UserInfo claims; or, when UserInfo is unavailable, the identity as
     * it is ({@code continue}) or an error {@code userinfo_unavailable} ({@code deny}).
     *
     * @param token the access token, sent as the bearer credential of the UserInfo call
     * @param identity the identity verified from that token
     * @return the enriched identity, or an error carrying a {@link TokenRejectedException}
     */
    public Mono<GatewayIdentity> enrich(String token, GatewayIdentity identity) {
        // suppressCancel: a request that goes away must not cancel a call other requests of the token wait for
        return Mono.fromFuture(() -> fetch(token), true)
                // the answer completes on an HTTP client thread, a timeout on the JDK's single delay-scheduler thread:
                // the rest of the request (routing, the upstream call) continues on Reactor's parallel workers instead
                .publishOn(Schedulers.parallel())
                .map(answer -> complete(identity, answer))
                .onErrorResume(ex -> !(ex instanceof TokenRejectedException), ex -> unavailable(identity));
    }

    /** The failure policy in force. */
    public AuthProperties.UserInfo.FailurePolicy failurePolicy() {
        return this.settings.failurePolicy();
    }

    /** UserInfo calls made (one per cache miss of a token, however many requests waited for it). */
    public long calls() {
        return this.calls.sum();
    }

    /** UserInfo calls answered with a readable answer (whose {@code sub} is checked afterwards). */
    public long successes() {
        return this.successes.sum();
    }

    /** UserInfo calls that failed (no answer in time, an error status, an unreadable answer, discovery failed). */
    public long failures() {
        return this.failures.sum();
    }

    /** Cache misses that got the failure policy without a call, the circuit breaker being open. */
    public long skipped() {
        return this.skipped.sum();
    }

    /** The circuit breaker's state: {@code closed} (calls made), {@code open} (calls skipped) or {@code half_open}. */
    public String breakerState() {
        return this.breaker.getState().name().toLowerCase(Locale.ROOT);
    }

    private CompletableFuture<Map<String, Object>> fetch(String token) {
        CompletableFuture<Map<String, Object>> running = this.inFlight.get(token);
        if (running != null) {
            return running;
        }
        if (!this.breaker.tryAcquirePermission()) {
            this.skipped.increment();
            report(null);
            return CompletableFuture.failedFuture(CIRCUIT_OPEN);
        }
        CompletableFuture<Map<String, Object>> promise = new CompletableFuture<>();
        running = this.inFlight.putIfAbsent(token, promise);
        if (running != null) {
            this.breaker.releasePermission();
            return running;
        }
        this.calls.increment();
        long start = System.nanoTime();
        CompletableFuture<Map<String, Object>> call;
        try {
            call = endpoint().thenCompose(uri -> get(uri, token)).toCompletableFuture();
        } catch (RuntimeException ex) {
            call = CompletableFuture.failedFuture(ex);
        }
        call.orTimeout(this.settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((answer, ex) -> {
                    this.inFlight.remove(token, promise);
                    long elapsed = System.nanoTime() - start;
                    if (ex != null) {
                        this.failures.increment();
                        this.breaker.onError(elapsed, TimeUnit.NANOSECONDS, ex);
                        report(ex);
                        promise.completeExceptionally(ex);
                    } else {
                        this.successes.increment();
                        this.breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
                        promise.complete(answer);
                    }
                });
        return promise;
    }

    /**
     * Logs a failure, or a call skipped ({@code failure == null}), at most once per {@code failure-log-interval}; the
     * report counts what happened since the previous one.
     */
    private void report(Throwable failure) {
        long now = this.clock.millis();
        long due = this.nextReportAt.get();
        if (failure == null
                || now < due
                || !this.nextReportAt.compareAndSet(
                        due, now + this.settings.failureLogInterval().toMillis())) {
            (failure != null ? this.unreportedFailures : this.unreportedSkips).incrementAndGet();
            return;
        }
        long failures = this.unreportedFailures.getAndSet(0);
        long skips = this.unreportedSkips.getAndSet(0);
        String since = (failures + skips == 0)
                ? ""
                : "; since the last report " + failures + " more failure(s) and " + skips
                        + " request(s) without a call (circuit open)";
        logger.warn("UserInfo of issuer " + this.issuerName + " unavailable (" + describe(failure)
                + "); failure policy " + policyName() + since);
    }

    private String policyName() {
        return this.settings.failurePolicy().name().toLowerCase(Locale.ROOT);
    }

    private CompletionStage<URI> endpoint() {
        URI known = this.endpoint;
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        HttpRequest request = HttpRequest.newBuilder(this.metadataUri)
                .GET()
                .timeout(this.settings.timeout())
                .header("Accept", "application/json")
                .build();
        return this.http.sendAsync(request, limited(this.settings.sizeLimit())).thenApply(response -> {
            Map<String, Object> metadata = json(response, "discovery");
            // OpenID Connect Discovery 1.0 §4.3: the metadata must name exactly the issuer we trust
            if (!this.issuerUri.equals(metadata.get("issuer"))) {
                throw new UserInfoException("the discovery document names another issuer");
            }
            if (!(metadata.get("userinfo_endpoint") instanceof String text) || !isHttp(text)) {
                throw new UserInfoException("the discovery document has no http(s) userinfo_endpoint");
            }
            URI discovered = URI.create(text);
            this.endpoint = discovered;
            return discovered;
        });
    }

    private CompletionStage<Map<String, Object>> get(URI uri, String token) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .GET()
                .timeout(this.settings.timeout())
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .build();
        return this.http
                .sendAsync(request, limited(this.settings.sizeLimit()))
                .thenApply(response -> json(response, "UserInfo"));
    }

    private static Map<String, Object> json(HttpResponse<byte[]> response, String what) {
        int status = response.statusCode();
        if (status != 200) {
            boolean outage = status >= 500 || status == 429 || status == 408 || status < 400;
            throw new UserInfoException(what + " answered HTTP " + status, outage);
        }
        // a signed or encrypted UserInfo answer (application/jwt) is not supported: refused, not misread
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (!type.toLowerCase().contains("json")) {
            throw new UserInfoException(what + " answered with content type '" + type + "', not JSON");
        }
        try {
            return JSONObjectUtils.parse(new String(response.body(), StandardCharsets.UTF_8));
        } catch (ParseException ex) {
            throw new UserInfoException(what + " answered with malformed JSON");
        }
    }

    private GatewayIdentity complete(GatewayIdentity identity, Map<String, Object> answer) {
        // OpenID Connect Core §5.3.2: the sub must match exactly, else the answer must not be used
        if (!identity.subject().equals(answer.get("sub"))) {
            throw new TokenRejectedException(
                    ErrorCode.USERINFO_SUBJECT_MISMATCH, "The issuer's UserInfo answer is for another subject");
        }
        Map<String, Object> copied = new LinkedHashMap<>();
        for (String claim : this.claims) {
            Object value = answer.get(claim);
            if (value != null) {
                copied.put(claim, value);
            }
        }
        return identity.withUserInfo(copied);
    }

    private Mono<GatewayIdentity> unavailable(GatewayIdentity identity) {
        if (this.settings.failurePolicy() == AuthProperties.UserInfo.FailurePolicy.CONTINUE) {
            return Mono.just(identity);
        }
        return Mono.error(new TokenRejectedException(
                ErrorCode.USERINFO_UNAVAILABLE, "The identity provider's UserInfo endpoint is unavailable right now"));
    }

    private static boolean isHttp(String uri) {
        return uri.startsWith("https://") || uri.startsWith("http://");
    }

    /** The cause's type and our own message; an HTTP client message names at most the endpoint, never the token. */
    private static String describe(Throwable ex) {
        Throwable cause = (ex instanceof CompletionException && ex.getCause() != null) ? ex.getCause() : ex;
        if (cause instanceof UserInfoException) {
            return cause.getMessage();
        }
        if (cause instanceof java.util.concurrent.TimeoutException) {
            return "no answer within the timeout";
        }
        return cause.getClass().getSimpleName();
    }

    /** A body handler that gives up (and closes the connection) past {@code limit} bytes. */
    private static HttpResponse.BodyHandler<byte[]> limited(int limit) {
        return info -> new LimitedBody(limit);
    }

    @Override
    public String toString() {
        return "UserInfoEnricher[" + this.issuerName + "]";
    }

    /** What a request skipped by the open breaker fails with: shared, no stack trace. */
    private static final UserInfoException CIRCUIT_OPEN =
            new UserInfoException("the circuit breaker is open after repeated failures", true);

    /** A failure of a UserInfo or discovery call, described by the gateway (no answer content). */
    static final class UserInfoException extends RuntimeException {

        private final boolean outage;

        UserInfoException(String message) {
            this(message, true);
        }

        /** @param outage whether the failure says the endpoint is unavailable to everyone (see {@code isOutage}) */
        UserInfoException(String message, boolean outage) {
            super(message, null, false, false);
            this.outage = outage;
        }

        boolean outage() {
            return this.outage;
        }
    }

    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {

        private final CompletableFuture<byte[]> result = new CompletableFuture<>();

        private final int limit;

        private byte[] buffer = new byte[256];

        private int size;

        private Flow.Subscription subscription;

        LimitedBody(int limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return this.result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (this.result.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                int length = item.remaining();
                if (this.size + length > this.limit) {
                    this.subscription.cancel();
                    this.result.completeExceptionally(new IOException("the answer exceeds the size limit"));
                    return;
                }
                if (this.size + length > this.buffer.length) {
                    this.buffer = java.util.Arrays.copyOf(
                            this.buffer, Math.min(this.limit, Math.max(this.buffer.length * 2, this.size + length)));
                }
                item.get(this.buffer, this.size, length);
                this.size += length;
            }
        }

        @Override
        public void onError(Throwable throwable) {
            this.result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            this.result.complete(java.util.Arrays.copyOf(this.buffer, this.size));
        }
    }
}
