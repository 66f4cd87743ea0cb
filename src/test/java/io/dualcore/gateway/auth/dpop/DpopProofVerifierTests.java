package io.dualcore.gateway.auth.dpop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.crypto.SignatureProvider;
import io.dualcore.gateway.testsupport.MutableClock;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every rule of RFC 9449 §4.3 the proof verifier applies, and hostile proofs: each one 401 invalid_dpop_proof. With
 * the JDK's providers here; {@link DpopProofVerifierAccpTests} runs every case again with Amazon Corretto Crypto
 * Provider.
 */
class DpopProofVerifierTests {

    private static final String HTU = "https://api.example.com/api/orders";

    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";

    private static final ECKey KEY = DpopProofs.ecKey();

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T12:00:00Z"));

    private final DpopProofVerifier verifier =
            new DpopProofVerifier(DpopProperties.defaults(), this.clock, signatureProvider());

    /** The provider that verifies the proofs' signatures. */
    SignatureProvider signatureProvider() {
        return SignatureProvider.jdk();
    }

    private DpopProofs.Builder proof() {
        return DpopProofs.proof(KEY, "GET", HTU, TOKEN, this.clock.instant());
    }

    private DpopProof verify(String proof) {
        return this.verifier.verify(proof, "GET", HTU, TOKEN);
    }

    private void assertRefused(String proof, String description) {
        assertThatThrownBy(() -> verify(proof)).isInstanceOfSatisfying(TokenRejectedException.class, ex -> {
            assertThat(ex.errorCode()).isEqualTo(ErrorCode.INVALID_DPOP_PROOF);
            assertThat(ex.description()).contains(description);
        });
    }

    @Test
    void verifyWhenValidEcProofThenThumbprintJtiAndIat() {
        DpopProof verified = verify(proof().claim("jti", "proof-1").sign());

        assertThat(verified.thumbprint()).isEqualTo(DpopProofs.thumbprint(KEY));
        assertThat(verified.jti()).isEqualTo("proof-1");
        assertThat(verified.issuedAt()).isEqualTo(this.clock.instant());
    }

    @Test
    void verifyWhenValidRsaProofThenAccepted() {
        RSAKey rsa = DpopProofs.rsaKey();
        String proof =
                DpopProofs.proof(rsa, "GET", HTU, TOKEN, this.clock.instant()).sign();

        assertThat(verify(proof).thumbprint()).isEqualTo(DpopProofs.thumbprint(rsa));
    }

    @Test
    void verifyWhenHtuHasQueryFragmentDefaultPortOrUpperCaseHostThenNormalizedAndAccepted() {
        assertThat(verify(proof().claim("htu", "HTTPS://API.example.com:443/api/orders?page=2#top")
                        .sign()))
                .isNotNull();
    }

    @Test
    void verifyWhenTypIsNotDpopJwtThenRefused() {
        assertRefused(proof().header(h -> h.type(JOSEObjectType.JWT)).sign(), "typ");
        assertRefused(proof().header(h -> h.type(null)).sign(), "typ");
    }

