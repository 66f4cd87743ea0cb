package io.dualcore.gateway.auth.web;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.dpop.DpopProof;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.ProblemResponses;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Authenticates every request of the gateway port before route matching: removes client headers in the reserved
 * identity namespace, extracts the bearer token, serves it from the verified-token cache or verifies it, and stores
 * the {@link GatewayIdentity} in the exchange. A bad credential is refused here, so it never reaches a route
 * predicate or an upstream; a request without credentials continues anonymous, for the route's access policy to
 * judge. Synchronous unless a key must be fetched.
 *
 * <p>Not applied to the management server (a separate server with its own context) nor to the anonymous paths
 * (the identity-assertion key set).
 */
public final class AuthenticationWebFilter implements WebFilter, Ordered {

    private static final Log logger = LogFactory.getLog(AuthenticationWebFilter.class);

    private final BearerTokenExtractor extractor;

    /** The request-scoped DPoP step, or {@code null} when no issuer uses DPoP. */
    private final DpopBinding dpop;

    private final TokenAuthenticator authenticator;

    private final Predicate<String> reservedHeader;

    private final ProblemResponses errors;

    private final AuthenticationObserver observer;

    private final ApplicationContext gatewayContext;

    private final Set<String> anonymousPaths;

    /**
     * @param reservedHeader whether a header name is in the reserved identity namespace (however spelled)
     * @param gatewayContext the context whose server is the gateway port, or {@code null} to apply everywhere
     * @param anonymousPaths exact paths served without authentication
     */
    public AuthenticationWebFilter(
            TokenAuthenticator authenticator,
            Predicate<String> reservedHeader,
            ProblemResponses errors,
            AuthenticationObserver observer,
            ApplicationContext gatewayContext,
            Set<String> anonymousPaths) {
        this(authenticator, reservedHeader, errors, observer, gatewayContext, anonymousPaths, null);
    }

    /**
     * @param reservedHeader whether a header name is in the reserved identity namespace (however spelled)
     * @param gatewayContext the context whose server is the gateway port, or {@code null} to apply everywhere
     * @param anonymousPaths exact paths served without authentication
     * @param dpop the DPoP step every authenticated request passes, or {@code null} when no issuer uses DPoP
     */
    public AuthenticationWebFilter(
            TokenAuthenticator authenticator,
            Predicate<String> reservedHeader,
            ProblemResponses errors,
            AuthenticationObserver observer,
            ApplicationContext gatewayContext,
            Set<String> anonymousPaths,
            DpopBinding dpop) {
        Assert.notNull(authenticator, "authenticator cannot be null");
        Assert.notNull(reservedHeader, "reservedHeader cannot be null");
        Assert.notNull(errors, "errors cannot be null");
        Assert.notNull(observer, "observer cannot be null");
        this.authenticator = authenticator;
        this.reservedHeader = reservedHeader;
        this.errors = errors;
        this.observer = observer;
        this.gatewayContext = gatewayContext;
        this.anonymousPaths = Set.copyOf(anonymousPaths);
        this.dpop = (dpop != null && dpop.enabled()) ? dpop : null;
        this.extractor = new BearerTokenExtractor(this.dpop != null);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if ((this.gatewayContext != null && exchange.getApplicationContext() != this.gatewayContext)
                || this.anonymousPaths.contains(exchange.getRequest().getPath().value())) {
            return chain.filter(exchange);
        }
        ServerWebExchange clean = withoutReservedHeaders(exchange);
        String token;
        GatewayIdentity identity;
        Mono<DpopProof> proof = null;
        try {
            token = this.extractor.extract(clean.getRequest());
            if (token == null) {
                // anonymous: the route's access policy decides whether that is enough
                return chain.filter(clean);
            }
            identity = this.authenticator.authenticateNow(token);
            if (identity != null && this.dpop != null) {
                proof = proofOf(clean, token, identity);
            }
        } catch (TokenRejectedException ex) {
            this.observer.rejected(clean, ex.errorCode());
            return reject(clean, ex);
        }
        if (identity != null) {
            if (proof == null) {
                this.observer.authenticated(clean, identity);
                clean.getAttributes().put(GatewayIdentity.ATTRIBUTE, identity);
                return chain.filter(clean);
            }
            // the proof's jti must be new: the replay check may ask Redis
            GatewayIdentity proven = identity;
            return proof.onErrorResume(TokenRejectedException.class, ex -> {
                        this.observer.rejected(clean, ex.errorCode());
                        return reject(clean, ex).then(Mono.empty());
                    })
                    .flatMap(verifiedProof -> {
                        this.observer.authenticated(clean, proven);
                        offerNonce(clean);
                        clean.getAttributes().put(DpopBinding.ATTRIBUTE, verifiedProof);
                        clean.getAttributes().put(GatewayIdentity.ATTRIBUTE, proven);
                        return chain.filter(clean);
                    });
        }
        // the key must be fetched: the only reactive step of authentication
        AuthenticationObserver.Verification verification = this.observer.verifying(clean);
        String verifiedToken = token;
        return this.authenticator
                .verify(token)
                .contextWrite(verification::contribute)
                .flatMap(verified -> {
                    Mono<DpopProof> replay = (this.dpop != null) ? proofOf(clean, verifiedToken, verified) : null;
                    if (replay == null) {
                        return Mono.just(verified);
                    }
                    return replay.doOnNext(p -> {
                                clean.getAttributes().put(DpopBinding.ATTRIBUTE, p);
                                offerNonce(clean);
                            })
                            .thenReturn(verified);
                })
                .onErrorResume(TokenRejectedException.class, ex -> {
                    verification.rejected(ex.errorCode());
                    return reject(clean, ex).then(Mono.empty());
                })
                .flatMap(verified -> {
                    verification.authenticated(verified);
                    clean.getAttributes().put(GatewayIdentity.ATTRIBUTE, verified);
                    return chain.filter(clean);
                });
    }

