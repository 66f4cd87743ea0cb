package io.dualcore.gateway.auth;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.springframework.util.Assert;

/**
 * The verifiers a configuration trusts, by the issuer ({@code iss}) each claims: one immutable set, part of the
 * configuration a request runs on. A reload that changes the issuers builds another one; a verifier whose settings did
 * not change is the same object in both (its JWKS cache and its verified tokens stay), so whether a verdict of the
 * verified-token cache still stands is a question of identity: {@link #holds}.
 */
public final class VerifierChain {

    /** Trusts nobody. */
    public static final VerifierChain EMPTY = new VerifierChain(List.of());

    private final List<TokenVerifier> verifiers;

    private final Map<String, TokenVerifier> byIssuer;

    /** Whether this chain says who verifies opaque tokens (else the authenticator's own verifier does). */
    private final boolean opaqueManaged;

    /** The opaque tokens' verifier of this configuration, or {@code null}. */
    private final OpaqueTokenVerifier opaque;

    /**
     * @param verifiers the chain, in order; issuers are unique
     * @throws IllegalArgumentException when two verifiers claim the same issuer
     */
    public VerifierChain(List<TokenVerifier> verifiers) {
        Assert.noNullElements(verifiers, "verifiers cannot be null or hold null");
        Map<String, TokenVerifier> issuers = new LinkedHashMap<>();
        for (TokenVerifier verifier : verifiers) {
            TokenVerifier previous = issuers.putIfAbsent(verifier.issuer(), verifier);
            Assert.isNull(
                    previous,
                    () -> "Issuer " + verifier.issuer() + " is configured twice (" + previous.name() + " and "
                            + verifier.name() + "); each issuer must map to exactly one trust domain");
        }
        this.verifiers = List.copyOf(verifiers);
        this.byIssuer = Map.copyOf(issuers);
        this.opaqueManaged = false;
        this.opaque = null;
    }

    private VerifierChain(VerifierChain chain, OpaqueTokenVerifier opaque) {
        this.verifiers = chain.verifiers;
        this.byIssuer = chain.byIssuer;
        this.opaqueManaged = true;
        this.opaque = opaque;
    }

    /**
     * The same verifiers, with the configuration's verifier of opaque tokens (its issuers' introspection).
     *
     * @param opaque what verifies opaque tokens, or {@code null} when no issuer of the configuration takes them
     */
    public VerifierChain withOpaqueTokens(OpaqueTokenVerifier opaque) {
        return (this.opaqueManaged && this.opaque == opaque) ? this : new VerifierChain(this, opaque);
    }

    /**
     * What verifies opaque tokens with this chain: the configuration's own (possibly none) when it set one, else
     * {@code fallback} (the authenticator's).
     */
    public OpaqueTokenVerifier opaqueTokens(OpaqueTokenVerifier fallback) {
        return this.opaqueManaged ? this.opaque : fallback;
    }

    /** The verifier claiming this {@code iss}, or {@code null} (an untrusted issuer). */
    public TokenVerifier forIssuer(String issuer) {
        return (issuer != null) ? this.byIssuer.get(issuer) : null;
    }

    /**
     * Whether this very verifier is the one this chain trusts for its issuer: {@code false} once its issuer was removed
     * or its settings changed (another verifier then claims the issuer). No allocation: called on every cache hit.
     */
    public boolean holds(TokenVerifier verifier) {
        return this.byIssuer.get(verifier.issuer()) == verifier;
    }

    /** The verifiers, in order. */
    public List<TokenVerifier> verifiers() {
        return this.verifiers;
    }

    /** The verifiers by issuer. */
    public Map<String, TokenVerifier> byIssuer() {
        return this.byIssuer;
    }

    /** This chain with each verifier replaced by what {@code replacement} answers for it (explain's side-effect-free one). */
    public VerifierChain map(UnaryOperator<TokenVerifier> replacement) {
        VerifierChain mapped =
                new VerifierChain(this.verifiers.stream().map(replacement).toList());
        return this.opaqueManaged ? mapped.withOpaqueTokens(this.opaque) : mapped;
    }

    /** Whether both chains hold the very same verifiers, in the same order. */
    public boolean sameVerifiers(List<? extends TokenVerifier> others) {
        if (others.size() != this.verifiers.size()) {
            return false;
        }
        for (int i = 0; i < others.size(); i++) {
            if (others.get(i) != this.verifiers.get(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "VerifierChain"
                + this.verifiers.stream().map(TokenVerifier::name).toList();
    }
}
