package io.dualcore.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetUnavailableException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import io.dualcore.gateway.auth.edge.EdgeKeyRing;
import io.dualcore.gateway.auth.edge.EdgeTokenVerifier;
import io.dualcore.gateway.auth.edge.InMemoryReplayGuard;
import io.dualcore.gateway.auth.oidc.JwksKeySource;
import io.dualcore.gateway.auth.oidc.JwtExtensions;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import io.dualcore.gateway.web.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A realistic verification chain for unit tests: three OIDC issuers over mutable in-memory JWKS ("realm-a" and
 * "realm-b" RS256, "realm-ec" ES256; realm B only accepts the {@code dualcore-service} client), then the edge
 * verifier ({@code edge-1} HS256, {@code edge-2} HS512), all in one {@link TokenAuthenticator} with the
 * verified-token cache on. Keys are generated once per JVM; sources, verifiers and caches are fresh per chain.
 */
public final class TestChain {

    public static final String ISSUER_A = "https://idp.test/realms/a";

    public static final String ISSUER_B = "https://idp.test/realms/b";

    public static final String ISSUER_EC = "https://idp.test/realms/ec";

    public static final String ISSUER_UNTRUSTED = "https://idp.test/realms/untrusted";

    public static final String EDGE_ISSUER = "dualcore-edge";

    public static final String AUDIENCE = TestTokens.AUDIENCE;

    /** The only client realm B accepts. */
    public static final String REALM_B_CLIENT = "dualcore-service";

    public static final int MAX_TOKEN_LENGTH = 8192;

    public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    public static final RSAKey KEY_A = TestTokens.rsaKey("realm-a-key-1");

    public static final RSAKey KEY_B = TestTokens.rsaKey("realm-b-key-1");

    public static final ECKey KEY_EC = TestTokens.ecKey("realm-ec-key-1");

    /** A genuine key of an issuer nobody trusts. */
    public static final RSAKey KEY_UNTRUSTED = TestTokens.rsaKey("untrusted-key-1");

    public static final String EDGE_KID_256 = "edge-1";

    public static final String EDGE_KID_512 = "edge-2";

    public static final byte[] EDGE_SECRET_256 = randomBytes(32);

    public static final byte[] EDGE_SECRET_512 = randomBytes(64);

