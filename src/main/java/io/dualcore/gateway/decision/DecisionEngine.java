package io.dualcore.gateway.decision;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.auth.web.BearerTokenExtractor;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.pipeline.CompiledRoute;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.policy.AccessPolicy;
import io.dualcore.gateway.ratelimit.RateLimitDecision;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimitUnavailableException;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.RejectedPathException;
import io.dualcore.gateway.web.RequestPathWebFilter;
import io.dualcore.gateway.web.RequestTarget;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The gateway's decision about a request that is not proxied (forward-auth, ext_authz): the same steps, step
 * objects and route definitions as a proxied request, answered as a {@link Decision} record.
 *
 * <ol>
 *   <li>canonical request: request-target rules ({@link RequestTarget}), the canonical path
 *       ({@link PathCanonicalizer}), the client's reserved identity headers removed;
 *   <li>authenticate ({@link TokenAuthenticator}: synchronous on a cache hit or a known key, reactive only for a key
 *       fetch or UserInfo);
 *   <li>route match: Spring Cloud Gateway's own routes, in order, each route's predicate applied to the described
 *       request (as {@code RoutePredicateHandlerMapping} does); none is a 404 {@code no_route};
 *   <li>the route's access policy (401 / 403), then its rate limit (429);
 *   <li>identity hand-over: the identity headers and the assertion, exactly as the proxy writes them.
 * </ol>
 *
 * Telemetry observes the steps through the same observers as the proxied path.
 */
public final class DecisionEngine {

    private static final Log logger = LogFactory.getLog(DecisionEngine.class);

    private final BearerTokenExtractor extractor = new BearerTokenExtractor();

    private final PathCanonicalizer canonicalizer;

    private final TokenAuthenticator authenticator;

    private final RouteLocator routes;

    private final CompiledRoutes compiledRoutes;

    private final RateLimiter limiter;

    private final RateLimitHeaders rateLimitHeaders;

    private final IdentityHeaders identityHeaders;

    private final IdentityAssertionSigner signer;

    private final Observers observers;

    public DecisionEngine(
            PathCanonicalizer canonicalizer,
            TokenAuthenticator authenticator,
            RouteLocator routes,
            CompiledRoutes compiledRoutes,
            RateLimiter limiter,
            RateLimitHeaders rateLimitHeaders,
            IdentityHeaders identityHeaders,
            IdentityAssertionSigner signer,
            Observers observers) {
        Assert.notNull(canonicalizer, "canonicalizer cannot be null");
        Assert.notNull(authenticator, "authenticator cannot be null");
        Assert.notNull(routes, "routes cannot be null");
        Assert.notNull(compiledRoutes, "compiledRoutes cannot be null");
        Assert.notNull(limiter, "limiter cannot be null");
        Assert.notNull(rateLimitHeaders, "rateLimitHeaders cannot be null");
        Assert.notNull(identityHeaders, "identityHeaders cannot be null");
        Assert.notNull(signer, "signer cannot be null");
        Assert.notNull(observers, "observers cannot be null");
        this.canonicalizer = canonicalizer;
        this.authenticator = authenticator;
        this.routes = routes;
        this.compiledRoutes = compiledRoutes;
        this.limiter = limiter;
        this.rateLimitHeaders = rateLimitHeaders;
        this.identityHeaders = identityHeaders;
        this.signer = signer;
        this.observers = observers;
    }

