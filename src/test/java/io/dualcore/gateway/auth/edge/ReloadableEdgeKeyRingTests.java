package io.dualcore.gateway.auth.edge;

import static io.dualcore.gateway.auth.edge.EdgeKeyDirectory.keyFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.VerifiedTokenCache;
import io.dualcore.gateway.web.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Edge keys from a directory: the file form, validation, atomic swaps, refused changes, Kubernetes symlink swaps. */
class ReloadableEdgeKeyRingTests {

    private static final byte[] SECRET_1 = TestChain.randomBytes(32);

    private static final byte[] SECRET_2 = TestChain.randomBytes(64);

    @TempDir
    Path temp;

    private EdgeKeyDirectory secret(Map<String, String> files) {
        EdgeKeyDirectory directory = new EdgeKeyDirectory(this.temp);
        directory.update(files);
        return directory;
    }

    private static Map<String, String> files(Object... nameAndText) {
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < nameAndText.length; i += 2) {
            files.put((String) nameAndText[i], (String) nameAndText[i + 1]);
        }
        return files;
    }

    private ReloadableEdgeKeyRing ring(EdgeKeyDirectory directory) {
        return new ReloadableEdgeKeyRing(List.of(), directory.root(), Duration.ofSeconds(10), Clock.systemUTC());
    }

    private static TokenAuthenticator authenticator(ReloadableEdgeKeyRing ring) {
        AuthProperties.Edge settings = new AuthProperties.Edge(
                TestChain.EDGE_ISSUER, List.of(TestChain.AUDIENCE), Duration.ofMinutes(10), null, false, List.of());
        EdgeTokenVerifier verifier =
                new EdgeTokenVerifier(settings, ring, null, Clock.systemUTC(), TestChain.CLOCK_SKEW);
        return new TokenAuthenticator(
                List.of(verifier), new VerifiedTokenCache(1000, Clock.systemUTC()), TestChain.MAX_TOKEN_LENGTH);
    }

    private static String token(String kid, byte[] secret, JWSAlgorithm algorithm) {
        return TestTokens.edge(kid, secret, algorithm, TestChain.EDGE_ISSUER).sign();
    }

    @Test
    void parseWhenAllFieldsThenKey() {
        AuthProperties.EdgeKey key = EdgeKeyFiles.parse(
                "kid=k1\nalgorithm=HS384\nsecret=c2VjcmV0\nnot-before=2026-11-28T00:00:00Z\n"
                        + "not-after=2027-01-01T00:00:00Z\n",
                "test");
        assertThat(key.kid()).isEqualTo("k1");
        assertThat(key.algorithm()).isEqualTo("HS384");
        assertThat(key.secret()).isEqualTo("c2VjcmV0");
        assertThat(key.notBefore()).isEqualTo(Instant.parse("2026-11-28T00:00:00Z"));
        assertThat(key.notAfter()).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
    }

    @Test
    void parseWhenFormattedThenSameKey() {
        String secret = Base64.getEncoder().encodeToString(SECRET_1);
        Instant notAfter = Instant.parse("2027-01-01T00:00:00Z");
        AuthProperties.EdgeKey key =
                EdgeKeyFiles.parse(EdgeKeyFiles.format("k1", "HS256", secret, null, notAfter), "test");
        assertThat(key.kid()).isEqualTo("k1");
        assertThat(key.secret()).isEqualTo(secret);
        assertThat(key.notAfter()).isEqualTo(notAfter);
    }

    @Test
    void parseWhenUnknownFieldThenRefusedNamingIt() {
        assertThatThrownBy(() -> EdgeKeyFiles.parse("kid=k1\nsecret=c2VjcmV0\nnot_after=2027\n", "file a"))
                .isInstanceOf(InvalidEdgeKeyException.class)
                .hasMessageContaining("file a")
                .hasMessageContaining("not_after");
    }

    @Test
    void parseWhenBadInstantOrMissingFieldsThenRefusedWithoutSecret() {
        assertThatThrownBy(() -> EdgeKeyFiles.parse("kid=k1\nsecret=c2VjcmV0\nnot-after=tomorrow\n", "f"))
                .hasMessageContaining("not-after");
        assertThatThrownBy(() -> EdgeKeyFiles.parse("secret=c2VjcmV0\n", "f")).hasMessageContaining("kid is required");
        assertThatThrownBy(() -> EdgeKeyFiles.parse("kid=k1\n", "f")).hasMessageContaining("secret is required");
        assertThatThrownBy(() -> EdgeKeyFiles.parse("kid=k1\nsecret=c2VjcmV0\nnot-before=x\n", "f"))
                .satisfies(ex -> assertThat(ex.getMessage()).doesNotContain("c2VjcmV0"));
    }

    @Test
    void loadWhenDirectoryThenKeysFromVisibleFilesOnly() throws Exception {
        EdgeKeyDirectory directory = secret(files(
                "k1.properties", keyFile("k1", "HS256", SECRET_1), "k2.properties", keyFile("k2", "HS512", SECRET_2)));
        Files.writeString(this.temp.resolve("README.txt"), "not a key");

        ReloadableEdgeKeyRing ring = ring(directory);

        assertThat(ring.get().keyIds()).containsExactlyInAnyOrder("k1", "k2");
        assertThat(ring.version()).isEqualTo(1);
        assertThat(ring.lastReload().accepted()).isTrue();
        TokenAuthenticator authenticator = authenticator(ring);
        assertThat(authenticator
                        .authenticate(token("k2", SECRET_2, JWSAlgorithm.HS512))
                        .block()
                        .keyId())
                .isEqualTo("k2");
    }

    @Test
    void loadWhenInlineAndDirectoryKeysThenBothAndDuplicateKidRefused() {
        EdgeKeyDirectory directory = secret(files("k2.properties", keyFile("k2", "HS512", SECRET_2)));
        List<AuthProperties.EdgeKey> inline = List.of(TestChain.edgeKey("k1", "HS256", SECRET_1));

        ReloadableEdgeKeyRing ring =
                new ReloadableEdgeKeyRing(inline, directory.root(), Duration.ofSeconds(10), Clock.systemUTC());
        assertThat(ring.get().keyIds()).containsExactlyInAnyOrder("k1", "k2");

        directory.update(files(
                "k2.properties", keyFile("k2", "HS512", SECRET_2),
                "k1-again.properties", keyFile("k1", "HS256", TestChain.randomBytes(32))));
        assertThat(ring.reload()).isFalse();
        assertThat(ring.lastReload().message()).contains("k1-again.properties").contains("configured twice");
    }

    @Test
    void loadWhenStartupDirectoryInvalidThenStartupErrorNamingFile() {
        EdgeKeyDirectory directory = secret(files("short.properties", keyFile("short", "HS256", new byte[12])));
        assertThatThrownBy(() -> ring(directory))
                .isInstanceOf(InvalidEdgeKeyException.class)
                .hasMessageContaining("short.properties")
                .hasMessageContaining("12 bytes");
    }

    @Test
    void loadWhenDirectoryMissingOrEmptyThenStartupError() {
        assertThatThrownBy(() -> new ReloadableEdgeKeyRing(
                        List.of(), this.temp.resolve("nope"), Duration.ofSeconds(10), Clock.systemUTC()))
                .hasMessageContaining("dualcore.auth.edge.key-directory")
                .hasMessageContaining("not a directory");
        assertThatThrownBy(() ->
                        new ReloadableEdgeKeyRing(List.of(), this.temp, Duration.ofSeconds(10), Clock.systemUTC()))
                .hasMessageContaining("no *.properties key file");
    }

    @Test
    void reloadWhenKeyAddedThenNewRingVersionAndItsTokensAccepted() {
        EdgeKeyDirectory directory = secret(files("k1.properties", keyFile("k1", "HS256", SECRET_1)));
        ReloadableEdgeKeyRing ring = ring(directory);
        TokenAuthenticator authenticator = authenticator(ring);
        TestChain.assertRejected(authenticator, token("k2", SECRET_2, JWSAlgorithm.HS512), ErrorCode.UNKNOWN_KEY);

        directory.update(files(
                "k1.properties", keyFile("k1", "HS256", SECRET_1), "k2.properties", keyFile("k2", "HS512", SECRET_2)));

        assertThat(ring.reload()).isTrue();
        assertThat(ring.version()).isEqualTo(2);
        assertThat(authenticator
                        .authenticate(token("k2", SECRET_2, JWSAlgorithm.HS512))
                        .block()
                        .keyId())
                .isEqualTo("k2");
        assertThat(ring.reload()).as("unchanged content is no new version").isFalse();
        assertThat(ring.version()).isEqualTo(2);
    }

    @Test
    void reloadWhenKeyRemovedThenCachedTokensRefusedAtOnce() {
        EdgeKeyDirectory directory = secret(files(
                "k1.properties", keyFile("k1", "HS256", SECRET_1), "k2.properties", keyFile("k2", "HS512", SECRET_2)));
        ReloadableEdgeKeyRing ring = ring(directory);
        TokenAuthenticator authenticator = authenticator(ring);
        String token = token("k2", SECRET_2, JWSAlgorithm.HS512);
        authenticator.authenticate(token).block();
        assertThat(authenticator.cached(token))
                .as("in the verified-token cache")
                .isNotNull();

        directory.update(files("k1.properties", keyFile("k1", "HS256", SECRET_1)));
        assertThat(ring.reload()).isTrue();

        assertThat(authenticator.cached(token)).isNull();
        TestChain.assertRejected(authenticator, token, ErrorCode.UNKNOWN_KEY);
    }

    @Test
    void reloadWhenKidReAddedWithNewSecretThenTokenOfNewSecretRefusedBeforeIsAccepted() {
        EdgeKeyDirectory directory = secret(files(
                "k1.properties", keyFile("k1", "HS256", SECRET_1), "k2.properties", keyFile("k2", "HS512", SECRET_2)));
        ReloadableEdgeKeyRing ring = ring(directory);
        TokenAuthenticator authenticator = authenticator(ring);
        byte[] replacement = TestChain.randomBytes(32);
        String token = token("k1", replacement, JWSAlgorithm.HS256);
        TestChain.assertRejected(authenticator, token, ErrorCode.INVALID_SIGNATURE);
        assertThatThrownBy(() -> authenticator.cached(token))
                .as("the refusal is remembered")
                .isInstanceOf(TokenRejectedException.class);

        // a kid never changes its secret in one step: it is removed, then added back with the new secret
        directory.update(files("k2.properties", keyFile("k2", "HS512", SECRET_2)));
        assertThat(ring.reload()).isTrue();
        directory.update(files(
                "k1.properties",
                keyFile("k1", "HS256", replacement),
                "k2.properties",
                keyFile("k2", "HS512", SECRET_2)));
        assertThat(ring.reload()).isTrue();

        assertThat(authenticator.authenticate(token).block().keyId()).isEqualTo("k1");
    }

    @Test
    void reloadWhenKidReAddedWithNewSecretThenCachedTokenOfOldSecretRefused() {
        EdgeKeyDirectory directory = secret(files(
                "k1.properties", keyFile("k1", "HS256", SECRET_1), "k2.properties", keyFile("k2", "HS512", SECRET_2)));
        ReloadableEdgeKeyRing ring = ring(directory);
        TokenAuthenticator authenticator = authenticator(ring);
        String token = token("k1", SECRET_1, JWSAlgorithm.HS256);
        authenticator.authenticate(token).block();
        assertThat(authenticator.cached(token))
                .as("in the verified-token cache")
                .isNotNull();

        // no request between the two reloads: the cache never saw k1 missing
        directory.update(files("k2.properties", keyFile("k2", "HS512", SECRET_2)));
        assertThat(ring.reload()).isTrue();
        directory.update(files(
                "k1.properties",
                keyFile("k1", "HS256", TestChain.randomBytes(32)),
                "k2.properties",
                keyFile("k2", "HS512", SECRET_2)));
        assertThat(ring.reload()).isTrue();

        assertThat(authenticator.cached(token)).isNull();
        TestChain.assertRejected(authenticator, token, ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void reloadWhenOtherKeyAddedThenVerdictsOfUnchangedKeysKept() {
        EdgeKeyDirectory directory = secret(files("k2.properties", keyFile("k2", "HS512", SECRET_2)));
        ReloadableEdgeKeyRing ring = ring(directory);
        TokenAuthenticator authenticator = authenticator(ring);
        String good = token("k2", SECRET_2, JWSAlgorithm.HS512);
        String forged = token("k2", TestChain.randomBytes(64), JWSAlgorithm.HS512);
        GatewayIdentity identity = authenticator.authenticate(good).block();
        TestChain.assertRejected(authenticator, forged, ErrorCode.INVALID_SIGNATURE);

        directory.update(files(
                "k1.properties", keyFile("k1", "HS256", SECRET_1), "k2.properties", keyFile("k2", "HS512", SECRET_2)));
        assertThat(ring.reload()).isTrue();

        assertThat(authenticator.cached(good)).isSameAs(identity);
        assertThatThrownBy(() -> authenticator.cached(forged))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.INVALID_SIGNATURE));
    }

    @Test
    void reloadWhenBadChangeThenRefusedOnceAndOldRingServes() {
        EdgeKeyDirectory directory = secret(files("k1.properties", keyFile("k1", "HS256", SECRET_1)));
        ReloadableEdgeKeyRing ring = ring(directory);
        TokenAuthenticator authenticator = authenticator(ring);
        String token = token("k1", SECRET_1, JWSAlgorithm.HS256);

        for (String bad : List.of(
                keyFile("k2", "HS256", new byte[16]),
                "kid=k2\nalgorithm=HS256\nsecret=not*base64!\n",
                "kid=k2\nalgorithm=RS256\nsecret=" + Base64.getEncoder().encodeToString(SECRET_2) + "\n",
                "\\u00zz broken escape",
                keyFile("k1", "HS256", TestChain.randomBytes(32)))) {
            directory.update(files("k1.properties", keyFile("k1", "HS256", SECRET_1), "k2.properties", bad));
            long refusals = ring.refusalCount();

            assertThat(ring.reload()).isFalse();
            assertThat(ring.refusalCount()).isEqualTo(refusals + 1);
            assertThat(ring.lastReload().accepted()).isFalse();
            assertThat(ring.lastReload().message()).contains("k2.properties");
            assertThat(ring.reload()).as("the same bad content is refused once").isFalse();
            assertThat(ring.refusalCount()).isEqualTo(refusals + 1);
            assertThat(ring.version()).isEqualTo(1);
            assertThat(authenticator.authenticate(token).block().keyId()).isEqualTo("k1");
        }
    }

    @Test
    void reloadWhenSecretChangedInPlaceThenRefused() {
        EdgeKeyDirectory directory = secret(files("k1.properties", keyFile("k1", "HS256", SECRET_1)));
        ReloadableEdgeKeyRing ring = ring(directory);

        directory.update(files("k1.properties", keyFile("k1", "HS256", TestChain.randomBytes(32))));

        assertThat(ring.reload()).isFalse();
        assertThat(ring.lastReload().message()).contains("kid=k1").contains("changed in place");
    }

    @Test
    void reloadWhenAllKeysRemovedThenRefused() {
        EdgeKeyDirectory directory = secret(files("k1.properties", keyFile("k1", "HS256", SECRET_1)));
        ReloadableEdgeKeyRing ring = ring(directory);

        directory.update(files());

        assertThat(ring.reload()).isFalse();
        assertThat(ring.get().keyIds()).containsExactly("k1");
    }

    @Test
    void watchWhenSymlinkSwappedThenReloadedWithoutExplicitCall() throws Exception {
        EdgeKeyDirectory directory = secret(files("k1.properties", keyFile("k1", "HS256", SECRET_1)));
        try (ReloadableEdgeKeyRing ring =
                new ReloadableEdgeKeyRing(List.of(), directory.root(), Duration.ofMillis(500), Clock.systemUTC())) {
            ring.start();
            directory.update(files(
                    "k1.properties",
                    keyFile("k1", "HS256", SECRET_1),
                    "k2.properties",
                    keyFile("k2", "HS512", SECRET_2)));

            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> ring.version() >= 2);
            assertThat(ring.version()).isEqualTo(2);
            assertThat(ring.get().keyIds()).containsExactlyInAnyOrder("k1", "k2");
        }
    }
}
