package io.dualcore.gateway.decision;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.RequestChecks;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.VerifierChain;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.dpop.DpopProof;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.auth.web.BearerTokenExtractor;
import io.dualcore.gateway.pipeline.ConfigurationPin;
import io.dualcore.gateway.pipeline.IdentitySettings;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.ReceivedHeaders;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The engine's authentication step, the same for every door: the client's reserved identity headers removed, the
 * bearer (or DPoP) token extracted, served from the verified-token cache or verified, the DPoP proof checked, the
 * {@link GatewayIdentity} stored in the exchange. A bad credential is refused; a request without credentials goes on
 * anonymous, for the route's access policy to judge. Synchronous unless a key must be fetched or a DPoP proof's
 * replay checked: no Reactor operator and no allocation on a cache hit.
 */
final class AuthenticateStep {

    private static final Log logger = LogFactory.getLog(AuthenticateStep.class);

    /** Understands the {@code DPoP} scheme too: a configuration in which an issuer or a route uses DPoP. */
    private final BearerTokenExtractor dpopExtractor = new BearerTokenExtractor(true);

    private final BearerTokenExtractor bearerExtractor = new BearerTokenExtractor(false);

    /**
     * The DPoP step (RFC 9449) of a configuration that does not manage its own checks, or {@code null} when no issuer
     * uses DPoP.
     */
    private final DpopBinding dpop;

    private final TokenAuthenticator authenticator;

    private final Predicate<String> reservedHeader;

    private final AuthenticationObserver observer;

    /** Where the verifiers of the request's configuration come from. */
    private final ConfigurationPin pin;

    AuthenticateStep(
            TokenAuthenticator authenticator,
            Predicate<String> reservedHeader,
            AuthenticationObserver observer,
            DpopBinding dpop) {
        this(authenticator, reservedHeader, observer, dpop, ConfigurationPin.NONE);
    }

    AuthenticateStep(
            TokenAuthenticator authenticator,
            Predicate<String> reservedHeader,
            AuthenticationObserver observer,
            DpopBinding dpop,
            ConfigurationPin pin) {
        Assert.notNull(pin, "pin cannot be null");
        this.pin = pin;
        Assert.notNull(authenticator, "authenticator cannot be null");
        Assert.notNull(reservedHeader, "reservedHeader cannot be null");
        Assert.notNull(observer, "observer cannot be null");
        this.authenticator = authenticator;
        this.reservedHeader = reservedHeader;
        this.observer = observer;
        this.dpop = (dpop != null && dpop.enabled()) ? dpop : null;
    }

    /** The DPoP step of the exchange's configuration, or {@code null} when DPoP is off there. */
    private DpopBinding dpopOf(ServerWebExchange exchange) {
        RequestChecks checks = this.pin.checks(exchange);
        return (checks != null) ? checks.dpop() : this.dpop;
    }

    /** Authenticates the exchange's request (its reserved identity headers already removed). */
    <C, T> Mono<T> run(ServerWebExchange exchange, C context, Outcome<C, T> outcome) {
        String token;
        GatewayIdentity identity;
        // the verifiers of the configuration the request runs on: a cache hit of an issuer it no longer trusts misses
        VerifierChain chain = null;
        Mono<DpopProof> proof = null;
        // the checks after verification are the configuration's: revocation (in the authenticator), then DPoP
        DpopBinding dpop = dpopOf(exchange);
        try {
            token = ((dpop != null) ? this.dpopExtractor : this.bearerExtractor).extract(exchange.getRequest());
            if (token == null) {
                // anonymous: the route's access policy decides whether that is enough
                return outcome.allowed(exchange, context);
            }
            chain = this.pin.verifiers(exchange);
            identity = this.authenticator.authenticateNow(token, chain);
            if (identity != null && dpop != null) {
                proof = proofOf(dpop, exchange, token, identity);
            }
        } catch (TokenRejectedException ex) {
            this.observer.rejected(exchange, ex.errorCode());
            return refused(dpop, exchange, context, outcome, ex);
        }
        if (identity != null) {
            if (proof == null) {
                this.observer.authenticated(exchange, identity);
                exchange.getAttributes().put(GatewayIdentity.ATTRIBUTE, identity);
                return outcome.allowed(exchange, context);
            }
            // the proof's jti must be new: the replay check may ask Redis
            GatewayIdentity proven = identity;
            return orRejection(proof).flatMap(result -> {
                if (result instanceof TokenRejectedException ex) {
                    this.observer.rejected(exchange, ex.errorCode());
                    return refused(dpop, exchange, context, outcome, ex);
                }
                this.observer.authenticated(exchange, proven);
                offerNonce(dpop, exchange);
                exchange.getAttributes().put(DpopBinding.ATTRIBUTE, result);
                exchange.getAttributes().put(GatewayIdentity.ATTRIBUTE, proven);
                return outcome.allowed(exchange, context);
            });
        }
        // the key must be fetched: the only reactive step of authentication
        AuthenticationObserver.Verification verification = this.observer.verifying(exchange);
        String verifiedToken = token;
        Mono<GatewayIdentity> verified = this.authenticator
                .verify(token, chain)
                .contextWrite(verification::contribute)
                .flatMap(candidate -> {
                    Mono<DpopProof> replay = (dpop != null) ? proofOf(dpop, exchange, verifiedToken, candidate) : null;
                    if (replay == null) {
                        return Mono.just(candidate);
                    }
                    return replay.doOnNext(p -> {
                                exchange.getAttributes().put(DpopBinding.ATTRIBUTE, p);
                                offerNonce(dpop, exchange);
                            })
                            .thenReturn(candidate);
                });
        return orRejection(verified).flatMap(result -> {
            if (result instanceof TokenRejectedException ex) {
                verification.rejected(ex.errorCode());
                return refused(dpop, exchange, context, outcome, ex);
            }
            GatewayIdentity known = (GatewayIdentity) result;
            verification.authenticated(known);
            exchange.getAttributes().put(GatewayIdentity.ATTRIBUTE, known);
            return outcome.allowed(exchange, context);
        });
    }

