package io.dualcore.gateway.auth.edge;

import static io.dualcore.gateway.auth.TestChain.base64;
import static io.dualcore.gateway.auth.TestChain.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Startup validation of the edge key ring: every error names the key and never shows its secret. */
class EdgeKeyRingTests {

    private static AuthProperties.EdgeKey key(String kid, String algorithm, String secret) {
        return new AuthProperties.EdgeKey(kid, algorithm, secret, null, null, null);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertInvalid(
            List<AuthProperties.EdgeKey> keys, String... secrets) {
        AbstractThrowableAssert<?, ? extends Throwable> assertion =
                assertThatThrownBy(() -> EdgeKeyRing.of(keys)).isInstanceOf(InvalidEdgeKeyException.class);
        for (String secret : secrets) {
            assertion.message().doesNotContain(secret);
        }
        return assertion;
    }

    @ParameterizedTest
    @CsvSource({"HS256, 31, 32", "HS384, 47, 48", "HS512, 63, 64", "HS256, 1, 32", "HS512, 32, 64"})
    void ofWhenSecretShorterThanHashOutputThenFailsNamingKid(String algorithm, int length, int minimum) {
        String secret = base64(randomBytes(length));
        assertInvalid(List.of(key("short-key", algorithm, secret)), secret)
                .hasMessageContaining("kid=short-key")
                .hasMessageContaining(length + " bytes")
                .hasMessageContaining("at least " + minimum + " bytes");
    }

    @ParameterizedTest
    @CsvSource({"HS256, 32", "HS384, 48", "HS512, 64", "hs512, 64"})
    void ofWhenSecretExactlyHashOutputThenLoaded(String algorithm, int length) {
        EdgeKeyRing ring = EdgeKeyRing.of(List.of(key("k1", algorithm, base64(randomBytes(length)))));
        assertThat(ring.get("k1").algorithm()).isEqualTo(JWSAlgorithm.parse(algorithm.toUpperCase()));
        assertThat(ring.keyIds()).containsExactly("k1");
    }

    @Test
    void ofWhenAlgorithmNotSetThenHs256() {
        EdgeKeyRing ring = EdgeKeyRing.of(List.of(key("k1", null, base64(randomBytes(32)))));
        assertThat(ring.get("k1").algorithm()).isEqualTo(JWSAlgorithm.HS256);
    }

    @Test
    void ofWhenKidDuplicatedThenFailsNamingKid() {
        String first = base64(randomBytes(32));
        String second = base64(randomBytes(32));
        assertInvalid(List.of(key("twice", "HS256", first), key("twice", "HS256", second)), first, second)
                .hasMessageContaining("kid=twice")
                .hasMessageContaining("configured twice");
    }

    @Test
    void ofWhenSecretDuplicatedThenFailsNamingKid() {
        String secret = base64(randomBytes(64));
        assertInvalid(List.of(key("one", "HS256", secret), key("two", "HS512", secret)), secret)
                .hasMessageContaining("kid=two")
                .hasMessageContaining("same as another key");
    }

    @Test
    void ofWhenSecretDuplicatedInOtherBase64AlphabetThenFails() {
        byte[] bytes = randomBytes(48);
        bytes[0] = (byte) 0xfb; // forces '+' or '/' in standard and '-' or '_' in URL-safe encoding
        String standard = Base64.getEncoder().encodeToString(bytes);
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        assertThat(standard).isNotEqualTo(urlSafe);
        assertInvalid(List.of(key("one", "HS256", standard), key("two", "HS256", urlSafe)), standard, urlSafe)
                .hasMessageContaining("kid=two");
    }

    @Test
    void ofWhenSecretNotBase64ThenFailsNamingKid() {
        String secret = "this is *not* base64 at all, it is a passphrase!";
        assertInvalid(List.of(key("bad-b64", "HS256", secret)), secret)
                .hasMessageContaining("kid=bad-b64")
                .hasMessageContaining("not valid base64");
    }

    @Test
    void ofWhenAlgorithmUnsupportedThenFailsNamingKid() {
        String secret = base64(randomBytes(64));
        for (String algorithm : List.of("RS256", "none", "ES256", "HS1")) {
            assertInvalid(List.of(key("asym", algorithm, secret)), secret)
                    .hasMessageContaining("kid=asym")
                    .hasMessageContaining("not supported");
        }
    }

    @Test
    void ofWhenKidMissingThenFails() {
        String secret = base64(randomBytes(32));
        assertInvalid(List.of(key(null, "HS256", secret)), secret).hasMessageContaining("kid is required");
        assertInvalid(List.of(key("  ", "HS256", secret)), secret).hasMessageContaining("kid is required");
        assertInvalid(List.of(key("ok", "HS256", base64(randomBytes(32))), key("", "HS256", secret)), secret)
                .hasMessageContaining("keys[1]");
    }

    @Test
    void ofWhenBothSecretAndSecretFileThenFailsNamingKid(@TempDir Path dir) throws Exception {
        String secret = base64(randomBytes(32));
        Path file = Files.writeString(dir.resolve("edge.key"), base64(randomBytes(32)));
        assertInvalid(List.of(new AuthProperties.EdgeKey("both", "HS256", secret, file, null, null)), secret)
                .hasMessageContaining("kid=both")
                .hasMessageContaining("exactly one");
    }

    @Test
    void ofWhenNeitherSecretNorSecretFileThenFailsNamingKid() {
        assertInvalid(List.of(new AuthProperties.EdgeKey("neither", "HS256", null, null, null, null)))
                .hasMessageContaining("kid=neither")
                .hasMessageContaining("exactly one");
        assertInvalid(List.of(new AuthProperties.EdgeKey("blank", "HS256", "   ", null, null, null)))
                .hasMessageContaining("kid=blank");
    }

    @Test
    void ofWhenNotBeforeNotEarlierThanNotAfterThenFailsNamingKid() {
        Instant instant = Instant.parse("2030-01-01T00:00:00Z");
        String secret = base64(randomBytes(32));
        assertInvalid(List.of(new AuthProperties.EdgeKey("window", "HS256", secret, null, instant, instant)), secret)
                .hasMessageContaining("kid=window")
                .hasMessageContaining("not-before");
        assertInvalid(
                        List.of(new AuthProperties.EdgeKey(
                                "window", "HS256", secret, null, instant.plusSeconds(1), instant)),
                        secret)
                .hasMessageContaining("kid=window");
    }

    @Test
    void ofWhenSecretFileThenSecretReadAndTokensVerify(@TempDir Path dir) throws Exception {
        byte[] secret = randomBytes(32);
        Path file = Files.writeString(dir.resolve("edge-file.key"), base64(secret) + "\n", StandardCharsets.US_ASCII);
        AuthProperties.EdgeKey fromFile = new AuthProperties.EdgeKey("from-file", "HS256", null, file, null, null);

        TestChain chain = TestChain.options().edgeKeys(List.of(fromFile)).build();

        String token = TestTokens.edge("from-file", secret, JWSAlgorithm.HS256, TestChain.EDGE_ISSUER)
                .sign();
        assertThat(chain.accept(token).mode()).isEqualTo(EdgeVerificationMode.MODE);
    }

    @Test
    void ofWhenSecretFileMissingThenFailsNamingKidAndFile(@TempDir Path dir) {
        Path missing = dir.resolve("no-such.key");
        assertInvalid(List.of(new AuthProperties.EdgeKey("lost", "HS256", null, missing, null, null)))
                .hasMessageContaining("kid=lost")
                .hasMessageContaining("cannot be read")
                .hasMessageContaining(missing.toString());
    }

    @Test
    void ofWhenSecretFileHoldsShortSecretThenFailsWithoutShowingIt(@TempDir Path dir) throws Exception {
        String secret = base64(randomBytes(16));
        Path file = Files.writeString(dir.resolve("short.key"), secret);
        assertInvalid(List.of(new AuthProperties.EdgeKey("short-file", "HS256", null, file, null, null)), secret)
                .hasMessageContaining("kid=short-file")
                .hasMessageContaining("16 bytes");
    }

    @Test
    void ofWhenUrlSafeBase64SecretThenLoaded() {
        byte[] bytes = randomBytes(32);
        bytes[0] = (byte) 0xfb;
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        assertThat(urlSafe).containsAnyOf("-", "_");
        assertThat(EdgeKeyRing.of(List.of(key("url", "HS256", urlSafe))).get("url"))
                .isNotNull();
    }

    @Test
    void keysNeverShowTheirSecret() {
        String secret = base64(randomBytes(32));
        AuthProperties.EdgeKey configured = key("shown", "HS256", secret);
        EdgeKeyRing ring = EdgeKeyRing.of(List.of(configured));
        assertThat(configured.toString()).contains("shown").doesNotContain(secret);
        assertThat(ring.get("shown").toString()).contains("shown").doesNotContain(secret);
        assertThat(ring.get("missing")).isNull();
        assertThat(ring.get(null)).isNull();
    }
}
