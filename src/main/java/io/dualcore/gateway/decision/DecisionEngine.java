package io.dualcore.gateway.decision;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.ConfigurationPin;
import io.dualcore.gateway.pipeline.IdentityHandOver;
import io.dualcore.gateway.pipeline.IdentitySettings;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimiter;
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
import java.util.function.Predicate;
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
 * The gateway's one decision: every front door runs these steps, each of which exists once, here or in the step
 * objects the engine owns.
 *
 * <ol>
 *   <li>canonical request: request-target rules ({@link RequestTarget}), the canonical path
 *       ({@link PathCanonicalizer}), the client's reserved identity headers removed;
 *   <li>authenticate ({@link AuthenticateStep}: the token, the verified-token cache or the verifiers, DPoP;
 *       synchronous on a cache hit, reactive only for a key fetch, a DPoP replay check or UserInfo);
 *   <li>route match: Spring Cloud Gateway's own routes and predicates; none is a 404 {@code no_route};
 *   <li>the route ({@link RouteStep}): the token checks it asks for ({@link RouteTokenChecks}: route DPoP, online
 *       introspection; 401 / 503), its access policy (401 / 403), its rate limit (429), the identity hand-over.
 * </ol>
 *
 * <p>Two ways in. The proxy door (the gateway port) runs the steps where Spring Cloud Gateway leaves room for them:
 * its web filter before routing calls {@link #authenticate}, SCG's {@code RoutePredicateHandlerMapping} matches the
 * route, its global filter after routing calls {@link #authorize} and forwards. It passes its filter chain as the
 * context of a reused {@link Outcome}: the hot path allocates no decision record (no {@link Decision}, no steps, no
 * header copies) since the exchange already carries the identity, the route and the hand-over. The other doors
 * (forward-auth, ext_authz, explain) call {@link #decide}, which runs the same steps on a described request and
 * answers the full {@link Decision} record. Telemetry observes the steps (the {@link Observers}), tagged with the
 * door.
 */
public final class DecisionEngine {

    /** The door of requests the gateway proxies itself. */
    public static final String GATEWAY_DOOR = "gateway";

    private static final Log logger = LogFactory.getLog(DecisionEngine.class);

    private final PathCanonicalizer canonicalizer;

    private final AuthenticateStep authentication;

    private final RouteLocator routes;

    private final RouteStep route;

    private final IdentityHeaders identityHeaders;

    private final RequestPathWebFilter.RefusalObserver refusals;

    /** Pins the configuration a decision runs on, once, for every step. */
    private final ConfigurationPin pin;

    /** What a decision does after authentication: match the route, then run its steps. */
    private final Outcome<Steps, Decision> authenticated = new Authenticated();

    /** What a decision records after the route's steps. */
    private final Outcome<Steps, Decision> routed = new Routed();

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
        this(
                canonicalizer,
                authenticator,
                routes,
                compiledRoutes,
                limiter,
                rateLimitHeaders,
                identityHeaders,
                signer,
                observers,
                null);
    }

    /** @param dpop the DPoP step every authenticated request passes, or {@code null} when no issuer uses DPoP */
    public DecisionEngine(
            PathCanonicalizer canonicalizer,
            TokenAuthenticator authenticator,
            RouteLocator routes,
            CompiledRoutes compiledRoutes,
            RateLimiter limiter,
            RateLimitHeaders rateLimitHeaders,
            IdentityHeaders identityHeaders,
            IdentityAssertionSigner signer,
            Observers observers,
            DpopBinding dpop) {
        this(
                canonicalizer,
                authenticator,
                identityHeaders::isReserved,
                routes,
                compiledRoutes,
                limiter,
                rateLimitHeaders,
                identityHeaders,
                signer,
                observers,
                dpop);
    }

    /**
     * @param reservedHeader whether a header name is in the reserved identity namespace (however spelled)
     * @param dpop the DPoP step every authenticated request passes, or {@code null} when no issuer uses DPoP
     */
    public DecisionEngine(
            PathCanonicalizer canonicalizer,
            TokenAuthenticator authenticator,
            Predicate<String> reservedHeader,
            RouteLocator routes,
            CompiledRoutes compiledRoutes,
            RateLimiter limiter,
            RateLimitHeaders rateLimitHeaders,
            IdentityHeaders identityHeaders,
            IdentityAssertionSigner signer,
            Observers observers,
            DpopBinding dpop) {
        this(
                canonicalizer,
                authenticator,
                reservedHeader,
                routes,
                compiledRoutes,
                limiter,
                rateLimitHeaders,
                identityHeaders,
                signer,
                observers,
                dpop,
                RouteTokenChecks.NONE,
                ConfigurationPin.NONE);
    }

    /**
     * @param reservedHeader whether a header name is in the reserved identity namespace (however spelled)
     * @param dpop the DPoP step every authenticated request passes, or {@code null} when no issuer uses DPoP
     * @param tokenChecks the token checks routes ask for (route DPoP, online introspection)
     * @param pin pins the configuration each decision runs on (routes, policies, plans, verifiers), read once per
     *     request
     */
    public DecisionEngine(
            PathCanonicalizer canonicalizer,
            TokenAuthenticator authenticator,
            Predicate<String> reservedHeader,
            RouteLocator routes,
            CompiledRoutes compiledRoutes,
            RateLimiter limiter,
            RateLimitHeaders rateLimitHeaders,
            IdentityHeaders identityHeaders,
            IdentityAssertionSigner signer,
            Observers observers,
            DpopBinding dpop,
            RouteTokenChecks tokenChecks,
            ConfigurationPin pin) {
        Assert.notNull(canonicalizer, "canonicalizer cannot be null");
        Assert.notNull(pin, "pin cannot be null");
        this.pin = pin;
        Assert.notNull(routes, "routes cannot be null");
        Assert.notNull(identityHeaders, "identityHeaders cannot be null");
        Assert.notNull(observers, "observers cannot be null");
        this.canonicalizer = canonicalizer;
        this.routes = routes;
        this.identityHeaders = identityHeaders;
        this.refusals = observers.refusals();
        this.authentication =
                new AuthenticateStep(authenticator, reservedHeader, observers.authentication(), dpop, pin);
        this.route = new RouteStep(
                compiledRoutes,
                limiter,
                rateLimitHeaders,
                signer,
                observers.pipeline(),
                tokenChecks,
                observers.authentication(),
                pin);
    }

    /**
     * The identity header contract of the exchange's configuration (the one pinned to it; else the startup one): the
     * names a decision hands over with, and the reserved namespace stripped from the client's headers.
     */
    public IdentityHeaders identityHeaders(ServerWebExchange exchange) {
        IdentitySettings pinned = this.pin.identitySettings(exchange);
        return (pinned != null) ? pinned.headers() : this.identityHeaders;
    }

    /**
     * Whether a header name is in the reserved identity namespace of the exchange's configuration (its prefix and the
     * ones reloads retired; else the startup one): a client's such header never reaches an upstream.
     */
    public Predicate<String> reservedHeader(ServerWebExchange exchange) {
        return this.authentication.reservedHeader(exchange);
    }

    // ---- the proxy door's steps (the exchange is the client's, routing is Spring Cloud Gateway's) ----

    /**
     * The authentication step on the client's own exchange: its reserved identity headers removed, then the token
     * verified; {@code outcome.allowed} gets the exchange carrying the identity (none when anonymous).
     */
    public <C, T> Mono<T> authenticate(ServerWebExchange exchange, C context, Outcome<C, T> outcome) {
        return this.authentication.run(this.authentication.withoutReservedHeaders(exchange), context, outcome);
    }

    /**
     * The matched route's steps: token checks, policy, rate limit, hand-over. {@code outcome.allowed} is the forwarding, observed
     * until it ends.
     *
     * @param routeId the matched route
     * @param responseHeaders where the route's {@code RateLimit} headers go (the client's response)
     */
    public <C, T> Mono<T> authorize(
            ServerWebExchange exchange, String routeId, HttpHeaders responseHeaders, C context, Outcome<C, T> outcome) {
        return this.route.run(exchange, routeId, responseHeaders, context, outcome);
    }

    // ---- a decision about a described request (every other door) ----

    /**
     * Decides about the described request: the steps of a proxied request, recorded.
     *
     * @param carrier the door's own exchange: its attributes and application context carry the decision; its
     *     request is replaced by the described one
     * @return the decision; never an error signal
     */
    public Mono<Decision> decide(ServerWebExchange carrier, DecisionRequest request) {
        // one configuration for every step of this decision, whatever a reload swaps in meanwhile
        return this.pin.pinned(carrier, () -> decidePinned(carrier, request));
    }

    private Mono<Decision> decidePinned(ServerWebExchange carrier, DecisionRequest request) {
        Steps steps = new Steps(request.door(), this.pin.version(carrier));
        // shared with the described exchange: telemetry tags the decision with the door
        carrier.getAttributes().put(PipelineObserver.DOOR_ATTRIBUTE, request.door());
        ServerWebExchange exchange;
        try {
            exchange = canonicalRequest(carrier, request, steps);
        } catch (Refusal refusal) {
            this.refusals.refused(carrier, refusal.code);
            return Mono.just(steps.refuse(null, new Decision.Problem(refusal.code, refusal.getMessage(), null, -1)));
        }
        return this.authentication.run(exchange, steps, this.authenticated);
    }

    /** After authentication: the first route whose predicate accepts the request, then the route's steps. */
    private final class Authenticated implements Outcome<Steps, Decision> {

        @Override
        public Mono<Decision> allowed(ServerWebExchange exchange, Steps steps) {
            GatewayIdentity identity = GatewayIdentity.from(exchange);
            steps.add(
                    "authenticate",
                    (identity != null) ? identity.mode().name() + " " + identity.issuer() : Mode.ANONYMOUS);
            return matchRoute(exchange)
                    .map(route -> Mono.defer(() -> {
                        steps.route(route.getId());
                        exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, route);
                        return DecisionEngine.this.route.run(
                                exchange, route.getId(), steps.responseHeaders, steps, DecisionEngine.this.routed);
                    }))
                    .defaultIfEmpty(Mono.fromSupplier(() -> {
                        steps.add("route", "none matches");
                        return steps.refuse(
                                identity,
                                new Decision.Problem(ErrorCode.NO_ROUTE, "No route matches this path", null, -1));
                    }))
                    .flatMap(decision -> decision);
        }

        @Override
        public Mono<Decision> refused(ServerWebExchange exchange, Steps steps, Decision.Problem problem) {
            steps.add("authenticate", "refused " + problem.code().code());
            return Mono.just(steps.refuse(null, problem));
        }
    }

    /** After the route's steps: the record, with the headers the proxy would write upstream. */
    private final class Routed implements Outcome<Steps, Decision> {

        @Override
        public Mono<Decision> allowed(ServerWebExchange exchange, Steps steps) {
            GatewayIdentity identity = GatewayIdentity.from(exchange);
            HttpHeaders upstream = new HttpHeaders();
            IdentityHandOver.Decision handOver = IdentityHandOver.recorded(exchange);
            if (identity != null) {
                IdentityHeaders names = identityHeaders(exchange);
                names.write(identity, upstream);
                if (handOver != null && handOver.assertion() != null) {
                    upstream.set(names.assertion, handOver.assertion());
                }
            }
            steps.add("hand-over", upstream.size() + " headers");
            return Mono.just(steps.allow(identity, upstream));
        }

        @Override
        public Mono<Decision> refused(ServerWebExchange exchange, Steps steps, Decision.Problem problem) {
            return Mono.just(steps.refuse(GatewayIdentity.from(exchange), problem));
        }

        @Override
        public void step(Steps steps, String name, String subject, String result) {
            steps.add(name, (subject != null) ? subject + " " + result : result);
        }
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
            if (!HttpHeaders.HOST.equalsIgnoreCase(name)) {
                headers.addAll(name, values);
            }
        });
        if (request.host() != null) {
            headers.set(HttpHeaders.HOST, request.host());
        }
        AuthenticateStep.clean(headers, this.authentication.reservedHeader(carrier));
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

        /** The client's response headers the route's steps write ({@code RateLimit}). */
        final HttpHeaders responseHeaders = new HttpHeaders();

        private String path;

        private String routeId;

        private final String configuration;

        Steps(String door, String configuration) {
            this.door = door;
            this.configuration = configuration;
        }

        void path(String canonical) {
            this.path = canonical;
            add("path", canonical);
        }

        void route(String id) {
            this.routeId = id;
            add("route", id);
        }

        void add(String name, String result) {
            this.steps.add(new Decision.Step(name, result));
        }

        Decision allow(GatewayIdentity identity, HttpHeaders upstream) {
            return new Decision(
                    this.door,
                    identity,
                    this.path,
                    this.routeId,
                    null,
                    upstream,
                    this.responseHeaders,
                    List.copyOf(this.steps),
                    this.configuration);
        }

        Decision refuse(GatewayIdentity identity, Decision.Problem problem) {
            return new Decision(
                    this.door,
                    identity,
                    this.path,
                    this.routeId,
                    problem,
                    new HttpHeaders(),
                    this.responseHeaders,
                    List.copyOf(this.steps),
                    this.configuration);
        }
    }
}