    /**
     * Decides about the described request.
     *
     * @param carrier the door's own exchange: its attributes and application context carry the decision; its
     *     request is replaced by the described one
     * @return the decision; never an error signal
     */
    public Mono<Decision> decide(ServerWebExchange carrier, DecisionRequest request) {
        Steps steps = new Steps(request.door());
        // shared with the described exchange: telemetry tags the decision with the door
        carrier.getAttributes().put(PipelineObserver.DOOR_ATTRIBUTE, request.door());
        ServerWebExchange exchange;
        try {
            exchange = canonicalRequest(carrier, request, steps);
        } catch (Refusal refusal) {
            this.observers.refusals().refused(carrier, refusal.code);
            return Mono.just(steps.refuse(null, null, refusal.code, refusal.getMessage(), null, -1));
        }
        String token;
        GatewayIdentity identity;
        try {
            token = this.extractor.extract(exchange.getRequest());
            identity = (token != null) ? this.authenticator.authenticateNow(token) : null;
        } catch (TokenRejectedException ex) {
            this.observers.authentication().rejected(exchange, ex.errorCode());
            steps.add("authenticate", "refused " + ex.errorCode().code());
            return Mono.just(steps.refuse(null, null, ex.errorCode(), ex.description(), null, -1));
        }
        if (token == null || identity != null) {
            if (identity != null) {
                this.observers.authentication().authenticated(exchange, identity);
            }
            return authenticated(exchange, identity, steps);
        }
        AuthenticationObserver.Verification verification =
                this.observers.authentication().verifying(exchange);
        return this.authenticator
                .verify(token)
                .contextWrite(verification::contribute)
                .flatMap(verified -> {
                    verification.authenticated(verified);
                    return authenticated(exchange, verified, steps);
                })
                .onErrorResume(TokenRejectedException.class, ex -> {
                    verification.rejected(ex.errorCode());
                    steps.add("authenticate", "refused " + ex.errorCode().code());
                    return Mono.just(steps.refuse(null, null, ex.errorCode(), ex.description(), null, -1));
                });
    }

    private Mono<Decision> authenticated(ServerWebExchange exchange, GatewayIdentity identity, Steps steps) {
        steps.add("authenticate", (identity != null) ? identity.mode().value() + " " + identity.issuer() : "anonymous");
        if (identity != null) {
            exchange.getAttributes().put(GatewayIdentity.ATTRIBUTE, identity);
        }
        return matchRoute(exchange)
                .map(route -> Mono.defer(() -> routed(exchange, route.getId(), identity, steps)))
                .defaultIfEmpty(Mono.fromSupplier(() -> {
                    steps.add("route", "none matches");
                    return steps.refuse(identity, null, ErrorCode.NO_ROUTE, "No route matches this path", null, -1);
                }))
                .flatMap(decision -> decision);
    }

    /** The first route, in the gateway's order, whose predicate accepts the request: SCG's own look-up. */
    private Mono<Route> matchRoute(ServerWebExchange exchange) {
        return this.routes
                .getRoutes()
                .concatMap(route -> Mono.just(route)
                        .filterWhen(candidate -> {
                            exchange.getAttributes()
                                    .put(ServerWebExchangeUtils.GATEWAY_PREDICATE_ROUTE_ATTR, candidate.getId());
                            return Flux.from(candidate.getPredicate().apply(exchange))
                                    .next();
                        })
                        .onErrorResume(ex -> {
                            logger.error("Error applying predicate for route: " + route.getId(), ex);
                            return Mono.empty();
                        }))
                .next();
    }

