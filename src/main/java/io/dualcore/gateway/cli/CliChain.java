package io.dualcore.gateway.cli;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.AuthSettingsCheck;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenVerifier;
import io.dualcore.gateway.auth.edge.EdgeTokenVerifier;
import io.dualcore.gateway.auth.edge.InMemoryReplayGuard;
import io.dualcore.gateway.auth.edge.ReloadableEdgeKeyRing;
import io.dualcore.gateway.auth.oidc.JwksKeySource;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import io.opentelemetry.api.OpenTelemetry;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.util.StringUtils;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The gateway's verification chain built from its configuration, as {@code AuthenticationConfiguration} builds it:
 * the same verifiers, key sources and key ring (without the verified-token cache, and with a fresh in-memory replay
 * guard).
 */
final class CliChain implements Closeable {

    final TokenAuthenticator authenticator;

    final List<OidcTokenVerifier> issuers = new ArrayList<>();

    final ReloadableEdgeKeyRing edgeKeys;

    private final Scheduler scheduler = Schedulers.newBoundedElastic(4, 1000, "cli-jwks");

    CliChain(AuthProperties properties, Clock clock) {
        List<String> problems = AuthSettingsCheck.issuerProblems(properties);
        if (!problems.isEmpty()) {
            throw new IllegalStateException(problems.get(0));
        }
        List<TokenVerifier> chain = new ArrayList<>();
        for (AuthProperties.Issuer issuer : properties.oidc().issuers()) {
            OidcTokenVerifier verifier = new OidcTokenVerifier(
                    issuer,
                    JwksKeySource.of(
                            issuer, clock, this.scheduler, OpenTelemetry.noop().getTracer("dualcore-cli")),
                    this.scheduler,
                    clock,
                    properties.clockSkew());
            this.issuers.add(verifier);
            chain.add(verifier);
        }
        AuthProperties.Edge edge = properties.edge();
        if (StringUtils.hasText(edge.issuer())) {
            this.edgeKeys =
                    new ReloadableEdgeKeyRing(edge.keys(), edge.keyDirectory(), edge.keyDirectoryRescan(), clock);
            chain.add(new EdgeTokenVerifier(
                    edge, this.edgeKeys, new InMemoryReplayGuard(1000, clock), clock, properties.clockSkew()));
        } else {
            this.edgeKeys = null;
        }
        this.authenticator = new TokenAuthenticator(chain, null, properties.maxTokenLength());
    }

    @Override
    public void close() throws IOException {
        for (OidcTokenVerifier verifier : this.issuers) {
            verifier.keys().close();
        }
        this.scheduler.dispose();
    }
}
