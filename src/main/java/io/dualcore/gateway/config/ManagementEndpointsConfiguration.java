package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.VerifierChain;
import io.dualcore.gateway.auth.VerifierChains;
import io.dualcore.gateway.auth.edge.EdgeTokenVerifier;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import io.dualcore.gateway.auth.revocation.LogoutTokenValidator;
import io.dualcore.gateway.auth.revocation.LogoutTokenValidators;
import io.dualcore.gateway.auth.revocation.RevocationProperties;
import io.dualcore.gateway.auth.revocation.Revocations;
import io.dualcore.gateway.auth.revocation.web.BackchannelLogoutHandler;
import io.dualcore.gateway.auth.revocation.web.RevocationAdminHandler;
import io.dualcore.gateway.auth.web.AdminAuthenticator;
import io.dualcore.gateway.auth.web.AdminProperties;
import io.dualcore.gateway.live.LiveConfiguration;
import io.dualcore.gateway.web.ProblemResponses;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The gateway's own endpoints on the management port (a child context of its own, so they are never served on the
 * gateway port): the OIDC Back-Channel Logout receiver and the admin API of revocations (README "Revocation and
 * back-channel logout").
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "dualcore.revocation.enabled", matchIfMissing = true)
public class ManagementEndpointsConfiguration {

    /** How many logout-token ids each realm remembers against replays. */
    private static final long REMEMBERED_LOGOUTS = 100_000;

    @Bean
    AdminAuthenticator adminAuthenticator(
            TokenAuthenticator tokenAuthenticator, AdminProperties properties, VerificationModes verificationModes) {
        return new AdminAuthenticator(
                tokenAuthenticator, properties.role(), AdminAuthenticator.modes(properties.modes(), verificationModes));
    }

    @Bean
    RouterFunction<ServerResponse> revocationRoutes(
            RevocationProperties properties,
            AuthProperties authProperties,
            VerifierChains verifierChains,
            Revocations revocations,
            AdminAuthenticator adminAuthenticator,
            ProblemResponses authErrorResponses,
            ObjectProvider<LiveConfiguration> liveConfiguration,
            Clock clock) {
        // the realms of the configuration in force, read per request: a realm added or removed live counts at once
        RevocationAdminHandler admin = new RevocationAdminHandler(
                adminAuthenticator,
                revocations,
                authErrorResponses,
                () -> realms(verifierChains.current()),
                clock,
                properties.defaultTtl(),
                properties.maxTtl());
        RouterFunctions.Builder routes = RouterFunctions.route()
                .GET(RevocationAdminHandler.PATH, admin::list)
                .POST(RevocationAdminHandler.PATH, admin::revoke)
                .DELETE(RevocationAdminHandler.PATH, admin::lift);
        RevocationProperties.BackchannelLogout logout = properties.backchannelLogout();
        if (logout.enabled()) {
            // the clients of the configuration in force, read per logout: a realm added live can name its own
            LiveConfiguration live = liveConfiguration.getIfAvailable();
            Map<String, List<String>> startupClients = logout.clients();
            Supplier<Map<String, List<String>>> clients =
                    (live != null) ? () -> live.current().logoutClients() : () -> startupClients;
            LogoutTokenValidators validators = LogoutTokenValidators.atStartup(
                    verifierChains::current,
                    clients,
                    (verifier, configured) -> new LogoutTokenValidator(
                            verifier,
                            logoutClients(verifier, configured),
                            clock,
                            logout.maxAge(),
                            authProperties.clockSkew(),
                            authProperties.maxTokenLength(),
                            REMEMBERED_LOGOUTS));
            BackchannelLogoutHandler handler = new BackchannelLogoutHandler(
                    validators::forRealm,
                    revocations,
                    authErrorResponses,
                    clock,
                    properties.tokenLifetime(),
                    logout.maxBodySize(),
                    logout.scope());
            routes.POST(BackchannelLogoutHandler.PATH, handler::logout);
        }
        return routes.build();
    }

    /** The realms a revocation may name: the issuers of a chain, and {@code edge}. */
    private static Set<String> realms(VerifierChain chain) {
        Set<String> realms = new LinkedHashSet<>();
        chain.verifiers().forEach(verifier -> realms.add(verifier.name()));
        realms.add(EdgeTokenVerifier.REALM);
        return realms;
    }

    /** The configured clients of a realm, else its authorized parties and audiences. */
    private static Set<String> logoutClients(OidcTokenVerifier verifier, List<String> configured) {
        if (configured != null && !configured.isEmpty()) {
            return Set.copyOf(configured);
        }
        Set<String> clients = new LinkedHashSet<>(verifier.settings().authorizedParties());
        clients.addAll(verifier.settings().audiences());
        return clients;
    }
}
