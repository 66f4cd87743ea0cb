package io.dualcore.gateway.auth;

import io.dualcore.gateway.web.ErrorCode;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.Assert;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;

/**
 * The verification chain: OIDC verifiers first, then the edge verifier. Each verifier claims tokens by issuer; a
 * claimed token is verified by that verifier only and its failure is final. A token nobody claims comes from an
 * untrusted issuer. Verified tokens are served from the {@link VerifiedTokenCache} on reuse. Every identity, verified
 * or served from the cache, then passes the {@link IdentityCheck}s (revocation first).
 */
public final class TokenAuthenticator {

    private static final Log logger = LogFactory.getLog(TokenAuthenticator.class);

    /**
     * Rejections that the same token would get again on every later attempt while its verifier holds the same key
     * under its kid: remembered (until that key changes), so that a bad token replayed costs a cache look-up like a
     * good one. Not: unknown keys (a rotation may publish them), time-bound or availability failures, replays.
     */
    private static final Set<ErrorCode> FINAL_REJECTIONS = EnumSet.of(
            ErrorCode.MALFORMED_TOKEN,
            ErrorCode.UNSUPPORTED_TOKEN,
            ErrorCode.ALGORITHM_NOT_ALLOWED,
            ErrorCode.UNTRUSTED_ISSUER,
            ErrorCode.INVALID_SIGNATURE,
            ErrorCode.TOKEN_EXPIRED,
            ErrorCode.TOKEN_LIFETIME_TOO_LONG,
            ErrorCode.AUDIENCE_MISMATCH,
            ErrorCode.CLIENT_NOT_ALLOWED,
            ErrorCode.MISSING_CLAIM,
            ErrorCode.WRONG_TOKEN_TYPE);

    /** The chain in force, for callers that run on no request's pinned configuration. */
    private final Supplier<VerifierChain> chains;

    private final VerifiedTokenCache cache;

    private final int maxTokenLength;

    /** The post-verification checks, in order; an array: iterated on every request without an iterator. */
    private final IdentityCheck[] checks;

    /**
     * Verifies tokens that are not a JWS by introspection, or {@code null} when nobody takes opaque tokens; a chain that
     * carries its configuration's own ({@link VerifierChain#withOpaqueTokens}) overrides it.
     */
    private final OpaqueTokenVerifier opaque;

    private final LongAdder cacheHits = new LongAdder();

    private final LongAdder cacheMisses = new LongAdder();

    /**
     * @param verifiers the chain, in order
     * @param cache the verified-token cache, or {@code null} to verify every request
     * @param maxTokenLength the longest token accepted
     */
    public TokenAuthenticator(List<TokenVerifier> verifiers, VerifiedTokenCache cache, int maxTokenLength) {
        this(verifiers, cache, maxTokenLength, List.of());
    }

    /**
     * @param verifiers the chain, in order
     * @param cache the verified-token cache, or {@code null} to verify every request
     * @param maxTokenLength the longest token accepted
     * @param checks what every verified identity passes after verification, on cache hits too, in this order
     */
    public TokenAuthenticator(
            List<TokenVerifier> verifiers, VerifiedTokenCache cache, int maxTokenLength, List<IdentityCheck> checks) {
        this(verifiers, cache, maxTokenLength, checks, null);
    }

    /**
     * @param verifiers the chain, in order
     * @param cache the verified-token cache, or {@code null} to verify every request
     * @param maxTokenLength the longest token accepted
     * @param checks what every verified identity passes after verification, on cache hits too, in this order
     * @param opaque what verifies tokens that are not shaped like a JWS, or {@code null} to refuse them as malformed
     */
    public TokenAuthenticator(
            List<TokenVerifier> verifiers,
            VerifiedTokenCache cache,
            int maxTokenLength,
            List<IdentityCheck> checks,
            OpaqueTokenVerifier opaque) {
        this(fixed(verifiers), cache, maxTokenLength, checks, opaque);
    }

    /**
     * An authenticator over a live set of verifiers: each request names the chain of the configuration it runs on
     * ({@link #authenticateNow(String, VerifierChain)}); callers outside a request get the one in force.
     *
     * @param chains the chain in force now (read once per call)
     * @param cache the verified-token cache, or {@code null} to verify every request
     * @param maxTokenLength the longest token accepted
     * @param checks what every verified identity passes after verification, on cache hits too, in this order
     * @param opaque what verifies tokens that are not shaped like a JWS, or {@code null} to refuse them as malformed
     */
    public TokenAuthenticator(
            Supplier<VerifierChain> chains,
            VerifiedTokenCache cache,
            int maxTokenLength,
            List<IdentityCheck> checks,
            OpaqueTokenVerifier opaque) {
        Assert.notNull(chains, "chains cannot be null");
        this.opaque = opaque;
        Assert.noNullElements(checks, "checks cannot be null or hold null");
        this.checks = checks.toArray(IdentityCheck[]::new);
        this.chains = chains;
        this.cache = cache;
        this.maxTokenLength = maxTokenLength;
    }

