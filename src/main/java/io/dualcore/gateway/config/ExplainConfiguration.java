package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.IdentityCheck;
import io.dualcore.gateway.auth.RequestChecks;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.TokenVerifier;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.VerifierChain;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.edge.EdgeTokenVerifier;
import io.dualcore.gateway.auth.edge.ReloadableEdgeKeyRing;
import io.dualcore.gateway.auth.edge.ReplayGuard;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import io.dualcore.gateway.auth.web.AdminAuthenticator;
import io.dualcore.gateway.auth.web.AdminProperties;
import io.dualcore.gateway.decision.DecisionExplainer;
import io.dualcore.gateway.decision.RouteTokenChecks;
import io.dualcore.gateway.explain.ExplainHandler;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.live.LiveConfiguration;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.ConfigurationPin;
import io.dualcore.gateway.pipeline.IdentitySettings;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimitProperties;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.ProblemResponses;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.annotation.Bean;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code POST /admin/explain} on the management port (README "Explain"): the decision engine's steps against the
 * running configuration, with an authenticator of the same verifiers and identity checks but no side effects (no
 * verified-token cache, an edge replay guard that records nothing).
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "dualcore.explain.enabled", matchIfMissing = true)
public class ExplainConfiguration {

    /** Explain never records a one-time token's or a DPoP proof's jti: every use is reported as a first use. */
    private static final ReplayGuard NOTHING_RECORDED = (issuer, jti, expiresAt) -> Mono.just(true);

    /** The running DPoP step, with a replay guard that records nothing; {@code null} when DPoP is off everywhere. */
    private static DpopBinding explaining(DpopBinding running) {
        return (running != null && running.enabled()) ? running.withReplayGuard(NOTHING_RECORDED) : null;
    }

    /**
     * The running configuration's pin, its verifiers as explain verifies: the edge verifier one that records no
     * replay (a new chain per explained request; explain is an admin's question, not the hot path).
     */
    private static ConfigurationPin explaining(ConfigurationPin live, EdgeTokenVerifier explainingEdge) {
        return new ConfigurationPin() {

            @Override
            public <T> Mono<T> pinned(ServerWebExchange exchange, Supplier<Mono<T>> work) {
                return live.pinned(exchange, work);
            }

            @Override
            public VerifierChain verifiers(ServerWebExchange exchange) {
                VerifierChain running = live.verifiers(exchange);
                if (running == null || explainingEdge == null) {
                    return running;
                }
                return running.map(verifier -> (verifier instanceof EdgeTokenVerifier) ? explainingEdge : verifier);
            }

            @Override
            public RequestChecks checks(ServerWebExchange exchange) {
                // the configuration's DPoP step with a replay guard that records nothing
                RequestChecks running = live.checks(exchange);
                return (running != null) ? running.withReplayGuard(NOTHING_RECORDED) : null;
            }

            @Override
            public String version(ServerWebExchange exchange) {
                return live.version(exchange);
            }

            @Override
            public IdentitySettings identitySettings(ServerWebExchange exchange) {
                return live.identitySettings(exchange);
            }
        };
    }

    @Bean
    RouterFunction<ServerResponse> explainRoutes(
            ObjectProvider<AdminAuthenticator> adminAuthenticator,
            AdminProperties adminProperties,
            VerificationModes verificationModes,
            TokenAuthenticator tokenAuthenticator,
            AuthProperties authProperties,
            List<OidcTokenVerifier> oidcTokenVerifiers,
            ObjectProvider<ReloadableEdgeKeyRing> edgeKeyRing,
            ObjectProvider<IdentityCheck> identityChecks,
            Clock clock,
            PathCanonicalizer pathCanonicalizer,
            RouteLocator routeLocator,
            CompiledRoutes compiledRoutes,
            RateLimitProperties rateLimitProperties,
            IdentityHeaders identityHeaders,
            IdentityAssertionSigner identityAssertionSigner,
            ProblemResponses authErrorResponses,
            ObjectProvider<DpopBinding> dpopBinding,
            ObjectProvider<RouteTokenChecks> routeTokenChecks,
            ObjectProvider<LiveConfiguration> liveConfiguration) {
        AdminAuthenticator admins = adminAuthenticator.getIfAvailable(() -> new AdminAuthenticator(
                tokenAuthenticator,
                adminProperties.role(),
                AdminAuthenticator.modes(adminProperties.modes(), verificationModes)));
        List<TokenVerifier> chain = new ArrayList<>(oidcTokenVerifiers);
        AuthProperties.Edge edge = authProperties.edge();
        ReloadableEdgeKeyRing ring = edgeKeyRing.getIfAvailable();
        EdgeTokenVerifier explainingEdge = null;
        if (StringUtils.hasText(edge.issuer()) && ring != null) {
            explainingEdge = new EdgeTokenVerifier(edge, ring, NOTHING_RECORDED, clock, authProperties.clockSkew());
            chain.add(explainingEdge);
        }
        TokenAuthenticator explaining = new TokenAuthenticator(
                chain,
                null,
                authProperties.maxTokenLength(),
                identityChecks.orderedStream().toList());
        DecisionExplainer explainer = new DecisionExplainer(
                pathCanonicalizer,
                explaining,
                routeLocator,
                compiledRoutes,
                new RateLimitHeaders(rateLimitProperties.headers()),
                identityHeaders,
                identityAssertionSigner,
                explaining(dpopBinding.getIfAvailable()),
                routeTokenChecks.getIfAvailable(() -> RouteTokenChecks.NONE),
                explaining(DecisionConfiguration.pin(liveConfiguration), explainingEdge));
        ExplainHandler.AdminCheck admin = request -> admins.authenticate(request)
                .map(GatewayIdentity::subject)
                .onErrorMap(
                        TokenRejectedException.class,
                        ex -> new ExplainHandler.Refused(ex.errorCode(), ex.description()));
        ExplainHandler handler = new ExplainHandler(admin, explainer, authErrorResponses);
        return RouterFunctions.route()
                .POST(ExplainHandler.PATH, handler::explain)
                .build();
    }
}
