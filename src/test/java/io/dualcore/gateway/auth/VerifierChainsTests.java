package io.dualcore.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import io.dualcore.gateway.auth.oidc.JwksKeySource;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import reactor.core.Disposables;
import reactor.core.scheduler.Schedulers;

/**
 * Issuers changed live: what a reload keeps (the verifier, its JWKS, its cached tokens), what it drops at once (a
 * removed or changed issuer's cached tokens), and what it refuses (insane issuer settings).
 */
class VerifierChainsTests {

    private static final String A = "https://idp.test/realms/a";

    private static final String B = "https://idp.test/realms/b";

    private static final String C = "https://idp.test/realms/c";

    private static final Map<String, RSAKey> KEYS =
            Map.of(A, TestChain.KEY_A, B, TestChain.KEY_B, C, TestTokens.rsaKey("realm-c-key-1"));

    /** Every key source built, by issuer URI, in build order: a new one for each verifier. */
    private final Map<String, List<JwksKeySource>> sources = new LinkedHashMap<>();

    private final List<String> closed = new ArrayList<>();

    private final List<String> started = new ArrayList<>();

    private VerifierChains chains;

    private TokenAuthenticator authenticator;

    @AfterEach
    void close() {
        if (this.chains != null) {
            this.chains.close();
        }
    }

    private void start(Map<String, String> settings) {
        this.chains = new VerifierChains(
                auth(settings),
                issuer -> {
                    JwksKeySource keys = JwksKeySource.of(
                            new TestChain.MutableJwkSetSource(KEYS.get(issuer.issuerUri())),
                            TestChain.DEFAULT_JWKS,
                            Clock.systemUTC());
                    this.sources
                            .computeIfAbsent(issuer.issuerUri(), uri -> new ArrayList<>())
                            .add(keys);
                    return new OidcTokenVerifier(
                            issuer, keys, Schedulers.immediate(), Clock.systemUTC(), TestChain.CLOCK_SKEW);
                },
                verifier -> {
                    this.started.add(verifier.name());
                    return Disposables.single();
                },
                verifier -> this.closed.add(verifier.name()),
                List.of(),
                Set.of());
        this.authenticator = new TokenAuthenticator(
                this.chains::current,
                new VerifiedTokenCache(1_000, Clock.systemUTC()),
                TestChain.MAX_TOKEN_LENGTH,
                List.of(),
                null);
    }