    private static Supplier<VerifierChain> fixed(List<TokenVerifier> verifiers) {
        Assert.notNull(verifiers, "verifiers cannot be null");
        VerifierChain chain = new VerifierChain(verifiers);
        return () -> chain;
    }

    /**
     * Authenticates a bearer token.
     *
     * @return the verified identity, or an error signal carrying a {@link TokenRejectedException}
     */
    public Mono<GatewayIdentity> authenticate(String token) {
        VerifierChain chain = this.chains.get();
        GatewayIdentity identity;
        try {
            identity = authenticateNow(token, chain);
        } catch (TokenRejectedException ex) {
            return Mono.error(ex);
        }
        return (identity != null) ? Mono.just(identity) : verify(token, chain);
    }

    /**
     * The identity of a token verified before, still trusted and unexpired, or {@code null}. Synchronous: the
     * gateway's hot path for a reused token allocates no reactive pipeline.
     *
     * @throws TokenRejectedException when this exact token was refused before for a reason that cannot change
     */
    public GatewayIdentity cached(String token) {
        return cached(token, this.chains.get());
    }

    /**
     * The identity of a token verified before by a verifier {@code chain} still holds, still trusted and unexpired,
     * or {@code null}.
     *
     * @throws TokenRejectedException when this exact token was refused before for a reason that still stands
     */
    public GatewayIdentity cached(String token, VerifierChain chain) {
        if (this.cache == null) {
            return null;
        }
        GatewayIdentity cached = this.cache.lookup(token, chain);
        if (cached != null) {
            this.cacheHits.increment();
        } else {
            this.cacheMisses.increment();
        }
        return cached;
    }

    /**
     * Authenticates without I/O when it can: a cache hit, or a verification whose key is already known (the
     * cryptography runs on the calling thread).
     *
     * @return the identity, or {@code null} when verification needs I/O (then call {@link #verify})
     * @throws TokenRejectedException when the token is refused
     */
    public GatewayIdentity authenticateNow(String token) {
        return authenticateNow(token, this.chains.get());
    }

    /**
     * Authenticates without I/O when it can, with the verifiers of the configuration the request runs on.
     *
     * @param chain the request's verifiers, or {@code null} for the chain in force
     * @return the identity, or {@code null} when verification needs I/O (then call {@link #verify(String,
     *     VerifierChain)} with the same chain)
     * @throws TokenRejectedException when the token is refused
     */
    public GatewayIdentity authenticateNow(String token, VerifierChain chain) {
        if (chain == null) {
            chain = this.chains.get();
        }
        OpaqueTokenVerifier opaque = chain.opaqueTokens(this.opaque);
        if (isOpaque(token, opaque)) {
            GatewayIdentity introspected;
            try {
                introspected = opaque.cached(token);
            } catch (TokenRejectedException ex) {
                throw ex;
            } catch (RuntimeException ex) {
                throw unexpected(ex);
            }
            return (introspected != null) ? checked(introspected) : null;
        }
        GatewayIdentity cached = cached(token, chain);
        if (cached != null) {
            return checked(cached);
        }
        ParsedToken parsed = null;
        TokenVerifier verifier = null;
        Object heldKey = null;
        GatewayIdentity identity;
        try {
            parsed = ParsedToken.parse(token, this.maxTokenLength);
            verifier = verifierFor(parsed, chain);
            heldKey = heldKey(verifier, parsed);
            identity = verifier.verifyInline(parsed);
        } catch (TokenRejectedException ex) {
            remember(token, ex, chain, verifier, parsed, heldKey);
            throw ex;
        } catch (RuntimeException ex) {
            throw unexpected(ex);
        }
        if (identity != null && this.cache != null && verifier.cacheable()) {
            remember(token, identity, verifier, heldKey);
        }
        return (identity != null) ? checked(identity) : null;
    }

    /** Verifies a token through the chain (no cache look-up), and caches the identity when allowed. */
    public Mono<GatewayIdentity> verify(String token) {
        return verify(token, this.chains.get());
    }

    /**
     * Verifies a token through the request's chain (no cache look-up), and caches the identity when allowed.
     *
     * @param chain the request's verifiers, or {@code null} for the chain in force
     */
    public Mono<GatewayIdentity> verify(String token, VerifierChain chain) {
        VerifierChain verifiers = (chain != null) ? chain : this.chains.get();
        OpaqueTokenVerifier opaque = verifiers.opaqueTokens(this.opaque);
        if (isOpaque(token, opaque)) {
            Mono<GatewayIdentity> introspected = opaque.verify(token)
                    .onErrorMap(ex -> !(ex instanceof TokenRejectedException), TokenAuthenticator::unexpected);
            return (this.checks.length == 0) ? introspected : introspected.handle(this::checked);
        }
        ParsedToken parsed;
        TokenVerifier verifier;
        try {
            parsed = ParsedToken.parse(token, this.maxTokenLength);
            verifier = verifierFor(parsed, verifiers);
        } catch (TokenRejectedException ex) {
            remember(token, ex, verifiers, null, null, null);
            return Mono.error(ex);
        } catch (RuntimeException ex) {
            return Mono.error(unexpected(ex));
        }
        Object heldKey = heldKey(verifier, parsed);
        Mono<GatewayIdentity> verified = verifier.verify(parsed)
                .onErrorMap(ex -> !(ex instanceof TokenRejectedException), TokenAuthenticator::unexpected)
                .doOnError(
                        TokenRejectedException.class, ex -> remember(token, ex, verifiers, verifier, parsed, heldKey));
        if (this.cache != null && verifier.cacheable()) {
            verified = verified.doOnNext(identity -> remember(token, identity, verifier, heldKey));
        }
        return (this.checks.length == 0) ? verified : verified.handle(this::checked);
    }

