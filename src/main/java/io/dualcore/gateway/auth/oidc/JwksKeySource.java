package io.dualcore.gateway.auth.oidc;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.CachingJWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetBasedJWKSource;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.OutageTolerantJWKSetSource;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.jwk.source.RetryingJWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.events.Event;
import io.dualcore.gateway.auth.AuthProperties;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One issuer's rotating JWKS: a TTL cache refreshed ahead of expiry in the background (Nimbus'
 * {@link JWKSourceBuilder}), under it a refresh gate that lets at most one fetch start per
 * {@code min-refresh-interval}, then outage tolerance for a bounded staleness, a retry of a failed fetch, HTTP
 * timeouts and a size limit.
 *
 * <p>A token whose {@code kid} is not in the cached key set does not fail at once: {@link #refreshed(JWKSelector)}
 * waits, without holding a thread and at most {@code refresh-timeout}, for the next refresh that starts after the
 * request arrived. Every request waiting at that moment shares that one fetch, so a flood of unknown {@code kid}s
 * costs the IdP at most one fetch per interval while a token signed by a newly published key is accepted as soon as
 * one refresh can fetch it. It also keeps a snapshot of the last key set seen, so that cached verifications can check
 * their key is still published without a fetch.
 */
public final class JwksKeySource implements Closeable {

    /** Set while the refresh coordinator runs the fetch it was granted, so the gate lets it through. */
    private static final ThreadLocal<Boolean> GRANTED = new ThreadLocal<>();

    private final AtomicLong fetches = new AtomicLong();

    private final AtomicLong failures = new AtomicLong();

    private final AtomicLong refreshWaits = new AtomicLong();

    private final String issuer;

    private final Tracer tracer;

    private final Duration staleAfter;

    /** How long a loaded key set may verify without a fetch: what Nimbus' cache and outage tolerance allow. */
    private final Duration usableFor;

    private final Duration minRefreshInterval;

    private final Duration refreshTimeout;

    private volatile Instant lastSuccessAt;

    private volatile Instant lastFailureAt;

    private final JWKSetBasedJWKSource<SecurityContext> source;

    private final JWKSetSource<SecurityContext> cache;

    private final Clock clock;

    private final Scheduler scheduler;

    private volatile JWKSet snapshot;

    /**
     * The keys of {@link #snapshot} by {@code kid}; a kid whose keys did not change keeps the list object it had, so
     * that a cached verification compares its key by reference.
     */
    private volatile Map<String, List<JWK>> keysByKid = Map.of();

    // guarded by this.gate: when the last fetch started, and the refresh all current waiters share
    private final Object gate = new Object();

    private Instant lastFetchStartedAt;

    private CompletableFuture<JWKSet> nextRefresh;

    private Instant nextRefreshAt;

    private JwksKeySource(
            String issuer,
            JWKSetSource<SecurityContext> origin,
            AuthProperties.Jwks settings,
            Clock clock,
            Scheduler scheduler,
            Tracer tracer) {
        this.issuer = issuer;
        this.clock = clock;
        this.scheduler = scheduler;
        this.tracer = tracer;
        this.minRefreshInterval = settings.minRefreshInterval();
        this.refreshTimeout = settings.refreshTimeout();
        // a healthy IdP is refetched at least once per TTL (plus the keep-warm period and a refresh's own time)
        this.staleAfter = settings.cacheTtl().plus(keepWarmPeriod(settings)).plus(settings.refreshTimeout());
        this.usableFor = settings.cacheTtl().plus(settings.outageTolerance());
        // Nimbus' own rate limiter refuses at once when its budget is spent, which is what let a flood of unknown
        // kids lock a newly published key out; the gate below it waits instead (see refreshed)
        JWKSetSource<SecurityContext> tolerant = new OutageTolerantJWKSetSource<>(
                new RetryingJWKSetSource<>(new CountingSource(origin), null),
                settings.outageTolerance().toMillis(),
                null);
        this.source = (JWKSetBasedJWKSource<SecurityContext>) JWKSourceBuilder.create(new GatedSource(tolerant))
                .retrying(false)
                .outageTolerant(false)
                .rateLimited(false)
                .cache(settings.cacheTtl().toMillis(), settings.refreshTimeout().toMillis())
                .refreshAheadCache(settings.refreshAhead().toMillis(), true, this::onEvent)
                .build();
        this.cache = this.source.getJWKSetSource();
    }

    /** Builds the key source of a configured issuer. */
    public static JwksKeySource of(AuthProperties.Issuer issuer, Clock clock) {
        return of(
                issuer, clock, Schedulers.boundedElastic(), OpenTelemetry.noop().getTracer("dualcore"));
    }

    /**
     * Builds the key source of a configured issuer, tracing each fetch.
     *
     * @param scheduler where refreshes run (they block), and the timer of refresh waits
     */
    public static JwksKeySource of(AuthProperties.Issuer issuer, Clock clock, Scheduler scheduler, Tracer tracer) {
        Assert.notNull(issuer, "issuer cannot be null");
        Assert.notNull(scheduler, "scheduler cannot be null");
        AuthProperties.Jwks jwks = issuer.jwks();
        DefaultResourceRetriever retriever = new DefaultResourceRetriever(
                (int) jwks.connectTimeout().toMillis(), (int) jwks.readTimeout().toMillis(), jwks.sizeLimit());
        URI jwksUri = StringUtils.hasText(issuer.jwksUri()) ? URI.create(issuer.jwksUri()) : null;
        URI metadataUri = StringUtils.hasText(issuer.metadataUri())
                ? URI.create(issuer.metadataUri())
                : URI.create(trimTrailingSlash(issuer.issuerUri()) + "/.well-known/openid-configuration");
        return new JwksKeySource(
                issuer.name(),
                new DiscoveringJwkSetSource(issuer.issuerUri(), jwksUri, metadataUri, retriever),
                jwks,
                clock,
                scheduler,
                tracer);
    }

    /** Builds a key source over any origin of key sets (an HTTP endpoint, or a fixed set in tests). */
    public static JwksKeySource of(JWKSetSource<SecurityContext> origin, AuthProperties.Jwks settings, Clock clock) {
        return of(origin, settings, clock, Schedulers.boundedElastic());
    }

    /**
     * Builds a key source over any origin of key sets, with the scheduler its refreshes and waits run on (a virtual
     * time scheduler in tests, with a clock that reads it).
     */
    public static JwksKeySource of(
            JWKSetSource<SecurityContext> origin, AuthProperties.Jwks settings, Clock clock, Scheduler scheduler) {
        Assert.notNull(origin, "origin cannot be null");
        Assert.notNull(settings, "settings cannot be null");
        Assert.notNull(clock, "clock cannot be null");
        Assert.notNull(scheduler, "scheduler cannot be null");
        return new JwksKeySource(
                "test", origin, settings, clock, scheduler, OpenTelemetry.noop().getTracer("dualcore"));
    }

    static String trimTrailingSlash(String uri) {
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    private void onEvent(Event<CachingJWKSetSource<SecurityContext>, SecurityContext> event) {
        if (event instanceof CachingJWKSetSource.RefreshCompletedEvent<SecurityContext> completed) {
            JWKSet keys = completed.getJWKSet();
            this.keysByKid = byKid(keys, this.keysByKid);
            this.snapshot = keys;
        }
    }

    private static Map<String, List<JWK>> byKid(JWKSet keys, Map<String, List<JWK>> previous) {
        Map<String, List<JWK>> grouped = new HashMap<>();
        for (JWK key : keys.getKeys()) {
            if (key.getKeyID() != null) {
                grouped.computeIfAbsent(key.getKeyID(), kid -> new ArrayList<>())
                        .add(key);
            }
        }
        Map<String, List<JWK>> byKid = new HashMap<>();
        grouped.forEach((kid, list) -> {
            List<JWK> before = previous.get(kid);
            byKid.put(kid, list.equals(before) ? before : List.copyOf(list));
        });
        return Map.copyOf(byKid);
    }

    /**
     * The keys matching a selector in the cached key set, without a refresh for an unknown {@code kid}; loads the
     * key set when there is none yet or it expired (blocking), so callers run it off the event loop.
     *
     * @throws KeySourceException when no key set can be had (the IdP unreachable, or a load was just tried)
     */
    public List<JWK> cached(JWKSelector selector) throws KeySourceException {
        return selector.select(
                this.cache.getJWKSet(JWKSetCacheRefreshEvaluator.noRefresh(), System.currentTimeMillis(), null));
    }

    /**
     * The keys matching a selector after the next refresh that starts after this call: the answer for a {@code kid}
     * the cached key set does not know. Never blocks: the fetch runs on the scheduler, and every caller waiting at
     * the time shares it. Completes empty when no refresh is allowed before {@code refresh-timeout} (the rate limit
     * is spent), with the key set's exception when the refresh failed, and with a {@link KeySourceException} when
     * the refresh took longer than {@code refresh-timeout}.
     */
    public Mono<List<JWK>> refreshed(JWKSelector selector) {
        return refreshed(selector, Context.current());
    }

    /**
     * As {@link #refreshed(JWKSelector)}; when this call schedules the refresh, its fetch is traced under
     * {@code parent} (the authentication span of the request that needed it).
     */
    public Mono<List<JWK>> refreshed(JWKSelector selector, Context parent) {
        Instant now = this.clock.instant();
        Instant deadline = now.plus(this.refreshTimeout);
        CompletableFuture<JWKSet> refresh;
        synchronized (this.gate) {
            refresh = this.nextRefresh;
            if (refresh == null) {
                Instant opening = nextOpening(now);
                if (opening.isAfter(deadline)) {
                    return Mono.empty();
                }
                refresh = new CompletableFuture<>();
                this.nextRefresh = refresh;
                this.nextRefreshAt = opening;
                if (!scheduleRefresh(Duration.between(now, opening), parent)) {
                    return Mono.error(new KeySourceException(
                            "The JWKS refresh of " + this.issuer + " cannot be" + " scheduled right now"));
                }
            } else if (this.nextRefreshAt.isAfter(deadline)) {
                return Mono.empty();
            }
        }
        this.refreshWaits.incrementAndGet();
        CompletableFuture<JWKSet> shared = refresh;
        return Mono.fromFuture(() -> shared, true)
                .timeout(
                        this.refreshTimeout,
                        Mono.error(() -> new KeySourceException("Timed out waiting for a refresh of the JWKS of "
                                + this.issuer + " (" + this.refreshTimeout.toMillis() + " ms)")),
                        this.scheduler)
                .map(selector::select);
    }

    private Instant nextOpening(Instant now) {
        Instant last = this.lastFetchStartedAt;
        if (last == null) {
            return now;
        }
        Instant opening = last.plus(this.minRefreshInterval);
        return opening.isAfter(now) ? opening : now;
    }

    /** Schedules the shared refresh; when the scheduler refuses, its waiters fail now instead of at their timeout. */
    private boolean scheduleRefresh(Duration delay, Context parent) {
        try {
            this.scheduler.schedule(
                    parent.wrap((Runnable) this::runRefresh), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
            return true;
        } catch (RejectedExecutionException ex) {
            CompletableFuture<JWKSet> refresh = this.nextRefresh;
            this.nextRefresh = null;
            if (refresh != null) {
                refresh.completeExceptionally(new KeySourceException("The JWKS refresh cannot be scheduled", ex));
            }
            return false;
        }
    }

    /** Runs the shared refresh once the gate opens; requests arriving from now on wait for the one after it. */
    private void runRefresh() {
        CompletableFuture<JWKSet> refresh;
        synchronized (this.gate) {
            Instant now = this.clock.instant();
            Instant opening = nextOpening(now);
            if (opening.isAfter(now)) {
                // another path (a cold load, refresh-ahead) fetched since this was scheduled: wait for the gate again
                this.nextRefreshAt = opening;
                scheduleRefresh(Duration.between(now, opening), Context.current());
                return;
            }
            refresh = this.nextRefresh;
            this.nextRefresh = null;
            this.lastFetchStartedAt = now;
        }
        GRANTED.set(Boolean.TRUE);
        try {
            refresh.complete(
                    this.cache.getJWKSet(JWKSetCacheRefreshEvaluator.forceRefresh(), System.currentTimeMillis(), null));
        } catch (KeySourceException | RuntimeException ex) {
            refresh.completeExceptionally(ex);
        } finally {
            GRANTED.remove();
        }
    }

    /**
     * The keys matching a selector in the key set already loaded, without any I/O; {@code null} when no key set is
     * loaded or it is older than the cache TTL plus the outage tolerance (then {@link #get} decides, and may fetch).
     */
    public List<JWK> cachedKeys(JWKSelector selector) {
        JWKSet keys = this.snapshot;
        Instant success = this.lastSuccessAt;
        if (keys == null
                || success == null
                || Duration.between(success, this.clock.instant()).compareTo(this.usableFor) > 0) {
            return null;
        }
        return selector.select(keys);
    }

    /**
     * Touches the key set so that an expired cache is refreshed: keeps keys warm between requests and lets health
     * notice an unreachable IdP. Blocking; call it from a scheduler, never from an event loop. Never throws.
     */
    public void refreshIfDue() {
        try {
            this.cache.getJWKSet(JWKSetCacheRefreshEvaluator.noRefresh(), System.currentTimeMillis(), null);
        } catch (KeySourceException | RuntimeException ex) {
            // recorded by the counting source; requests report it as issuer_unavailable or unknown_key
        }
    }

    /** Whether the last key set seen still publishes this key id. Never fetches. */
    public boolean publishes(String kid) {
        return kid != null && this.keysByKid.containsKey(kid);
    }

    /**
     * The keys the last key set seen publishes under this key id, or {@code null}. The same list object as long as
     * those keys do not change from one fetch to the next; another one (not equal) when a key was replaced under the
     * same kid. Never fetches.
     */
    public List<JWK> publishedKeys(String kid) {
        return (kid != null) ? this.keysByKid.get(kid) : null;
    }

    /** Whether a key set has been loaded at least once. */
    public boolean loaded() {
        return this.snapshot != null;
    }

    /** Key ids in the last key set seen. */
    public List<String> keyIds() {
        JWKSet keys = this.snapshot;
        return keys == null
                ? List.of()
                : keys.getKeys().stream().map(JWK::getKeyID).toList();
    }

    /** Fetches of the key set attempted so far (each one an HTTP request to the IdP). */
    public long fetchCount() {
        return this.fetches.get();
    }

    /** Failed fetches and discoveries so far. */
    public long failureCount() {
        return this.failures.get();
    }

    /** Requests that waited for a refresh because their {@code kid} was unknown. */
    public long refreshWaitCount() {
        return this.refreshWaits.get();
    }

    /** Keys in the last key set seen. */
    public int keyCount() {
        JWKSet keys = this.snapshot;
        return keys == null ? 0 : keys.getKeys().size();
    }

    /** When the IdP last answered with a key set, or {@code null}. */
    public Instant lastSuccessAt() {
        return this.lastSuccessAt;
    }

    /** How often {@link #refreshIfDue()} should run for these settings. */
    public static Duration keepWarmPeriod(AuthProperties.Jwks settings) {
        Duration half = settings.cacheTtl().dividedBy(2);
        return half.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : half;
    }

    /**
     * Whether the keys in use are older than a healthy IdP would let them get: the last attempt failed, or no
     * fetch has succeeded for longer than a TTL and a refresh take.
     */
    public boolean stale() {
        Instant success = this.lastSuccessAt;
        return success != null
                && (lastFetchFailed()
                        || Duration.between(success, this.clock.instant()).compareTo(this.staleAfter) > 0);
    }

    /** Whether the last fetch attempt failed (the IdP is unreachable or answered nonsense). */
    public boolean lastFetchFailed() {
        Instant failure = this.lastFailureAt;
        Instant success = this.lastSuccessAt;
        return failure != null && (success == null || failure.isAfter(success));
    }

    @Override
    public void close() throws IOException {
        this.source.close();
    }

    /**
     * The rate limit: a fetch may start once per {@code min-refresh-interval}, whoever asks (a cold load, an expired
     * cache, refresh-ahead, or the shared refresh of unknown-kid requests, which is scheduled for the opening).
     */
    private final class GatedSource implements JWKSetSource<SecurityContext> {

        private final JWKSetSource<SecurityContext> next;

        GatedSource(JWKSetSource<SecurityContext> next) {
            this.next = next;
        }

        @Override
        public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator evaluator, long currentTime, SecurityContext context)
                throws KeySourceException {
            if (GRANTED.get() == null) {
                synchronized (JwksKeySource.this.gate) {
                    Instant now = JwksKeySource.this.clock.instant();
                    if (nextOpening(now).isAfter(now)) {
                        throw new RateLimitReachedException();
                    }
                    JwksKeySource.this.lastFetchStartedAt = now;
                }
            }
            return this.next.getJWKSet(evaluator, currentTime, context);
        }

        @Override
        public void close() throws IOException {
            this.next.close();
        }
    }

    /** Counts what reaches the origin, under the rate limit and the cache. */
    private final class CountingSource implements JWKSetSource<SecurityContext> {

        private final JWKSetSource<SecurityContext> origin;

        CountingSource(JWKSetSource<SecurityContext> origin) {
            this.origin = origin;
        }

        @Override
        public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator evaluator, long currentTime, SecurityContext context)
                throws KeySourceException {
            JwksKeySource.this.fetches.incrementAndGet();
            Span span = JwksKeySource.this
                    .tracer
                    .spanBuilder("dualcore.jwks.fetch")
                    .setAttribute("dualcore.issuer", JwksKeySource.this.issuer)
                    .startSpan();
            try {
                JWKSet keys = this.origin.getJWKSet(evaluator, currentTime, context);
                JwksKeySource.this.lastSuccessAt = JwksKeySource.this.clock.instant();
                span.setAttribute("dualcore.result", "success");
                span.setAttribute("dualcore.jwks.keys", keys.getKeys().size());
                return keys;
            } catch (KeySourceException | RuntimeException ex) {
                JwksKeySource.this.failures.incrementAndGet();
                JwksKeySource.this.lastFailureAt = JwksKeySource.this.clock.instant();
                span.setAttribute("dualcore.result", "failure");
                span.setStatus(StatusCode.ERROR, ex.getClass().getSimpleName());
                throw ex;
            } finally {
                span.end();
            }
        }

        @Override
        public void close() throws IOException {
            this.origin.close();
        }
    }
}
