package io.dualcore.gateway.auth.revocation;

import io.dualcore.gateway.auth.TokenVerifier;
import io.dualcore.gateway.auth.VerifierChain;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.Assert;

/**
 * The logout-token validator of each realm of the configuration in force, so a realm added by a live reload accepts
 * logout tokens at once and a removed realm's are refused at once (README "Live configuration reload").
 *
 * <p>A validator is kept for as long as the configuration in force holds the very verifier it was built on: an
 * unchanged issuer keeps its validator and its {@code jti} replay cache across reloads (as {@code VerifierChains}
 * keeps the verifier). An issuer added or changed gets a new one. The realms are resolved again only when the chain
 * in force is another object; a request otherwise reads one volatile reference.
 */
public final class LogoutTokenValidators {

    private static final Log logger = LogFactory.getLog(LogoutTokenValidators.class);

    private final Supplier<VerifierChain> chain;

    private final Function<OidcTokenVerifier, LogoutTokenValidator> factory;

    private volatile Resolved resolved = new Resolved(null, Map.of(), Map.of());

    /**
     * @param chain the verifier chain of the configuration in force
     * @param factory builds the validator of one realm's verifier; an {@link IllegalArgumentException} (no client id
     *     to accept as {@code aud}) leaves that realm refusing logouts, logged once
     */
    public LogoutTokenValidators(
            Supplier<VerifierChain> chain, Function<OidcTokenVerifier, LogoutTokenValidator> factory) {
        Assert.notNull(chain, "chain cannot be null");
        Assert.notNull(factory, "factory cannot be null");
        this.chain = chain;
        this.factory = factory;
    }

    /**
     * Builds the validators of the chain now in force.
     *
     * @throws IllegalArgumentException when a realm of it has no client id to accept (a startup error)
     */
    public static LogoutTokenValidators atStartup(
            Supplier<VerifierChain> chain, Function<OidcTokenVerifier, LogoutTokenValidator> factory) {
        LogoutTokenValidators validators = new LogoutTokenValidators(chain, factory);
        validators.resolved = validators.resolve(chain.get(), true);
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
        Resolved resolved = this.resolved;
        if (resolved.chain == now) {
            return resolved;
        }
        synchronized (this) {
            resolved = this.resolved;
            if (resolved.chain != now) {
                resolved = resolve(now, false);
                this.resolved = resolved;
            }
            return resolved;
        }
    }

    private Resolved resolve(VerifierChain now, boolean strict) {
        Map<OidcTokenVerifier, LogoutTokenValidator> byVerifier = new IdentityHashMap<>();
        Map<String, LogoutTokenValidator> byRealm = new LinkedHashMap<>();
        if (now != null) {
            for (TokenVerifier verifier : now.verifiers()) {
                if (!(verifier instanceof OidcTokenVerifier oidc)) {
                    continue;
                }
                LogoutTokenValidator validator = this.resolved.byVerifier.get(oidc);
                if (validator == null) {
                    try {
                        validator = this.factory.apply(oidc);
                    } catch (IllegalArgumentException ex) {
                        if (strict) {
                            throw ex;
                        }
                        logger.warn("Realm " + oidc.name() + " refuses back-channel logouts: " + ex.getMessage());
                        continue;
                    }
                }
                byVerifier.put(oidc, validator);
                byRealm.put(oidc.name(), validator);
            }
        }
        return new Resolved(now, Collections.unmodifiableMap(byVerifier), Collections.unmodifiableMap(byRealm));
    }

    private record Resolved(
            VerifierChain chain,
            Map<OidcTokenVerifier, LogoutTokenValidator> byVerifier,
            Map<String, LogoutTokenValidator> byRealm) {}
}
