package io.dualcore.gateway.decision;

import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTParser;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.ConfigurationPin;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.ratelimit.RateLimitDecision;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.RequestPathWebFilter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.cloud.gateway.handler.AsyncPredicate;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.http.HttpHeaders;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Explains a decision: runs the {@link DecisionEngine}'s own steps (canonical path, authentication, the gateway's
 * routes and predicates in order, policy, rate-limit plan, hand-over) against the running configuration, and
 * records what each step saw, the route's token checks included (route DPoP, online introspection: the issuer is
 * asked, as the other doors ask it). Without side effects: a rate-limit token is never taken (the plan and key are
 * reported), a one-time edge token's {@code jti} and a DPoP proof's {@code jti} are never recorded (the
 * authenticator and the DPoP step given here have replay guards that record nothing: the proof's signature, key,
 * {@code htm}, {@code htu} and age are checked, a replay of it cannot be judged), and nothing reaches metrics or
 * the audit trail (the caller writes its own single audit line). Tokens never appear in full: see
 * {@link #fingerprint(String)}.
 */
public final class DecisionExplainer {

    /** The door explained decisions carry. */
    public static final String DOOR = "explain";

    private final PathCanonicalizer canonicalizer;

    private final TokenAuthenticator authenticator;

    private final RouteLocator routes;

    private final CompiledRoutes compiledRoutes;

    private final RateLimitHeaders rateLimitHeaders;

    private final IdentityHeaders identityHeaders;

    private final IdentityAssertionSigner signer;

    private final DpopBinding dpop;

    private final RouteTokenChecks tokenChecks;

    private final ConfigurationPin pin;

    /**
     * @param authenticator the running verifiers without side effects: no verified-token cache, and a replay guard
     *     that records nothing
     */
    public DecisionExplainer(
            PathCanonicalizer canonicalizer,
            TokenAuthenticator authenticator,
            RouteLocator routes,
            CompiledRoutes compiledRoutes,
            RateLimitHeaders rateLimitHeaders,
            IdentityHeaders identityHeaders,
            IdentityAssertionSigner signer) {
        this(
                canonicalizer,
                authenticator,
                routes,
                compiledRoutes,
                rateLimitHeaders,
                identityHeaders,
                signer,
                null,
                RouteTokenChecks.NONE,
                ConfigurationPin.NONE);
    }

    /**
     * @param authenticator the running verifiers without side effects: no verified-token cache, and a replay guard
     *     that records nothing
     * @param dpop the running DPoP step with a replay guard that records nothing, or {@code null} when no issuer nor
     *     route uses DPoP
     * @param tokenChecks the running route token checks
     * @param pin pins the configuration each explained decision runs on (its verifiers as explain verifies: without
     *     side effects)
     */
    public DecisionExplainer(
            PathCanonicalizer canonicalizer,
            TokenAuthenticator authenticator,
            RouteLocator routes,
            CompiledRoutes compiledRoutes,
            RateLimitHeaders rateLimitHeaders,
            IdentityHeaders identityHeaders,
            IdentityAssertionSigner signer,
            DpopBinding dpop,
            RouteTokenChecks tokenChecks,
            ConfigurationPin pin) {
        Assert.notNull(pin, "pin cannot be null");
        this.pin = pin;
        Assert.notNull(canonicalizer, "canonicalizer cannot be null");
        Assert.notNull(authenticator, "authenticator cannot be null");
        Assert.notNull(routes, "routes cannot be null");
        Assert.notNull(compiledRoutes, "compiledRoutes cannot be null");
        Assert.notNull(rateLimitHeaders, "rateLimitHeaders cannot be null");
        Assert.notNull(identityHeaders, "identityHeaders cannot be null");
        Assert.notNull(signer, "signer cannot be null");
        this.canonicalizer = canonicalizer;
        this.authenticator = authenticator;
        this.routes = routes;
        this.compiledRoutes = compiledRoutes;
        this.rateLimitHeaders = rateLimitHeaders;
        this.identityHeaders = identityHeaders;
        this.signer = signer;
        this.dpop = dpop;
        this.tokenChecks = (tokenChecks != null) ? tokenChecks : RouteTokenChecks.NONE;
    }

    /**
     * Explains the described request (its door is replaced by {@value #DOOR}).
     *
     * @param carrier the management request's exchange, whose request the engine replaces by the described one
     */
    public Mono<Explanation> explain(ServerWebExchange carrier, DecisionRequest request) {
        Recording recording = new Recording();
        DecisionEngine engine = new DecisionEngine(
                this.canonicalizer,
                this.authenticator,
                this.identityHeaders::isReserved,
                recording.tracing(this.routes),
                this.compiledRoutes,
                recording,
                this.rateLimitHeaders,
                this.identityHeaders,
                this.signer,
                recording.observers(),
                this.dpop,
                this.tokenChecks,
                this.pin);
        DecisionRequest explained = new DecisionRequest(
                DOOR,
                request.method(),
                request.target(),
                request.scheme(),
                request.host(),
                request.headers(),
                request.client());
        String token = bearer(request.headers());
        return engine.decide(carrier, explained)
                .map(decision ->
                        new Explanation(decision, recording, token, engine.identityHeaders(carrier).assertion));
    }

    private static String bearer(HttpHeaders headers) {
        String authorization = headers.getFirst(HttpHeaders.AUTHORIZATION);
        if (authorization == null) {
            return null;
        }
        int space = authorization.indexOf(' ');
        return (space > 0) ? authorization.substring(space + 1).strip() : null;
    }

    /**
     * How a token or other credential is shown: its first 8 characters and the first 12 hex digits of its SHA-256,
     * enough to tell two tokens apart and to find one in a client's logs, never enough to use it.
     */
    public static String fingerprint(String secret) {
        if (secret == null) {
            return null;
        }
        String head = secret.substring(0, Math.min(8, secret.length() / 4));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return head + "… (" + secret.length() + " chars, sha256:"
                    + HexFormat.of().formatHex(digest, 0, 6) + ")";
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is not available", ex);
        }
    }

    /** What the steps saw, per explained request; also its rate limiter (never taking a token) and observers. */
    static final class Recording implements RateLimiter {

        final List<Map<String, Object>> routesTried = new ArrayList<>();

        volatile GatewayIdentity identity;

        volatile ErrorCode authenticationRefusal;

        volatile ErrorCode policyDenial;

        volatile RatePlan plan;

        volatile String limitKey;

        RouteLocator tracing(RouteLocator routes) {
            return () -> routes.getRoutes().map(this::traced);
        }

        private Route traced(Route route) {
            AsyncPredicate<ServerWebExchange> predicate = route.getPredicate();
            AsyncPredicate<ServerWebExchange> recorded = exchange -> Flux.from(predicate.apply(exchange))
                    .next()
                    .defaultIfEmpty(false)
                    .doOnNext(matched -> {
                        Map<String, Object> tried = new LinkedHashMap<>();
                        tried.put("id", route.getId());
                        tried.put("matched", matched);
                        if (!matched) {
                            // SCG's own description of the predicate (path patterns, mode, claim...)
                            tried.put("predicate", String.valueOf(predicate));
                        }
                        synchronized (this.routesTried) {
                            this.routesTried.add(tried);
                        }
                    });
            return Route.async()
                    .id(route.getId())
                    .uri(route.getUri())
                    .order(route.getOrder())
                    .asyncPredicate(recorded)
                    .replaceFilters(route.getFilters())
                    .metadata(route.getMetadata())
                    .build();
        }

        DecisionEngine.Observers observers() {
            AuthenticationObserver authentication = new AuthenticationObserver() {
                @Override
                public void authenticated(ServerWebExchange exchange, GatewayIdentity identity) {
                    Recording.this.identity = identity;
                }

                @Override
                public void rejected(ServerWebExchange exchange, ErrorCode code) {
                    Recording.this.authenticationRefusal = code;
                }

                @Override
                public Verification verifying(ServerWebExchange exchange) {
                    return new Verification() {
                        @Override
                        public void authenticated(GatewayIdentity identity) {
                            Recording.this.identity = identity;
                        }

                        @Override
                        public void rejected(ErrorCode code) {
                            Recording.this.authenticationRefusal = code;
                        }
                    };
                }
            };
            PipelineObserver pipeline = new PipelineObserver() {
                @Override
                public void authorized(
                        ServerWebExchange exchange, String routeId, GatewayIdentity identity, ErrorCode code) {
                    Recording.this.policyDenial = code;
                }
            };
            return new DecisionEngine.Observers(RequestPathWebFilter.RefusalObserver.NONE, authentication, pipeline);
        }

        /** Records the plan and key, and lets the request pass without taking a token. */
        @Override
        public RateLimitDecision consumeNow(String key, RatePlan plan) {
            this.plan = plan;
            this.limitKey = key;
            return new RateLimitDecision(true, plan.limit(), plan.limit(), 0, 0, "explain", false);
        }

        @Override
        public Mono<RateLimitDecision> consume(String key, RatePlan plan) {
            return Mono.just(consumeNow(key, plan));
        }
    }

    /** An explained decision: the engine's record and what each step saw, rendered by {@link #toMap()}. */
    public static final class Explanation {

        private final Decision decision;

        private final Recording recording;

        private final String token;

        private final String assertionHeader;

        Explanation(Decision decision, Recording recording, String token, String assertionHeader) {
            this.decision = decision;
            this.recording = recording;
            this.token = token;
            this.assertionHeader = assertionHeader;
        }

        public Decision decision() {
            return this.decision;
        }

        /** The explanation as JSON members, in step order; never a token or an assertion in full. */
        public Map<String, Object> toMap() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("door", DOOR);
            out.put("outcome", this.decision.allowed() ? "allowed" : "refused");
            out.put("status", this.decision.status());
            if (this.decision.configuration() != null) {
                // the version of the configuration the decision ran on (a content hash, no setting)
                out.put("configuration", this.decision.configuration());
            }
            if (!this.decision.allowed()) {
                Decision.Problem problem = this.decision.problem();
                Map<String, Object> refusal = new LinkedHashMap<>();
                refusal.put("code", problem.code().code());
                refusal.put("detail", problem.detail());
                if (problem.scope() != null) {
                    refusal.put("scope", problem.scope());
                }
                out.put("problem", refusal);
            }
            out.put("token", (this.token != null) ? fingerprint(this.token) : null);
            List<Map<String, Object>> steps = new ArrayList<>();
            boolean authenticateSeen = false;
            for (Decision.Step step : this.decision.steps()) {
                Map<String, Object> rendered = new LinkedHashMap<>();
                rendered.put("step", step.name());
                rendered.put("result", step.result());
                switch (step.name()) {
                    case "authenticate" -> {
                        authenticateSeen = true;
                        rendered.put("detail", authentication());
                    }
                    case "route" -> rendered.put("detail", Map.of("tried", tried()));
                    case "policy" -> {
                        if (this.recording.policyDenial != null) {
                            Map<String, Object> denial = new LinkedHashMap<>();
                            denial.put("code", this.recording.policyDenial.code());
                            denial.put("detail", this.decision.problem().detail());
                            rendered.put("detail", denial);
                        }
                    }
                    case "rate limit" -> {
                        if (this.recording.plan != null) {
                            rendered.put("result", this.recording.plan.name() + " not consumed");
                            rendered.put("detail", limit());
                        }
                    }
                    case "hand-over" -> rendered.put("detail", Map.of("headers", handedOver()));
                    default -> {}
                }
                steps.add(rendered);
            }
            if (!authenticateSeen && this.token != null && this.decision.path() != null) {
                // refused before the authentication step could report (not the case today: kept for safety)
                steps.add(Map.of("step", "authenticate", "result", "not reached"));
            }
            out.put("steps", steps);
            return out;
        }

        private Map<String, Object> authentication() {
            Map<String, Object> detail = new LinkedHashMap<>();
            GatewayIdentity identity = this.recording.identity;
            if (this.token == null) {
                detail.put("why", "no credential in the request: anonymous, the route's policy decides");
                return detail;
            }
            Map<String, Object> unverified = unverified(this.token);
            if (identity != null) {
                detail.put("mode", identity.mode().name());
                detail.put(
                        "why",
                        "the token's issuer " + identity.issuer() + " is a trusted "
                                + identity.mode().name() + " issuer (realm " + identity.realm() + ")");
                detail.put("issuer", identity.issuer());
                detail.put("realm", identity.realm());
                detail.put("keyId", identity.keyId());
                detail.put("subject", identity.subject());
                detail.put("roles", identity.roles());
                detail.put("scopes", identity.scopes());
                detail.put("expiresAt", String.valueOf(identity.expiresAt()));
                detail.put("claims", identity.claims());
                if (identity.userInfo() != null && !identity.userInfo().isEmpty()) {
                    detail.put("userInfo", identity.userInfo());
                }
                if (identity.claims().containsKey("cnf")) {
                    detail.put(
                            "dpop",
                            "the token is bound to a key (cnf); explain checks the DPoP proof (key, signature, htm,"
                                    + " htu, age) but cannot judge a replay: it never records the proof's jti");
                }
                if (identity.claims().containsKey("jti") && identity.mode().oneTimeTokens()) {
                    detail.put("replay", "not checked: explain never records a one-time token's jti");
                }
            } else {
                detail.put(
                        "refused",
                        (this.recording.authenticationRefusal != null)
                                ? this.recording.authenticationRefusal.code()
                                : this.decision.problem().code().code());
                detail.put("detail", this.decision.problem().detail());
                detail.put("unverified", unverified);
            }
            return detail;
        }

        /** What the token says about itself before verification (header and a few claims), for a refused token. */
        private static Map<String, Object> unverified(String token) {
            Map<String, Object> seen = new LinkedHashMap<>();
            try {
                JWT jwt = JWTParser.parse(token);
                seen.put("alg", jwt.getHeader().getAlgorithm().getName());
                if (jwt.getHeader() instanceof com.nimbusds.jose.JWSHeader jws && jws.getKeyID() != null) {
                    seen.put("kid", jws.getKeyID());
                }
                var claims = jwt.getJWTClaimsSet();
                seen.put("iss", claims.getIssuer());
                seen.put("sub", claims.getSubject());
                seen.put("aud", claims.getAudience());
                seen.put(
                        "exp",
                        (claims.getExpirationTime() != null)
                                ? claims.getExpirationTime().toInstant().toString()
                                : null);
            } catch (ParseException | RuntimeException ex) {
                seen.put("parse", "not a JWT");
            }
            return seen;
        }

        private List<Map<String, Object>> tried() {
            synchronized (this.recording.routesTried) {
                return List.copyOf(this.recording.routesTried);
            }
        }

        private Map<String, Object> limit() {
            RatePlan plan = this.recording.plan;
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("plan", plan.name());
            detail.put("key", this.recording.limitKey);
            detail.put("limit", plan.limit());
            detail.put("window", String.valueOf(plan.window()));
            detail.put("consumed", false);
            return detail;
        }

        private Map<String, String> handedOver() {
            Map<String, String> headers = new LinkedHashMap<>();
            this.decision.upstreamHeaders().forEach((name, values) -> {
                String value = String.join(", ", values);
                // the assertion is a signed token: shown as a fingerprint like the caller's
                headers.put(name, name.equalsIgnoreCase(this.assertionHeader) ? fingerprint(value) : value);
            });
            return headers;
        }
    }
}
