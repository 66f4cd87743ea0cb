package io.dualcore.gateway.auth;

import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.dpop.DpopMode;
import io.dualcore.gateway.auth.dpop.DpopProofVerifier;
import io.dualcore.gateway.auth.edge.ReplayGuard;
import io.dualcore.gateway.auth.introspection.Introspections;
import io.dualcore.gateway.auth.introspection.TokenIntrospector;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.springframework.util.Assert;

/**
 * Compiles the {@link RequestChecks} of each configuration from its issuers' {@code dpop} and {@code introspection}
 * settings and its routes' {@code dpop} and {@code introspect}, with the checks startup and {@code config check} do
 * (the first problem refuses the candidate, naming the property).
 *
 * <p>What must outlive one configuration is shared by every configuration it compiles: the DPoP proof verifier (its
 * nonces) and the {@code jti} replay guard (local or Redis), so a proof replayed across a reload is still refused; and
 * the introspection client of an issuer whose introspection settings did not change, with its positive cache and its
 * circuit breaker. An introspection client no configuration in force holds any more is dropped ({@link #retain}).
 */
public final class RequestChecksCompiler {

    private final DpopProofVerifier proofs;

    private final ReplayGuard replayGuard;

    private final String externalBaseUrl;

    private final Clock clock;

    private final Function<AuthProperties.Issuer, TokenIntrospector> introspectors;

    /** The introspection clients built, by the settings they were built from. */
    private final Map<IntrospectorSettings, TokenIntrospector> built = new LinkedHashMap<>();

    /**
     * @param proofs verifies DPoP proofs (shared: its nonces outlive a configuration)
     * @param replayGuard remembers the proofs' {@code jti} (shared)
     * @param externalBaseUrl the scheme, host and port clients reach the gateway at, or {@code null}
     */
    public RequestChecksCompiler(
            DpopProofVerifier proofs, ReplayGuard replayGuard, String externalBaseUrl, Clock clock) {
        this(proofs, replayGuard, externalBaseUrl, clock, issuer -> new TokenIntrospector(issuer, clock));
    }

    /** @param introspectors builds the introspection client of an issuer (once per distinct settings) */
    public RequestChecksCompiler(
            DpopProofVerifier proofs,
            ReplayGuard replayGuard,
            String externalBaseUrl,
            Clock clock,
            Function<AuthProperties.Issuer, TokenIntrospector> introspectors) {
        Assert.notNull(proofs, "proofs cannot be null");
        Assert.notNull(replayGuard, "replayGuard cannot be null");
        Assert.notNull(clock, "clock cannot be null");
        Assert.notNull(introspectors, "introspectors cannot be null");
        this.proofs = proofs;
        this.replayGuard = replayGuard;
        this.externalBaseUrl = externalBaseUrl;
        this.clock = clock;
        this.introspectors = introspectors;
    }

    /**
     * The checks of a configuration.
     *
     * @param auth the configuration's authentication settings
     * @param byRoute the configuration's route checks by route id (routes asking for nothing may be left out)
     * @throws IllegalStateException naming the first problem of the settings
     */
    public synchronized RequestChecks compile(AuthProperties auth, Map<String, RequestChecks.RouteChecks> byRoute) {
        Assert.notNull(auth, "auth cannot be null");
        Assert.notNull(byRoute, "byRoute cannot be null");
        List<TokenIntrospector> clients = new ArrayList<>();
        Map<String, DpopMode> modes = new LinkedHashMap<>();
        for (AuthProperties.Issuer issuer : auth.oidc().issuers()) {
            AuthProperties.Introspection introspection = issuer.introspection();
            if (introspection.configured()) {
                clients.add(this.built.computeIfAbsent(
                        IntrospectorSettings.of(issuer), settings -> this.introspectors.apply(issuer)));
            } else if (introspection.opaqueTokens() || introspection.always()) {
                throw new IllegalStateException("dualcore.auth.oidc.issuers[" + issuer.name()
                        + "].introspection needs a client-id and client-secret for opaque-tokens or always;"
                        + " register a confidential client at the issuer and set them (the secret from an env var)");
            }
            if (issuer.dpop() != DpopMode.OFF) {
                modes.put(issuer.issuerUri(), issuer.dpop());
            }
        }
        Map<String, RequestChecks.RouteChecks> routes = new LinkedHashMap<>();
        byRoute.forEach((id, checks) -> {
            if (checks.any()) {
                routes.put(id, checks);
            }
        });
        boolean routeIntrospects = routes.values().stream().anyMatch(RequestChecks.RouteChecks::introspect);
        if (routeIntrospects && clients.isEmpty()) {
            throw new IllegalStateException("A route of dualcore.routes sets introspect: true, but no issuer configures"
                    + " dualcore.auth.oidc.issuers[*].introspection (client-id, client-secret); every request of"
                    + " that route would be refused");
        }
        boolean routesUseDpop = routes.values().stream().anyMatch(checks -> checks.dpop() != DpopMode.OFF);
        Introspections introspections;
        try {
            introspections = new Introspections(clients, auth.oidc().issuers(), this.clock, auth.clockSkew());
        } catch (IllegalArgumentException ex) {
            throw new IllegalStateException(ex.getMessage(), ex);
        }
        DpopBinding dpop = new DpopBinding(modes, this.proofs, this.replayGuard, this.externalBaseUrl, routesUseDpop);
        return new RequestChecks(dpop, introspections, routes);
    }

    /** The DPoP step of a configuration in which neither an issuer nor a route uses DPoP (for its challenge's algs). */
    public DpopBinding noDpop() {
        return new DpopBinding(Map.of(), this.proofs, this.replayGuard, this.externalBaseUrl, false);
    }

    /** The checks of the configuration now in force: the introspection clients it no longer holds are dropped. */
    public synchronized void retain(RequestChecks active) {
        Assert.notNull(active, "active cannot be null");
        Introspections introspections = active.introspections();
        for (Iterator<TokenIntrospector> it = this.built.values().iterator(); it.hasNext(); ) {
            TokenIntrospector client = it.next();
            if (introspections == null || !introspections.introspectors().containsValue(client)) {
                it.remove();
            }
        }
    }

    /** What an introspection client is built from: the same settings give the same client (and its cache). */
    private record IntrospectorSettings(
            String name, String issuerUri, String metadataUri, AuthProperties.Introspection introspection) {

        static IntrospectorSettings of(AuthProperties.Issuer issuer) {
            return new IntrospectorSettings(
                    issuer.name(), issuer.issuerUri(), issuer.metadataUri(), issuer.introspection());
        }
    }
}
