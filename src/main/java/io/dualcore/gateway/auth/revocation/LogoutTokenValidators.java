package io.dualcore.gateway.auth.revocation;

import io.dualcore.gateway.auth.TokenVerifier;
import io.dualcore.gateway.auth.VerifierChain;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.Assert;

/**
 * The logout-token validator of each realm of the configuration in force, so a realm added by a live reload accepts
 * logout tokens at once and a removed realm's are refused at once, and a realm's configured logout clients
 * ({@code dualcore.revocation.backchannel-logout.clients}) follow the configuration in force too (README "Live
 * configuration reload").
 *
 * <p>A validator is kept for as long as the configuration in force holds the very verifier it was built on: an
 * unchanged issuer keeps its validator and its {@code jti} replay cache across reloads (as {@code VerifierChains}
 * keeps the verifier) while its configured clients stay the same. An issuer added or changed, or given other clients,
 * gets a new one. The realms are resolved again only when the chain
 * in force is another object; a request otherwise reads one volatile reference.
 */
public final class LogoutTokenValidators {

    private static final Log logger = LogFactory.getLog(LogoutTokenValidators.class);

    private final Supplier<VerifierChain> chain;

    private final Supplier<Map<String, List<String>>> clients;

    private final BiFunction<OidcTokenVerifier, List<String>, LogoutTokenValidator> factory;

    private volatile Resolved resolved = new Resolved(null, Map.of(), Map.of(), Map.of());

    /**
     * @param chain the verifier chain of the configuration in force
     * @param factory builds the validator of one realm's verifier; an {@link IllegalArgumentException} (no client id
     *     to accept as {@code aud}) leaves that realm refusing logouts, logged once
     */
    public LogoutTokenValidators(
            Supplier<VerifierChain> chain, Function<OidcTokenVerifier, LogoutTokenValidator> factory) {
        this(chain, Map::of, (verifier, clients) -> factory.apply(verifier));
    }

    /**
     * @param chain the verifier chain of the configuration in force
     * @param clients the configured logout clients of the configuration in force, by realm
     *     ({@code dualcore.revocation.backchannel-logout.clients}; read per logout, compared by identity)
     * @param factory builds the validator of one realm's verifier and its configured clients (empty when none is
     *     listed); an {@link IllegalArgumentException} (no client id to accept as {@code aud}) leaves that realm
     *     refusing logouts, logged once
     */
    public LogoutTokenValidators(
            Supplier<VerifierChain> chain,
            Supplier<Map<String, List<String>>> clients,
            BiFunction<OidcTokenVerifier, List<String>, LogoutTokenValidator> factory) {
        Assert.notNull(chain, "chain cannot be null");
        Assert.notNull(clients, "clients cannot be null");
        Assert.notNull(factory, "factory cannot be null");
        this.chain = chain;
        this.clients = clients;
        this.factory = factory;
    }

    /**
     * Builds the validators of the chain now in force.
     *
     * @throws IllegalArgumentException when a realm of it has no client id to accept (a startup error)
     */
    public static LogoutTokenValidators atStartup(
            Supplier<VerifierChain> chain, Function<OidcTokenVerifier, LogoutTokenValidator> factory) {
        return atStartup(chain, Map::of, (verifier, clients) -> factory.apply(verifier));
    }

    /**
     * Builds the validators of the chain and the logout clients now in force.
     *
     * @throws IllegalArgumentException when a realm of it has no client id to accept (a startup error)
     */
    public static LogoutTokenValidators atStartup(
            Supplier<VerifierChain> chain,
            Supplier<Map<String, List<String>>> clients,
            BiFunction<OidcTokenVerifier, List<String>, LogoutTokenValidator> factory) {
        LogoutTokenValidators validators = new LogoutTokenValidators(chain, clients, factory);
        validators.resolved = validators.resolve(chain.get(), clients.get(), true);
        return validators;
    }

    /** The validator of a realm of the configuration in force, or {@code null} when no such realm takes logouts. */
    public LogoutTokenValidator forRealm(String realm) {
        return current().byRealm.get(realm);
    }

    /** The realms that take logout tokens now. */
    public Set<String> realms() {
        return current().byRealm.keySet();
    }

    private Resolved current() {
        VerifierChain now = this.chain.get();
        Map<String, List<String>> clients = this.clients.get();
        Resolved resolved = this.resolved;
        if (resolved.chain == now && resolved.clients == clients) {
            return resolved;
        }
        synchronized (this) {
            resolved = this.resolved;
            if (resolved.chain != now || resolved.clients != clients) {
                resolved = resolve(now, clients, false);
                this.resolved = resolved;
            }
            return resolved;
        }
    }

    private Resolved resolve(VerifierChain now, Map<String, List<String>> clients, boolean strict) {
        Map<OidcTokenVerifier, Built> byVerifier = new IdentityHashMap<>();
        Map<String, LogoutTokenValidator> byRealm = new LinkedHashMap<>();
        if (now != null) {
            for (TokenVerifier verifier : now.verifiers()) {
                if (!(verifier instanceof OidcTokenVerifier oidc)) {
                    continue;
                }
                List<String> configured = clients.getOrDefault(oidc.name(), List.of());
                Built built = this.resolved.byVerifier.get(oidc);
                if (built == null || !built.clients.equals(configured)) {
                    // a new or changed issuer, or other configured clients: a new validator (and replay cache)
                    try {
                        built = new Built(this.factory.apply(oidc, configured), configured);
                    } catch (IllegalArgumentException ex) {
                        if (strict) {
                            throw ex;
                        }
                        logger.warn("Realm " + oidc.name() + " refuses back-channel logouts: " + ex.getMessage());
                        continue;
                    }
                }
                byVerifier.put(oidc, built);
                byRealm.put(oidc.name(), built.validator);
            }
        }
        return new Resolved(
                now, clients, Collections.unmodifiableMap(byVerifier), Collections.unmodifiableMap(byRealm));
    }

    /** A realm's validator and the configured clients it was built with. */
    private record Built(LogoutTokenValidator validator, List<String> clients) {}

    private record Resolved(
            VerifierChain chain,
            Map<String, List<String>> clients,
            Map<OidcTokenVerifier, Built> byVerifier,
            Map<String, LogoutTokenValidator> byRealm) {}
}