    private Mono<Decision> routed(ServerWebExchange exchange, String routeId, GatewayIdentity identity, Steps steps) {
        steps.add("route", routeId);
        exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, routeId);
        PipelineObserver observer = this.observers.pipeline();
        CompiledRoute compiled = this.compiledRoutes.get(routeId);
        if (compiled == null) {
            steps.add("policy", "none");
            observer.authorized(exchange, routeId, identity, ErrorCode.NO_ROUTE_POLICY);
            return Mono.just(complete(
                    exchange,
                    steps.refuse(
                            identity,
                            routeId,
                            ErrorCode.NO_ROUTE_POLICY,
                            "This route has no access policy and is denied",
                            null,
                            -1)));
        }
        AccessPolicy.Denial denial = compiled.policy().check(identity, exchange.getRequest());
        observer.authorized(exchange, routeId, identity, (denial != null) ? denial.code() : null);
        if (denial != null) {
            steps.add("policy", "denied " + denial.code().code());
            return Mono.just(complete(
                    exchange,
                    steps.refuse(identity, routeId, denial.code(), denial.description(), denial.scope(), -1)));
        }
        steps.add("policy", "allowed");
        CompiledRoute.Limit limit = compiled.limitFor(identity);
        String who = (limit != null) ? limit.plan().key().of(identity, exchange) : null;
        if (who == null) {
            steps.add("rate limit", "none");
            return Mono.just(complete(exchange, handOver(compiled, identity, steps, null)));
        }
        RatePlan plan = limit.plan();
        String key = limit.keyPrefix() + who;
        RateLimitDecision now = this.limiter.consumeNow(key, plan);
        if (now != null) {
            return Mono.just(complete(exchange, limited(exchange, compiled, identity, plan, now, steps)));
        }
        return this.limiter
                .consume(key, plan)
                .map(decision -> complete(exchange, limited(exchange, compiled, identity, plan, decision, steps)))
                .onErrorResume(RateLimitUnavailableException.class, ex -> {
                    observer.rateLimited(exchange, plan, null);
                    steps.add("rate limit", plan.name() + " unavailable");
                    return Mono.just(complete(
                            exchange,
                            steps.refuse(
                                    identity,
                                    routeId,
                                    ErrorCode.RATE_LIMIT_UNAVAILABLE,
                                    "Rate limits cannot be checked right now",
                                    null,
                                    5)));
                });
    }

    private Decision limited(
            ServerWebExchange exchange,
            CompiledRoute route,
            GatewayIdentity identity,
            RatePlan plan,
            RateLimitDecision decision,
            Steps steps) {
        this.observers.pipeline().rateLimited(exchange, plan, decision);
        HttpHeaders response = new HttpHeaders();
        this.rateLimitHeaders.write(plan, decision, response);
        if (decision.allowed()) {
            steps.add("rate limit", plan.name() + " allowed");
            return handOver(route, identity, steps, response);
        }
        steps.add("rate limit", plan.name() + " exceeded");
        long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(decision.retryAfterNanos() + 999_999_999L));
        Decision refused = steps.refuse(
                identity,
                route.routeId(),
                ErrorCode.RATE_LIMITED,
                "Rate limit of plan " + plan.name() + " exceeded; retry in " + retryAfter + " s",
                null,
                retryAfter);
        refused.responseHeaders().addAll(response);
        return refused;
    }

    /** The headers the proxy would write upstream: the identity headers and, where the route asks, the assertion. */
    private Decision handOver(CompiledRoute route, GatewayIdentity identity, Steps steps, HttpHeaders response) {
        HttpHeaders upstream = new HttpHeaders();
        if (identity != null) {
            this.identityHeaders.write(identity, upstream);
            if (route.identityAssertion()) {
                upstream.set(this.identityHeaders.assertion, this.signer.assertionFor(identity, route.routeId()));
            }
        }
        steps.add("hand-over", upstream.size() + " headers");
        return steps.allow(identity, route.routeId(), upstream, (response != null) ? response : new HttpHeaders());
    }

    private Decision complete(ServerWebExchange exchange, Decision decision) {
        this.observers
                .pipeline()
                .completed(
                        exchange,
                        decision.routeId(),
                        decision.identity(),
                        decision.status(),
                        decision.allowed() ? null : decision.problem().code());
        return decision;
    }

    /**
     * The described request as the gateway's own first steps leave it: the request-target checked, the path
     * canonical, the client's reserved identity headers (and {@code Connection} options naming them) removed.
     */
    private ServerWebExchange canonicalRequest(ServerWebExchange carrier, DecisionRequest request, Steps steps) {
        String target = request.target();
        List<String> hosts = (request.host() != null) ? List.of(request.host()) : List.of("localhost");
        String problem = RequestTarget.problem(target, hosts, true);
        if (problem == null && (target.isEmpty() || target.charAt(0) != '/')) {
            problem = "the original URI is not a path";
        }
        if (problem == null && !isUri(target)) {
            // what the gateway's server refuses before any filter (web.ConnectionGuard): not a URI
            problem = "not a URI";
        }
        if (problem != null) {
            steps.add("path", "refused");
            throw new Refusal(ErrorCode.INVALID_REQUEST_TARGET, "Invalid request target: " + problem);
        }
        int query = target.indexOf('?');
        String rawPath = (query >= 0) ? target.substring(0, query) : target;
        String rawQuery = (query >= 0) ? target.substring(query + 1) : null;
        String canonical;
        try {
            canonical = this.canonicalizer.canonicalize(rawPath.isEmpty() ? "/" : rawPath);
        } catch (RejectedPathException ex) {
            steps.add("path", "refused");
            throw new Refusal(ErrorCode.INVALID_PATH, "Invalid request path: " + ex.getMessage());
        }
        URI uri;
        try {
            uri = URI.create(
                    request.scheme() + "://" + hosts.get(0) + canonical + ((rawQuery != null) ? "?" + rawQuery : ""));
        } catch (IllegalArgumentException ex) {
            steps.add("path", "refused");
            throw new Refusal(ErrorCode.INVALID_REQUEST_TARGET, "Invalid request target: not a URI");
        }
        steps.path(canonical);
        HttpHeaders headers = new HttpHeaders();
        request.headers().forEach((name, values) -> {
            if (!this.identityHeaders.isReserved(name) && !HttpHeaders.HOST.equalsIgnoreCase(name)) {
                headers.addAll(name, values);
            }
        });
        if (request.host() != null) {
            headers.set(HttpHeaders.HOST, request.host());
        }
        removeReservedConnectionOptions(headers);
        ServerHttpRequest described = carrier.getRequest()
                .mutate()
                .method(request.method())
                .uri(uri)
                .headers(target1 -> {
                    target1.clear();
                    target1.addAll(headers);
                })
                .build();
        InetSocketAddress client = request.client();
        if (client != null) {
            described = new ServerHttpRequestDecorator(described) {
                @Override
                public InetSocketAddress getRemoteAddress() {
                    return client;
                }
            };
        }
        return carrier.mutate().request(described).build();
    }

    private static boolean isUri(String target) {
        try {
            new URI("http://localhost" + target);
            return true;
        } catch (URISyntaxException ex) {
            return false;
        }
    }

    private void removeReservedConnectionOptions(HttpHeaders headers) {
        List<String> connection = headers.get(HttpHeaders.CONNECTION);
        if (connection == null) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String value : connection) {
            for (String option : value.split(",")) {
                String trimmed = option.trim();
                if (!trimmed.isEmpty() && !this.identityHeaders.isReserved(trimmed)) {
                    kept.add(trimmed);
                }
            }
        }
        if (kept.isEmpty()) {
            headers.remove(HttpHeaders.CONNECTION);
        } else {
            headers.put(HttpHeaders.CONNECTION, List.of(String.join(", ", kept)));
        }
    }

    /** What telemetry observes of a decision: the proxied path's own observers. */
    public record Observers(
            RequestPathWebFilter.RefusalObserver refusals,
            AuthenticationObserver authentication,
            PipelineObserver pipeline) {

        /** Observes nothing. */
        public static final Observers NONE = new Observers(
                RequestPathWebFilter.RefusalObserver.NONE, AuthenticationObserver.NONE, PipelineObserver.NONE);
    }

    /** A refusal of the canonical-request step. */
    private static final class Refusal extends RuntimeException {

        private final ErrorCode code;

        Refusal(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /** The steps recorded so far, and the records built from them. */
    private static final class Steps {

        private final String door;

        private final List<Decision.Step> steps = new ArrayList<>(6);

        private String path;

        Steps(String door) {
            this.door = door;
        }

        void path(String canonical) {
            this.path = canonical;
            add("path", canonical);
        }

        void add(String name, String result) {
            this.steps.add(new Decision.Step(name, result));
        }

        Decision allow(GatewayIdentity identity, String routeId, HttpHeaders upstream, HttpHeaders response) {
            return new Decision(
                    this.door, identity, this.path, routeId, null, upstream, response, List.copyOf(this.steps));
        }

        Decision refuse(
                GatewayIdentity identity,
                String routeId,
                ErrorCode code,
                String detail,
                String scope,
                long retryAfter) {
            return new Decision(
                    this.door,
                    identity,
                    this.path,
                    routeId,
                    new Decision.Problem(code, detail, scope, retryAfter),
                    new HttpHeaders(),
                    new HttpHeaders(),
                    List.copyOf(this.steps));
        }
    }
}