    /**
     * The value, or the {@link TokenRejectedException} it failed with, as a value: the door's continuation runs
     * outside the error handler, so an error of the door's own chain is never taken for a rejected token.
     */
    @SuppressWarnings("unchecked")
    private static Mono<Object> orRejection(Mono<?> step) {
        return ((Mono<Object>) step).onErrorResume(TokenRejectedException.class, Mono::just);
    }

    /** The DPoP step: {@code null} when the request passes as is, else the replay check to await. */
    private static Mono<DpopProof> proofOf(
            DpopBinding dpop, ServerWebExchange exchange, String token, GatewayIdentity identity) {
        return dpop.check(
                exchange.getRequest(), BearerTokenExtractor.dpopScheme(exchange.getRequest()), token, identity);
    }

    /** The response header carrying the server's DPoP nonce (RFC 9449 §8.1). */
    public static final String DPOP_NONCE = "DPoP-Nonce";

    /** RFC 9449 §8: the nonce the next proof must carry, with a request that used one (when nonces are on). */
    private static void offerNonce(DpopBinding dpop, ServerWebExchange exchange) {
        String nonce = dpop.currentNonce();
        if (nonce != null) {
            exchange.getResponse().getHeaders().set(DPOP_NONCE, nonce);
        }
    }

    private <C, T> Mono<T> refused(
            DpopBinding dpop,
            ServerWebExchange exchange,
            C context,
            Outcome<C, T> outcome,
            TokenRejectedException rejection) {
        if (rejection.errorCode() == ErrorCode.USE_DPOP_NONCE && dpop != null) {
            offerNonce(dpop, exchange);
        }
        if (logger.isDebugEnabled()) {
            // the code and our own description only: never the token
            logger.debug("Rejected " + exchange.getRequest().getPath() + ": "
                    + rejection.errorCode().code() + " (" + rejection.description() + ")");
        }
        return outcome.refused(
                exchange, context, new Decision.Problem(rejection.errorCode(), rejection.description(), null, -1));
    }

    /**
     * The exchange without the client's headers in the reserved identity namespace, nor any {@code Connection} token
     * naming one, so a client can neither forge an identity header nor make the gateway's own one disappear as a
     * hop-by-hop header. Allocation-free when there is nothing to remove (the usual case).
     */
    ServerWebExchange withoutReservedHeaders(ServerWebExchange exchange) {
        Predicate<String> reservedHeader = reservedHeader(exchange);
        if (!needsCleaning(exchange.getRequest(), reservedHeader)) {
            return exchange;
        }
        return exchange.mutate()
                .request(request -> request.headers(target -> clean(target, reservedHeader)))
                .build();
    }

    /**
     * The reserved identity namespace of the exchange's configuration (its prefix and the ones reloads retired), else
     * the startup one. Allocation-free.
     */
    Predicate<String> reservedHeader(ServerWebExchange exchange) {
        IdentitySettings pinned = this.pin.identitySettings(exchange);
        return (pinned != null) ? pinned.headers().reserved() : this.reservedHeader;
    }

    /**
     * Whether {@link #clean} has anything to remove: a header in the reserved namespace, or a {@code Connection}
     * option naming one. Read over Reactor Netty's header lines where they are the request's headers (every line,
     * every spelling: never fewer names than {@code headerNames()}, which keeps the first spelling of each), else over
     * {@code headerNames()}, which copies every name into a new map. A {@code Connection} header naming no reserved
     * header ({@code keep-alive}: every HTTP/1.1 browser request) leaves the request as it came.
     */
    private static boolean needsCleaning(ServerHttpRequest request, Predicate<String> reservedHeader) {
        io.netty.handler.codec.http.HttpHeaders received = ReceivedHeaders.of(request);
        if (received == null) {
            HttpHeaders headers = request.getHeaders();
            for (String name : headers.headerNames()) {
                if (reservedHeader.test(name)) {
                    return true;
                }
                List<String> values = HttpHeaders.CONNECTION.equalsIgnoreCase(name) ? headers.get(name) : null;
                if (values != null) {
                    for (String value : values) {
                        if (namesReserved(value, reservedHeader)) {
                            return true;
                        }
                    }
                }
            }
            return false;
        }
        Iterator<Map.Entry<CharSequence, CharSequence>> lines = received.iteratorCharSequence();
        while (lines.hasNext()) {
            Map.Entry<CharSequence, CharSequence> line = lines.next();
            String name = line.getKey().toString();
            if (reservedHeader.test(name)
                    || (HttpHeaders.CONNECTION.equalsIgnoreCase(name)
                            && namesReserved(line.getValue().toString(), reservedHeader))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a {@code Connection} value names a reserved header, its options read as {@link #clean} reads them. */
    private static boolean namesReserved(String connection, Predicate<String> reservedHeader) {
        int start = 0;
        while (start <= connection.length()) {
            int end = connection.indexOf(',', start);
            if (end < 0) {
                end = connection.length();
            }
            String option = connection.substring(start, end).trim();
            if (!option.isEmpty() && reservedHeader.test(option)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** Removes, in place, the headers in the reserved namespace and the {@code Connection} options naming one. */
    static void clean(HttpHeaders headers, Predicate<String> reservedHeader) {
        List<String> reserved = new ArrayList<>();
        for (String name : headers.headerNames()) {
            if (reservedHeader.test(name)) {
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
                    if (!option.isEmpty() && !reservedHeader.test(option)) {
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
}