    /** The DPoP step: {@code null} when the request passes as is, else the replay check to await. */
    private Mono<DpopProof> proofOf(ServerWebExchange exchange, String token, GatewayIdentity identity) {
        return this.dpop.check(
                exchange.getRequest(), BearerTokenExtractor.dpopScheme(exchange.getRequest()), token, identity);
    }

    /** RFC 9449 §8: the nonce the next proof must carry, with a request that used one (when nonces are on). */
    private void offerNonce(ServerWebExchange exchange) {
        String nonce = this.dpop.currentNonce();
        if (nonce != null) {
            exchange.getResponse().getHeaders().set(DPOP_NONCE, nonce);
        }
    }

    /** The response header carrying the server's DPoP nonce (RFC 9449 §8.1). */
    public static final String DPOP_NONCE = "DPoP-Nonce";

    private Mono<Void> reject(ServerWebExchange exchange, TokenRejectedException rejection) {
        if (rejection.errorCode() == ErrorCode.USE_DPOP_NONCE && this.dpop != null) {
            offerNonce(exchange);
        }
        if (logger.isDebugEnabled()) {
            // the code and our own description only: never the token
            logger.debug("Rejected " + exchange.getRequest().getPath() + ": "
                    + rejection.errorCode().code() + " (" + rejection.description() + ")");
        }
        return this.errors.write(exchange, rejection.errorCode(), rejection.description(), null);
    }

    /**
     * Removes each client header in the reserved identity namespace, and every {@code Connection} token that names
     * one, so a client can neither forge an identity header nor make the gateway's own one disappear as a
     * hop-by-hop header. Allocation-free when there is nothing to remove (the usual case).
     */
    private ServerWebExchange withoutReservedHeaders(ServerWebExchange exchange) {
        HttpHeaders headers = exchange.getRequest().getHeaders();
        if (!needsCleaning(headers)) {
            return exchange;
        }
        return exchange.mutate()
                .request(request -> request.headers(this::clean))
                .build();
    }

    private boolean needsCleaning(HttpHeaders headers) {
        for (String name : headers.headerNames()) {
            if (this.reservedHeader.test(name) || HttpHeaders.CONNECTION.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private void clean(HttpHeaders headers) {
        List<String> reserved = new ArrayList<>();
        for (String name : headers.headerNames()) {
            if (this.reservedHeader.test(name)) {
                reserved.add(name);
            }
        }
        reserved.forEach(headers::remove);
        List<String> connection = headers.get(HttpHeaders.CONNECTION);
        if (connection != null) {
            List<String> kept = new ArrayList<>();
            for (String value : connection) {
                for (String token : value.split(",")) {
                    String option = token.trim();
                    if (!option.isEmpty() && !this.reservedHeader.test(option)) {
                        kept.add(option);
                    }
                }
            }
            if (kept.isEmpty()) {
                headers.remove(HttpHeaders.CONNECTION);
            } else {
                headers.put(HttpHeaders.CONNECTION, List.of(String.join(", ", kept)));
            }
        }
    }

    @Override
    public int getOrder() {
        return FilterOrders.AUTHENTICATION_WEB_FILTER;
    }
}
