package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.VerificationMode;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.VerifierChains;
import io.dualcore.gateway.auth.edge.DemoEdgeKey;
import io.dualcore.gateway.auth.edge.EdgeVerificationMode;
import io.dualcore.gateway.auth.edge.ReloadableEdgeKeyRing;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.telemetry.ModeHealthIndicator;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;

/**
 * The verification modes, registered in one place: each mode is a {@link VerificationMode} bean, and the
 * {@link VerificationModes} registry built from them is what configuration names resolve against. Each mode's
 * health is one component of readiness, named by its bean ({@code issuers}, {@code edgeKeys}).
 */
@Configuration(proxyBeanMethods = false)
class VerificationModesConfiguration {

    @Bean
    @Order(1)
    OidcVerificationMode oidcVerificationMode(
            ObjectProvider<VerifierChains> verifierChains, ObjectProvider<Clock> clock) {
        // the issuers in force: a realm added by a reload shows in health once its configuration is applied
        return new OidcVerificationMode(
                () -> verifierChains.getObject().current().verifiers().stream()
                        .filter(OidcTokenVerifier.class::isInstance)
                        .map(OidcTokenVerifier.class::cast)
                        .toList(),
                clock.getIfAvailable(Clock::systemUTC));
    }

    @Bean
    @Order(2)
    EdgeVerificationMode edgeVerificationMode(
            ObjectProvider<ReloadableEdgeKeyRing> edgeKeyRing, Environment environment) {
        return new EdgeVerificationMode(
                edgeKeyRing::getIfAvailable, environment.acceptsProfiles(Profiles.of(DemoEdgeKey.DEMO_PROFILE)));
    }

    /** Shown as {@code issuers} in health and readiness: the OIDC mode's JWKS and UserInfo per issuer. */
    @Bean
    ModeHealthIndicator issuersHealthIndicator(OidcVerificationMode oidc) {
        return new ModeHealthIndicator(oidc.health().orElseThrow());
    }

    /** Shown as {@code edgeKeys} in health and readiness: the edge mode's key ring. */
    @Bean
    ModeHealthIndicator edgeKeysHealthIndicator(EdgeVerificationMode edge) {
        return new ModeHealthIndicator(edge.health().orElseThrow());
    }

    @Bean
    VerificationModes verificationModes(ObjectProvider<VerificationMode> modes) {
        return VerificationModes.of(modes.orderedStream().toList());
    }
}
