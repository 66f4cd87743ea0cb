package io.dualcore.gateway.auth;

import io.dualcore.gateway.web.ErrorCode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.Assert;
import reactor.core.publisher.Mono;

/**
 * The verification chain: OIDC verifiers first, then the edge verifier. Each verifier claims tokens by issuer; a
 * claimed token is verified by that verifier only and its failure is final. A token nobody claims comes from an
 * untrusted issuer. Verified tokens are served from the {@link VerifiedTokenCache} on reuse.
 */
public final class TokenAuthenticator {

    private static final Log logger = LogFactory.getLog(TokenAuthenticator.class);

    private final Map<String, TokenVerifier> verifiersByIssuer;

    private final VerifiedTokenCache cache;

    private final int maxTokenLength;

    private final LongAdder cacheHits = new LongAdder();

    private final LongAdder cacheMisses = new LongAdder();

    /**
     * @param verifiers the chain, in order
     * @param cache the verified-token cache, or {@code null} to verify every request
     * @param maxTokenLength the longest token accepted
     */
    public TokenAuthenticator(List<TokenVerifier> verifiers, VerifiedTokenCache cache, int maxTokenLength) {
        Assert.notNull(verifiers, "verifiers cannot be null");
        Map<String, TokenVerifier> byIssuer = new LinkedHashMap<>();
        for (TokenVerifier verifier : verifiers) {
            TokenVerifier previous = byIssuer.putIfAbsent(verifier.issuer(), verifier);
            Assert.isNull(
                    previous,
                    () -> "Issuer " + verifier.issuer() + " is configured twice (" + previous.name() + " and "
                            + verifier.name() + "); each issuer must map to exactly one trust domain");
        }
        this.verifiersByIssuer = Map.copyOf(byIssuer);
        this.cache = cache;
        this.maxTokenLength = maxTokenLength;
    }

    /**
     * Authenticates a bearer token.
     *
     * @return the verified identity, or an error signal carrying a {@link TokenRejectedException}
     */
    public Mono<GatewayIdentity> authenticate(String token) {
        GatewayIdentity cached = cached(token);
        return (cached != null) ? Mono.just(cached) : verify(token);
    }

    /**
     * The identity of a token verified before, still trusted and unexpired, or {@code null}. Synchronous: the
     * gateway's hot path for a reused token allocates no reactive pipeline.
     */
    public GatewayIdentity cached(String token) {
        if (this.cache == null) {
            return null;
        }
        GatewayIdentity cached = this.cache.get(token);
        if (cached != null) {
            this.cacheHits.increment();
        } else {
            this.cacheMisses.increment();
        }
        return cached;
    }

    /** Verifies a token through the chain (no cache look-up), and caches the identity when allowed. */
    public Mono<GatewayIdentity> verify(String token) {
        ParsedToken parsed;
        try {
            parsed = ParsedToken.parse(token, this.maxTokenLength);
        } catch (TokenRejectedException ex) {
            return Mono.error(ex);
        } catch (RuntimeException ex) {
            return Mono.error(unexpected(ex));
        }
        TokenVerifier verifier = this.verifiersByIssuer.get(parsed.issuer());
        if (verifier == null) {
            return Mono.error(
                    new TokenRejectedException(ErrorCode.UNTRUSTED_ISSUER, "The token issuer is not trusted"));
        }
        Mono<GatewayIdentity> verified = verifier.verify(parsed)
                .onErrorMap(ex -> !(ex instanceof TokenRejectedException), TokenAuthenticator::unexpected);
        if (this.cache == null || !verifier.cacheable()) {
            return verified;
        }
        return verified.doOnNext(identity -> this.cache.put(token, identity, verifier));
    }

    /** Requests served from the verified-token cache. */
    public long cacheHits() {
        return this.cacheHits.sum();
    }

    /** Requests that had to be verified (the cache being on). */
    public long cacheMisses() {
        return this.cacheMisses.sum();
    }

    /** The chain's verifiers by issuer. */
    public Map<String, TokenVerifier> verifiers() {
        return this.verifiersByIssuer;
    }

    /** Fail closed on anything unforeseen, with a 401 rather than a 500, and log the cause (never the token). */
    private static TokenRejectedException unexpected(Throwable ex) {
        logger.warn("Token verification failed unexpectedly: " + ex.getClass().getName() + ": " + ex.getMessage());
        return new TokenRejectedException(ErrorCode.MALFORMED_TOKEN, "The token could not be verified");
    }
}
