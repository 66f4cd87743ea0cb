package io.dualcore.gateway.auth.oidc;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
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
import io.dualcore.gateway.config.AuthProperties;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
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

    private final JWKSource<SecurityContext> source;

    private final Clock clock;

    private volatile JWKSet snapshot;

    private volatile Instant snapshotAt;

    private JwksKeySource(JWKSetSource<SecurityContext> origin, AuthProperties.Jwks settings, Clock clock) {
        this.clock = clock;
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
        Assert.notNull(issuer, "issuer cannot be null");
        AuthProperties.Jwks jwks = issuer.jwks();
        DefaultResourceRetriever retriever = new DefaultResourceRetriever(
                (int) jwks.connectTimeout().toMillis(), (int) jwks.readTimeout().toMillis(), jwks.sizeLimit());
        URI jwksUri = StringUtils.hasText(issuer.jwksUri()) ? URI.create(issuer.jwksUri()) : null;
        URI metadataUri = StringUtils.hasText(issuer.metadataUri())
                ? URI.create(issuer.metadataUri())
                : URI.create(trimTrailingSlash(issuer.issuerUri()) + "/.well-known/openid-configuration");
        return of(new DiscoveringJwkSetSource(issuer.issuerUri(), jwksUri, metadataUri, retriever), jwks, clock);
    }

    /** Builds a key source over any origin of key sets (an HTTP endpoint, or a fixed set in tests). */
    public static JwksKeySource of(JWKSetSource<SecurityContext> origin, AuthProperties.Jwks settings, Clock clock) {
        Assert.notNull(origin, "origin cannot be null");
        Assert.notNull(settings, "settings cannot be null");
        Assert.notNull(clock, "clock cannot be null");
        return new JwksKeySource(origin, settings, clock);
    }

    private static String trimTrailingSlash(String uri) {
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    private void onEvent(Event<CachingJWKSetSource<SecurityContext>, SecurityContext> event) {
        if (event instanceof CachingJWKSetSource.RefreshCompletedEvent<SecurityContext> completed) {
            this.snapshot = completed.getJWKSet();
            this.snapshotAt = this.clock.instant();
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

    /** When the last key set was loaded, or {@code null}. */
    public Instant loadedAt() {
        return this.snapshotAt;
    }

    /** Fetches of the key set attempted so far (each one an HTTP request to the IdP). */
    public long fetchCount() {
        return this.fetches.get();
    }

    /** Failed fetches and discoveries so far. */
    public long failureCount() {
        return this.failures.get();
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
            try {
                return this.origin.getJWKSet(evaluator, currentTime, context);
            } catch (KeySourceException | RuntimeException ex) {
                JwksKeySource.this.failures.incrementAndGet();
                throw ex;
            }
        }

        @Override
        public void close() throws IOException {
            this.origin.close();
        }
    }
}
