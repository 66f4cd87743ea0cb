package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.web.AdminAuthenticator;
import io.dualcore.gateway.auth.web.AdminProperties;
import io.dualcore.gateway.live.ConfigurationReloader;
import io.dualcore.gateway.live.web.ConfigReloadHandler;
import io.dualcore.gateway.web.ProblemResponses;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.scheduler.Schedulers;

/** {@code POST :8081/admin/config/reload} on the management port (a child context: never on the gateway port). */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
public class ConfigReloadEndpointConfiguration {

    @Bean
    RouterFunction<ServerResponse> configReloadRoutes(
            ObjectProvider<AdminAuthenticator> adminAuthenticator,
            TokenAuthenticator tokenAuthenticator,
            AdminProperties adminProperties,
            VerificationModes verificationModes,
            ConfigurationReloader reloader,
            ProblemResponses authErrorResponses) {
        AdminAuthenticator admins = adminAuthenticator.getIfAvailable(() -> new AdminAuthenticator(
                tokenAuthenticator,
                adminProperties.role(),
                AdminAuthenticator.modes(adminProperties.modes(), verificationModes)));
        ConfigReloadHandler handler =
                new ConfigReloadHandler(admins, reloader, authErrorResponses, Schedulers.boundedElastic());
        return RouterFunctions.route()
                .POST(ConfigReloadHandler.PATH, handler::reload)
                .build();
    }
}