    /**
     * Whether a token goes to the opaque-token verifier: one is configured, the token is not too long, and it is not
     * shaped like a compact JWS (two dots) or JWE (four dots), which the JWT verifiers judge.
     */
    private boolean isOpaque(String token, OpaqueTokenVerifier opaque) {
        if (opaque == null || token.length() > this.maxTokenLength) {
            return false;
        }
        int dots = 0;
        for (int i = 0; i < token.length(); i++) {
            if (token.charAt(i) == '.') {
                dots++;
            }
        }
        return dots != 2 && dots != 4;
    }

    /**
     * Runs the post-verification checks. Their refusals are never remembered in the rejection cache: a lifted
     * revocation lets the same token through again.
     */
    private GatewayIdentity checked(GatewayIdentity identity) {
        try {
            for (IdentityCheck check : this.checks) {
                check.check(identity);
            }
        } catch (TokenRejectedException ex) {
            throw ex;
        } catch (RuntimeException ex) {
            // a check that breaks refuses: fail closed, 401 rather than 500
            throw unexpected(ex);
        }
        return identity;
    }

    private void checked(GatewayIdentity identity, SynchronousSink<GatewayIdentity> sink) {
        try {
            sink.next(checked(identity));
        } catch (TokenRejectedException ex) {
            sink.error(ex);
        }
    }

    /**
     * The key the verifier holds under the token's kid, taken before the verification: a key replaced while the
     * verification runs then never vouches for a verdict reached with the key it replaced.
     */
    private Object heldKey(TokenVerifier verifier, ParsedToken parsed) {
        return (this.cache != null) ? verifier.currentKey(parsed.keyId()) : null;
    }

    private void remember(String token, GatewayIdentity identity, TokenVerifier verifier, Object heldKey) {
        Instant until = verifier.cacheUntil(identity);
        if (until == null) {
            return;
        }
        // a kid nobody held before the verification had no earlier key to be confused with: the key that verified
        // it is the one held now (a second key under that kid within one verification would need two fetches, which
        // the JWKS refresh gate spaces by min-refresh-interval)
        Object key = (heldKey != null) ? heldKey : verifier.currentKey(identity.keyId());
        this.cache.put(token, identity, verifier, key, until);
    }

    private static TokenVerifier verifierFor(ParsedToken parsed, VerifierChain chain) {
        TokenVerifier verifier = chain.forIssuer(parsed.issuer());
        if (verifier == null) {
            throw new TokenRejectedException(ErrorCode.UNTRUSTED_ISSUER, "The token issuer is not trusted");
        }
        return verifier;
    }

    private void remember(
            String token,
            TokenRejectedException rejection,
            VerifierChain chain,
            TokenVerifier verifier,
            ParsedToken parsed,
            Object heldKey) {
        if (this.cache != null && rejection != UNEXPECTED && FINAL_REJECTIONS.contains(rejection.errorCode())) {
            if (verifier == null) {
                this.cache.reject(token, rejection, chain);
            } else {
                this.cache.reject(token, rejection, verifier, parsed.keyId(), heldKey);
            }
        }
    }

    /** Requests served from the verified-token cache. */
    public long cacheHits() {
        return this.cacheHits.sum();
    }

    /** Requests that had to be verified (the cache being on). */
    public long cacheMisses() {
        return this.cacheMisses.sum();
    }

    /** The verifiers in force, by issuer. */
    public Map<String, TokenVerifier> verifiers() {
        return this.chains.get().byIssuer();
    }

    /** The verifiers in force. */
    public VerifierChain chain() {
        return this.chains.get();
    }

    /** Fail closed on anything unforeseen, with a 401 rather than a 500, and log the cause (never the token). */
    private static TokenRejectedException unexpected(Throwable ex) {
        logger.warn("Token verification failed unexpectedly: " + ex.getClass().getName() + ": " + ex.getMessage());
        return UNEXPECTED;
    }

    /** Shared (it has no stack trace) and never remembered: the next attempt may well succeed. */
    private static final TokenRejectedException UNEXPECTED =
            new TokenRejectedException(ErrorCode.MALFORMED_TOKEN, "The token could not be verified");
}