    /** The production-like JWKS settings. */
    public static final AuthProperties.Jwks DEFAULT_JWKS = new AuthProperties.Jwks(
            Duration.ofMinutes(5),
            Duration.ofSeconds(30),
            Duration.ofSeconds(1),
            Duration.ofHours(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            51200,
            Duration.ofSeconds(3));

    public final MutableJwkSetSource jwksA = new MutableJwkSetSource(KEY_A);

    public final MutableJwkSetSource jwksB = new MutableJwkSetSource(KEY_B);

    public final MutableJwkSetSource jwksEc = new MutableJwkSetSource(KEY_EC);

    public final JwksKeySource keysA;

    public final JwksKeySource keysB;

    public final JwksKeySource keysEc;

    public final OidcTokenVerifier realmA;

    public final OidcTokenVerifier realmB;

    public final OidcTokenVerifier realmEc;

    public final EdgeTokenVerifier edge;

    public final VerifiedTokenCache cache;

    public final TokenAuthenticator authenticator;

    private TestChain(Options options) {
        Clock clock = Clock.systemUTC();
        this.keysA = JwksKeySource.of(this.jwksA, options.jwks, clock);
        this.keysB = JwksKeySource.of(this.jwksB, options.jwks, clock);
        this.keysEc = JwksKeySource.of(this.jwksEc, options.jwks, clock);
        this.realmA = new OidcTokenVerifier(
                issuer("realm-a", ISSUER_A, List.of("RS256"), List.of(), options.jwks),
                this.keysA,
                Schedulers.immediate(),
                Clock.systemUTC(),
                CLOCK_SKEW,
                options.realmAExtensions);
        this.realmB =
                oidc(issuer("realm-b", ISSUER_B, List.of("RS256"), List.of(REALM_B_CLIENT), options.jwks), this.keysB);
        this.realmEc = oidc(issuer("realm-ec", ISSUER_EC, List.of("ES256"), List.of(), options.jwks), this.keysEc);
        AuthProperties.Edge edgeSettings = new AuthProperties.Edge(
                EDGE_ISSUER,
                List.of(AUDIENCE),
                Duration.ofMinutes(10),
                options.edgeTokenType,
                options.replayProtection,
                options.edgeKeys);
        this.edge = new EdgeTokenVerifier(
                edgeSettings,
                EdgeKeyRing.of(options.edgeKeys),
                options.replayProtection ? new InMemoryReplayGuard(10_000, clock) : null,
                clock,
                CLOCK_SKEW);
        this.cache = new VerifiedTokenCache(10_000, clock);
        this.authenticator = new TokenAuthenticator(
                List.of(this.realmA, this.realmB, this.realmEc, this.edge), this.cache, MAX_TOKEN_LENGTH);
    }

    /** The default chain. */
    public static TestChain create() {
        return new Options().build();
    }

    public static Options options() {
        return new Options();
    }

    private static AuthProperties.Issuer issuer(
            String name,
            String issuerUri,
            List<String> algorithms,
            List<String> authorizedParties,
            AuthProperties.Jwks jwks) {
        return TestIssuers.issuer(name, issuerUri)
                .audiences(List.of(AUDIENCE))
                .algorithms(algorithms)
                .authorizedParties(authorizedParties)
                .jwks(jwks)
                .build();
    }

    private static OidcTokenVerifier oidc(AuthProperties.Issuer settings, JwksKeySource keys) {
        return new OidcTokenVerifier(settings, keys, Schedulers.immediate(), Clock.systemUTC(), CLOCK_SKEW);
    }

    // ---- tokens

    /** A valid realm A access token builder. */
    public static TestTokens.Builder realmAToken() {
        return TestTokens.oidc(KEY_A, ISSUER_A);
    }

    /** A valid realm B access token builder. */
    public static TestTokens.Builder realmBToken() {
        return TestTokens.oidc(KEY_B, ISSUER_B);
    }

    /** A valid realm EC access token (ES256), signed over exactly these claims. */
    public static String realmEcToken() {
        return TestTokens.signedRaw(
                header("ES256", KEY_EC.getKeyID()),
                payloadOf(TestTokens.oidc(KEY_A, ISSUER_EC).sign()),
                TestTokens.signer(KEY_EC),
                JWSAlgorithm.ES256);
    }

    /** A valid edge token builder signed HS256 with {@code edge-1}. */
    public static TestTokens.Builder edgeToken() {
        return TestTokens.edge(EDGE_KID_256, EDGE_SECRET_256, JWSAlgorithm.HS256, EDGE_ISSUER);
    }

    /** A valid edge token builder signed HS512 with {@code edge-2}. */
    public static TestTokens.Builder edgeToken512() {
        return TestTokens.edge(EDGE_KID_512, EDGE_SECRET_512, JWSAlgorithm.HS512, EDGE_ISSUER);
    }

    /** A minimal JOSE header JSON. */
    public static String header(String alg, String kid) {
        return "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}";
    }

    /** The decoded payload JSON of a compact token. */
    public static String payloadOf(String token) {
        return new Base64URL(token.split("\\.")[1]).decodeToString();
    }

    /** The decoded header JSON of a compact token. */
    public static String headerOf(String token) {
        return new Base64URL(token.split("\\.")[0]).decodeToString();
    }

    /** The encoded signature part of a compact token. */
    public static String signatureOf(String token) {
        return token.substring(token.lastIndexOf('.') + 1);
    }

    public static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    public static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    // ---- assertions

    public GatewayIdentity accept(String token) {
        GatewayIdentity identity = this.authenticator.authenticate(token).block();
        assertThat(identity).isNotNull();
        return identity;
    }

    /** The token is rejected with this code, as an error signal (never a thrown or non-auth exception). */
    public TokenRejectedException assertRejected(String token, ErrorCode expected) {
        return assertRejected(this.authenticator, token, expected);
    }

    public static TokenRejectedException assertRejected(
            TokenAuthenticator authenticator, String token, ErrorCode expected) {
        Mono<GatewayIdentity> result = authenticator.authenticate(token);
        TokenRejectedException[] caught = new TokenRejectedException[1];
        assertThatThrownBy(result::block).isInstanceOfSatisfying(TokenRejectedException.class, ex -> {
            assertThat(ex.errorCode()).as(ex.description()).isEqualTo(expected);
            caught[0] = ex;
        });
        return caught[0];
    }

    /** The token is rejected with any stable code. */
    public TokenRejectedException assertRejected(String token) {
        Mono<GatewayIdentity> result = this.authenticator.authenticate(token);
        TokenRejectedException[] caught = new TokenRejectedException[1];
        assertThatThrownBy(result::block).isInstanceOfSatisfying(TokenRejectedException.class, ex -> caught[0] = ex);
        return caught[0];
    }

    /** Chain options. */
    public static final class Options {

        private AuthProperties.Jwks jwks = DEFAULT_JWKS;

        private String edgeTokenType;

        private boolean replayProtection;

        private JwtExtensions realmAExtensions = JwtExtensions.none();

        private List<AuthProperties.EdgeKey> edgeKeys = new ArrayList<>(List.of(
                edgeKey(EDGE_KID_256, "HS256", EDGE_SECRET_256), edgeKey(EDGE_KID_512, "HS512", EDGE_SECRET_512)));

        public Options jwks(AuthProperties.Jwks jwks) {
            this.jwks = jwks;
            return this;
        }

        public Options edgeTokenType(String tokenType) {
            this.edgeTokenType = tokenType;
            return this;
        }

        public Options replayProtection(boolean replayProtection) {
            this.replayProtection = replayProtection;
            return this;
        }

        /** Spring Security validators / authorities mapping for realm A. */
        public Options realmAExtensions(JwtExtensions extensions) {
            this.realmAExtensions = extensions;
            return this;
        }

        public Options edgeKeys(List<AuthProperties.EdgeKey> keys) {
            this.edgeKeys = keys;
            return this;
        }

        public TestChain build() {
            return new TestChain(this);
        }
    }

    public static AuthProperties.EdgeKey edgeKey(String kid, String algorithm, byte[] secret) {
        return new AuthProperties.EdgeKey(kid, algorithm, base64(secret), null, null, null);
    }

    /** An in-memory JWKS endpoint whose keys can be swapped and which can be taken down; counts its calls. */
    public static final class MutableJwkSetSource implements JWKSetSource<SecurityContext> {

        private final AtomicInteger calls = new AtomicInteger();

        private volatile JWKSet keys;

        private volatile boolean down;

        public MutableJwkSetSource(JWK... keys) {
            publish(keys);
        }

        /** Publishes exactly these keys (their public parts). */
        public void publish(JWK... keys) {
            List<JWK> published = new ArrayList<>();
            for (JWK key : keys) {
                published.add(key.toPublicJWK());
            }
            this.keys = new JWKSet(published);
        }

        public void down(boolean down) {
            this.down = down;
        }

        public int calls() {
            return this.calls.get();
        }

        @Override
        public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator evaluator, long currentTime, SecurityContext context)
                throws KeySourceException {
            this.calls.incrementAndGet();
            if (this.down) {
                throw new JWKSetUnavailableException("The test IdP is down", null);
            }
            return this.keys;
        }

        @Override
        public void close() {}
    }
}