    private static Map<String, String> issuers(String... names) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            String uri = "https://idp.test/realms/" + names[i];
            settings.put("dualcore.auth.oidc.issuers[" + i + "].name", "realm-" + names[i]);
            settings.put("dualcore.auth.oidc.issuers[" + i + "].issuer-uri", uri);
            settings.put("dualcore.auth.oidc.issuers[" + i + "].jwks-uri", uri + "/certs");
            settings.put("dualcore.auth.oidc.issuers[" + i + "].audiences[0]", TestTokens.AUDIENCE);
        }
        return settings;
    }

    private static AuthProperties auth(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("dualcore.auth", AuthProperties.class);
    }

    private VerifierChain reload(Map<String, String> settings) {
        VerifierChain chain = this.chains.chain(auth(settings));
        this.chains.retain(chain);
        return chain;
    }

    private GatewayIdentity accept(String token, VerifierChain chain) {
        GatewayIdentity identity = this.authenticator.authenticateNow(token, chain);
        return (identity != null)
                ? identity
                : this.authenticator.verify(token, chain).block();
    }

    private void assertRefused(String token, VerifierChain chain, ErrorCode code) {
        assertThatThrownBy(() -> accept(token, chain))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(code));
    }

    private long fetches(String issuerUri) {
        return this.sources.get(issuerUri).stream()
                .mapToLong(JwksKeySource::fetchCount)
                .sum();
    }

    @Test
    void chainWhenIssuerUnchangedThenSameVerifierItsJwksAndCachedTokensKept() {
        start(issuers("a", "b"));
        VerifierChain before = this.chains.current();
        String token = TestChain.realmAToken().sign();
        accept(token, before);
        long fetchesOfA = fetches(A);
        long hits = this.authenticator.cacheHits();

        VerifierChain after = reload(issuers("a", "b", "c"));

        assertThat(after).isNotSameAs(before);
        assertThat(after.forIssuer(A)).isSameAs(before.forIssuer(A));
        assertThat(after.forIssuer(B)).isSameAs(before.forIssuer(B));
        assertThat(accept(token, after).issuer()).isEqualTo(A);
        assertThat(this.authenticator.cacheHits()).isEqualTo(hits + 1);
        assertThat(fetches(A)).isEqualTo(fetchesOfA);
        assertThat(this.sources.get(A)).hasSize(1);
        assertThat(this.sources.get(B)).hasSize(1);
        assertThat(this.closed).isEmpty();
        assertThat(this.started).containsExactly("realm-a", "realm-b", "realm-c");
    }

    @Test
    void chainWhenSameIssuersAgainThenSameChain() {
        start(issuers("a", "b"));
        VerifierChain before = this.chains.current();

        assertThat(this.chains.chain(auth(issuers("a", "b")))).isSameAs(before);
    }

    @Test
    void cachedWhenIssuerRemovedThenRefusedAtOnceWhileRequestsOnTheOldChainFinish() {
        start(issuers("a", "b"));
        VerifierChain before = this.chains.current();
        String token = TestChain.realmBToken().sign();
        accept(token, before);

        VerifierChain after = reload(issuers("a"));

        assertRefused(token, after, ErrorCode.UNTRUSTED_ISSUER);
        assertThat(accept(token, before).issuer()).isEqualTo(B);
        assertThat(this.closed).containsExactly("realm-b");
    }

    @Test
    void cachedWhenIssuerAudienceChangedThenVerifiedAgainWithTheNewSettings() {
        start(issuers("a"));
        String token = TestChain.realmAToken().sign();
        accept(token, this.chains.current());
        Map<String, String> stricter = issuers("a");
        stricter.put("dualcore.auth.oidc.issuers[0].audiences[0]", "another-audience");

        VerifierChain after = reload(stricter);

        assertRefused(token, after, ErrorCode.AUDIENCE_MISMATCH);
        assertThat(this.sources.get(A)).hasSize(2);
        assertThat(this.closed).containsExactly("realm-a");
    }

    @Test
    void untrustedIssuerWhenRealmAddedLiveThenItsTokensVerifyWithinOneJwksFetch() {
        start(issuers("a"));
        String token = TestTokens.oidc((RSAKey) KEYS.get(C), C).sign();
        assertRefused(token, this.chains.current(), ErrorCode.UNTRUSTED_ISSUER);

        VerifierChain after = reload(issuers("a", "c"));

        assertThat(accept(token, after).realm()).isEqualTo("realm-c");
        assertThat(fetches(C)).isEqualTo(1);
        assertThat(fetches(A)).isZero();
    }

    @Test
    void chainWhenIssuerDpopDiffersFromStartupThenNewVerifierForThatIssuerOnly() {
        start(issuers("a", "c"));
        Map<String, String> withDpop = issuers("a", "c");
        withDpop.put("dualcore.auth.oidc.issuers[1].dpop", "required");

        VerifierChain after = this.chains.chain(auth(withDpop));

        assertThat(after.forIssuer(A)).isSameAs(this.chains.current().forIssuer(A));
        assertThat(after.forIssuer(C)).isNotSameAs(this.chains.current().forIssuer(C));
    }

    @Test
    void chainWhenIssuerSettingsInsaneThenRefused() {
        start(issuers("a"));
        Map<String, String> twice = issuers("a", "b");
        twice.put("dualcore.auth.oidc.issuers[1].issuer-uri", A);

        assertThatThrownBy(() -> this.chains.chain(auth(twice)))
                .isInstanceOfAny(IllegalStateException.class, IllegalArgumentException.class);
        assertThat(this.chains.current().forIssuer(A)).isNotNull();
    }
}