    @Test
    void verifyWhenAlgorithmNotInAllowListThenRefused() {
        DpopProofVerifier esOnly = new DpopProofVerifier(
                new DpopProperties(List.of("ES256"), Duration.ofSeconds(60), Duration.ofSeconds(5), 4096, null),
                this.clock,
                signatureProvider());
        String rsaProof = DpopProofs.proof(DpopProofs.rsaKey(), "GET", HTU, TOKEN, this.clock.instant())
                .sign();

        assertThatThrownBy(() -> esOnly.verify(rsaProof, "GET", HTU, TOKEN))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.description()).contains("algorithm"));
    }

    @Test
    void verifyWhenSymmetricOrNoneAlgorithmThenRefused() {
        String header = "{\"typ\":\"dpop+jwt\",\"alg\":\"HS256\",\"jwk\":"
                + KEY.toPublicJWK().toJSONString() + "}";
        String payload = "{\"jti\":\"x\",\"htm\":\"GET\",\"htu\":\"" + HTU + "\",\"iat\":"
                + this.clock.instant().getEpochSecond() + ",\"ath\":\"" + DpopProofVerifier.accessTokenHash(TOKEN)
                + "\"}";
        assertRefused(TestTokens.hmacRaw(header, payload, new byte[32], "HmacSHA256"), "algorithm");
        String none = TestTokens.raw(header.replace("HS256", "none"), payload, "");
        assertThatThrownBy(() -> verify(none)).isInstanceOf(TokenRejectedException.class);
    }

    @Test
    void verifyWhenNoJwkThenRefused() {
        assertRefused(proof().header(h -> h.jwk(null)).sign(), "jwk");
    }

    @Test
    void verifyWhenJwkCarriesPrivateKeyThenRefused() throws Exception {
        String header = "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":" + KEY.toJSONString() + "}";
        String payload = "{\"jti\":\"x\",\"htm\":\"GET\",\"htu\":\"" + HTU + "\",\"iat\":"
                + this.clock.instant().getEpochSecond() + ",\"ath\":\"" + DpopProofVerifier.accessTokenHash(TOKEN)
                + "\"}";
        String proof = TestTokens.signedRaw(header, payload, new ECDSASigner(KEY), JWSAlgorithm.ES256);

        assertThatThrownBy(() -> verify(proof))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.INVALID_DPOP_PROOF));
    }

    @Test
    void verifyWhenSignedByAnotherKeyThanTheJwkThenRefused() {
        assertRefused(proof().signedBy(DpopProofs.ecKey()).sign(), "signature");
    }

    @Test
    void verifyWhenValidPsAndEs384ProofsThenAccepted() {
        RSAKey rsa = DpopProofs.rsaKey();
        String ps256 = DpopProofs.proof(rsa, "GET", HTU, TOKEN, this.clock.instant())
                .header(h -> new JWSHeader.Builder(JWSAlgorithm.PS256)
                        .type(new JOSEObjectType("dpop+jwt"))
                        .jwk(rsa.toPublicJWK()))
                .sign();
        ECKey p384 = DpopProofs.ecKey(Curve.P_384);
        String es384 = DpopProofs.proof(p384, "GET", HTU, TOKEN, this.clock.instant())
                .header(h -> new JWSHeader.Builder(JWSAlgorithm.ES384)
                        .type(new JOSEObjectType("dpop+jwt"))
                        .jwk(p384.toPublicJWK()))
                .sign();

        assertThat(verify(ps256).thumbprint()).isEqualTo(DpopProofs.thumbprint(rsa));
        assertThat(verify(es384).thumbprint()).isEqualTo(DpopProofs.thumbprint(p384));
    }

    @Test
    void verifyWhenSignatureBitFlippedTruncatedOrExtendedThenRefused() {
        String proof = proof().sign();
        byte[] signature = signature(proof);
        byte[] flipped = signature.clone();
        flipped[signature.length / 3] ^= 0x10;

        assertRefused(withSignature(proof, flipped), "signature");
        assertRefused(withSignature(proof, Arrays.copyOf(signature, signature.length - 1)), "signature");
        assertRefused(withSignature(proof, Arrays.copyOf(signature, signature.length + 1)), "signature");
    }

    /** CVE-2022-21449 ("psychic signatures"): r or s of zero or not below the curve order never verify. */
    @Test
    void verifyWhenEcdsaRorSZeroOrNotBelowOrderThenRefused() {
        String proof = proof().sign();
        byte[] signature = signature(proof);
        byte[] order = Curve.P_256.toECParameterSpec().getOrder().toByteArray();
        byte[] n = Arrays.copyOfRange(order, order.length - 32, order.length);
        byte[] r = Arrays.copyOf(signature, 32);
        byte[] s = Arrays.copyOfRange(signature, 32, 64);
        byte[] zero = new byte[32];

        for (byte[][] pair : new byte[][][] {{zero, zero}, {zero, s}, {r, zero}, {n, s}, {r, n}, {n, n}}) {
            byte[] forged = new byte[64];
            System.arraycopy(pair[0], 0, forged, 0, 32);
            System.arraycopy(pair[1], 0, forged, 32, 32);
            assertRefused(withSignature(proof, forged), "signature");
        }
    }

    private static byte[] signature(String proof) {
        return Base64URL.from(proof.substring(proof.lastIndexOf('.') + 1)).decode();
    }

    private static String withSignature(String proof, byte[] signature) {
        return proof.substring(0, proof.lastIndexOf('.') + 1) + Base64URL.encode(signature);
    }

    @Test
    void verifyWhenJwkDoesNotFitAlgorithmThenRefused() {
        RSAKey rsa = DpopProofs.rsaKey();
        assertRefused(proof().header(h -> h.jwk(rsa.toPublicJWK())).sign(), "does not fit");
    }

    @Test
    void verifyWhenHtmIsAnotherMethodThenRefused() {
        assertRefused(proof().claim("htm", "POST").sign(), "htm");
        assertRefused(proof().claim("htm", "get").sign(), "htm");
        assertRefused(proof().claim("htm", 42).sign(), "htm");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://api.example.com/api/orders/other",
                "http://api.example.com/api/orders",
                "https://evil.example.com/api/orders",
                "https://api.example.com:8443/api/orders",
                "/api/orders",
                "not a url",
                "ftp://api.example.com/api/orders"
            })
    void verifyWhenHtuIsAnotherUrlThenRefused(String htu) {
        assertRefused(proof().claim("htu", htu).sign(), "htu");
    }

    @Test
    void verifyWhenIatIsStaleThenRefused() {
        String proof = proof().sign();
        this.clock.advance(Duration.ofSeconds(66));

        assertRefused(proof, "too old");
    }

    @Test
    void verifyWhenIatIsWithinLifetimeAndSkewThenAccepted() {
        String proof = proof().sign();
        this.clock.advance(Duration.ofSeconds(64));

        assertThat(verify(proof)).isNotNull();
    }

    @Test
    void verifyWhenIatIsInTheFutureThenRefused() {
        assertRefused(
                proof().claim("iat", Date.from(this.clock.instant().plusSeconds(30)))
                        .sign(),
                "future");
    }

    @Test
    void verifyWhenIatMissingOrNotANumberThenRefused() {
        assertRefused(proof().claim("iat", null).sign(), "iat");
        assertRefused(proof().claim("iat", "yesterday").sign(), "");
    }

    @Test
    void verifyWhenAthIsForAnotherTokenOrMissingThenRefused() {
        assertRefused(
                proof().claim("ath", DpopProofVerifier.accessTokenHash("another.token.x"))
                        .sign(),
                "ath");
        assertRefused(proof().claim("ath", null).sign(), "ath");
    }

    @Test
    void verifyWhenJtiMissingEmptyOrTooLongThenRefused() {
        assertRefused(proof().claim("jti", null).sign(), "jti");
        assertRefused(proof().claim("jti", "").sign(), "jti");
        assertRefused(proof().claim("jti", "j".repeat(257)).sign(), "jti");
        assertRefused(proof().claim("jti", 7).sign(), "");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "a.b", "a.b.c", "....", "eyJ.eyJ.", "\u0000\u0001", "e30.e30.e30"})
    void verifyWhenMalformedThenRefused(String proof) {
        assertThatThrownBy(() -> verify(proof))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.INVALID_DPOP_PROOF));
    }

    @Test
    void verifyWhenOversizedThenRefusedBeforeParsing() {
        assertRefused("e".repeat(4097), "too long");
    }

    @Test
    void constructorWhenSymmetricAlgorithmConfiguredThenFailsAtStartup() {
        assertThatThrownBy(() -> new DpopProofVerifier(
                        new DpopProperties(List.of("HS256"), Duration.ofSeconds(60), Duration.ofSeconds(5), 4096, null),
                        this.clock))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("HS256");
    }

    @Test
    void algsWhenDefaultsThenAnnouncedInOrder() {
        assertThat(this.verifier.algs()).isEqualTo("ES256 ES384 ES512 PS256 PS384 PS512 RS256");
    }
}
