package io.dualcore.gateway.auth.oidc;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.CachingJWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.events.Event;
import io.dualcore.gateway.auth.AuthProperties;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * One issuer's rotating JWKS: Nimbus' {@link JWKSourceBuilder} with a TTL cache refreshed ahead of expiry in the
 * background, a rate limit on refreshes (a flood of unknown {@code kid}s causes at most one fetch per interval),
 * retry of a failed fetch, outage tolerance for a bounded staleness, and HTTP timeouts and a size limit. It also
 * keeps a snapshot of the last key set seen, so that cached verifications can check their key is still published
 * without a fetch.
 */
public final class JwksKeySource implements Closeable {

    private final AtomicLong fetches = new AtomicLong();

    private final AtomicLong failures = new AtomicLong();

    private final String issuer;

    private final Tracer tracer;

    private final Duration staleAfter;

    /** How long a loaded key set may verify without a fetch: what Nimbus' cache and outage tolerance allow. */
    private final Duration usableFor;

    private volatile Instant lastSuccessAt;

    private volatile Instant lastFailureAt;

    private final JWKSource<SecurityContext> source;

    private final Clock clock;

    private volatile JWKSet snapshot;

    private JwksKeySource(
            String issuer,
            JWKSetSource<SecurityContext> origin,
            AuthProperties.Jwks settings,
            Clock clock,
            Tracer tracer) {
        this.issuer = issuer;
        this.clock = clock;
        this.tracer = tracer;
        // a healthy IdP is refetched at least once per TTL (plus the keep-warm period and a refresh's own time)
        this.staleAfter = settings.cacheTtl().plus(keepWarmPeriod(settings)).plus(settings.refreshTimeout());
        this.usableFor = settings.cacheTtl().plus(settings.outageTolerance());
        this.source = JWKSourceBuilder.create(new CountingSource(origin))
                .retrying(true)
                .outageTolerant(settings.outageTolerance().toMillis())
                .rateLimited(settings.minRefreshInterval().toMillis())
                .cache(settings.cacheTtl().toMillis(), settings.refreshTimeout().toMillis())
                .refreshAheadCache(settings.refreshAhead().toMillis(), true, this::onEvent)
                .build();
    }

    /** Builds the key source of a configured issuer. */
    public static JwksKeySource of(AuthProperties.Issuer issuer, Clock clock) {
        return of(issuer, clock, OpenTelemetry.noop().getTracer("dualcore"));
    }

    /** Builds the key source of a configured issuer, tracing each fetch. */
    public static JwksKeySource of(AuthProperties.Issuer issuer, Clock clock, Tracer tracer) {
        Assert.notNull(issuer, "issuer cannot be null");
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
                tracer);
    }

    /** Builds a key source over any origin of key sets (an HTTP endpoint, or a fixed set in tests). */
    public static JwksKeySource of(JWKSetSource<SecurityContext> origin, AuthProperties.Jwks settings, Clock clock) {
        Assert.notNull(origin, "origin cannot be null");
        Assert.notNull(settings, "settings cannot be null");
        Assert.notNull(clock, "clock cannot be null");
        return new JwksKeySource(
                "test", origin, settings, clock, OpenTelemetry.noop().getTracer("dualcore"));
    }

    private static String trimTrailingSlash(String uri) {
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    private void onEvent(Event<CachingJWKSetSource<SecurityContext>, SecurityContext> event) {
        if (event instanceof CachingJWKSetSource.RefreshCompletedEvent<SecurityContext> completed) {
            this.snapshot = completed.getJWKSet();
        }
    }

    /**
     * The keys matching a selector; may fetch (blocking), so callers run it off the event loop.
     *
     * @throws KeySourceException when no key set can be had (rate limited, or the IdP unreachable)
     */
    public List<JWK> get(JWKSelector selector) throws KeySourceException {
        return this.source.get(selector, null);
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
            this.source.get(new JWKSelector(new JWKMatcher.Builder().build()), null);
        } catch (KeySourceException | RuntimeException ex) {
            // recorded by the counting source; requests report it as issuer_unavailable or unknown_key
        }
    }

    /** Whether the last key set seen still publishes this key id. Never fetches. */
    public boolean publishes(String kid) {
        JWKSet keys = this.snapshot;
        return keys != null && kid != null && keys.getKeyByKeyId(kid) != null;
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
        if (this.source instanceof Closeable closeable) {
            closeable.close();
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
