package io.dualcore.gateway.auth.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.ParsedToken;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestIssuers;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.crypto.CryptoProvider;
import io.dualcore.gateway.auth.crypto.SignatureProvider;
import io.dualcore.gateway.testsupport.AccpProvider;
import io.dualcore.gateway.testsupport.RandomText;
import io.dualcore.gateway.web.ErrorCode;
import java.math.BigInteger;
import java.security.Provider;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.scheduler.Schedulers;

/**
 * RSA and EC signatures verified with Amazon Corretto Crypto Provider answer exactly as with the JDK's providers:
 * valid tokens accepted; altered, truncated, foreign-key and out-of-range ECDSA signatures (CVE-2022-21449's
 * "psychic signature" shape) refused as {@code invalid_signature}, never an exception. Runs where ACCP loads (Linux
 * x86_64); {@code SignatureProviderTests} makes sure it does there.
 */
class OidcSignatureProviderTests {

    private static final String ISSUER = "https://idp.test/realms/crypto";

    private static final List<String> ALGORITHMS = List.of("RS256", "RS384", "RS512", "PS256", "ES256", "ES384");

    private static final RSAKey RSA = TestTokens.rsaKey("rsa-1");

    private static final RSAKey RSA_OTHER = TestTokens.rsaKey("rsa-1");

    private static final ECKey EC_256 = ecKey(Curve.P_256, "ec-256");

    private static final ECKey EC_256_OTHER = ecKey(Curve.P_256, "ec-256");

    private static final ECKey EC_384 = ecKey(Curve.P_384, "ec-384");

    private static final ECKey EC_384_OTHER = ecKey(Curve.P_384, "ec-384");

    private static final int TOKENS = 300;

    private static SignatureProvider accp;

    private final OidcTokenVerifier jdk = verifier(SignatureProvider.jdk());

    @BeforeAll
    static void loadAccp() {
        accp = AccpProvider.orSkip();
    }

    private static OidcTokenVerifier verifier(SignatureProvider provider) {
        return new OidcTokenVerifier(
                TestIssuers.issuer("crypto", ISSUER)
                        .audiences(List.of(TestTokens.AUDIENCE))
                        .algorithms(ALGORITHMS)
                        .jwks(TestChain.DEFAULT_JWKS)
                        .build(),
                JwksKeySource.of(
                        new TestChain.MutableJwkSetSource(RSA, EC_256, EC_384),
                        TestChain.DEFAULT_JWKS,
                        Clock.systemUTC()),
                Schedulers.immediate(),
                Clock.systemUTC(),
                TestChain.CLOCK_SKEW,
                JwtExtensions.none(),
                null,
                provider);
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "RS384", "RS512", "PS256", "ES256", "ES384"})
    void verifyWhenValidTokenThenAcceptedByBothProviders(String algorithm) {
        String token = token(JWSAlgorithm.parse(algorithm), "valid", false);

        assertThat(outcome(verifier(accp), token)).isEqualTo("accepted valid");
        assertThat(outcome(this.jdk, token)).isEqualTo("accepted valid");
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "RS384", "RS512", "PS256", "ES256", "ES384"})
    void verifyWhenSignatureAlteredTruncatedExtendedOrForeignThenInvalidSignatureFromBothProviders(String algorithm) {
        JWSAlgorithm alg = JWSAlgorithm.parse(algorithm);
        String token = token(alg, "altered", false);
        byte[] signature = signature(token);
        List<String> refused = List.of(
                withSignature(token, flip(signature, 0)),
                withSignature(token, flip(signature, signature.length * 8 - 1)),
                withSignature(token, flip(signature, signature.length * 4 + 3)),
                withSignature(token, Arrays.copyOf(signature, signature.length - 1)),
                withSignature(token, Arrays.copyOf(signature, signature.length + 1)),
                withSignature(token, Arrays.copyOf(signature, signature.length / 2)),
                withSignature(token, new byte[signature.length]),
                token(alg, "altered", true),
                signingInput(token(alg, "someone-else", false)) + "." + token.substring(token.lastIndexOf('.') + 1));
        OidcTokenVerifier accpVerifier = verifier(accp);
        for (String hostile : refused) {
            assertThat(outcome(accpVerifier, hostile)).as(hostile).isEqualTo(ErrorCode.INVALID_SIGNATURE.toString());
            assertThat(outcome(this.jdk, hostile)).as(hostile).isEqualTo(ErrorCode.INVALID_SIGNATURE.toString());
        }
    }

    /** CVE-2022-21449: r or s of zero, or not below the curve order n, must never verify (nor throw). */
    @ParameterizedTest
    @ValueSource(strings = {"ES256", "ES384"})
    void verifyWhenEcdsaRorSZeroOrNotBelowOrderThenInvalidSignatureFromBothProviders(String algorithm) {
        JWSAlgorithm alg = JWSAlgorithm.parse(algorithm);
        Curve curve = JWSAlgorithm.ES256.equals(alg) ? Curve.P_256 : Curve.P_384;
        BigInteger n = curve.toECParameterSpec().getOrder();
        String token = token(alg, "psychic", false);
        byte[] signature = signature(token);
        int half = signature.length / 2;
        BigInteger r = new BigInteger(1, Arrays.copyOf(signature, half));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, half, signature.length));
        BigInteger[][] pairs = {
            {BigInteger.ZERO, BigInteger.ZERO},
            {BigInteger.ZERO, s},
            {r, BigInteger.ZERO},
            {n, s},
            {r, n},
            {n, n},
            {n, BigInteger.ONE},
            {BigInteger.ONE.shiftLeft(half * 8).subtract(BigInteger.ONE), s},
        };
        OidcTokenVerifier accpVerifier = verifier(accp);
        for (BigInteger[] pair : pairs) {
            byte[] forged = new byte[signature.length];
            System.arraycopy(fixed(pair[0], half), 0, forged, 0, half);
            System.arraycopy(fixed(pair[1], half), 0, forged, half, half);
            String hostile = withSignature(token, forged);
            assertThat(outcome(accpVerifier, hostile))
                    .as("r=%s s=%s", pair[0], pair[1])
                    .isEqualTo(ErrorCode.INVALID_SIGNATURE.toString());
            assertThat(outcome(this.jdk, hostile))
                    .as("r=%s s=%s", pair[0], pair[1])
                    .isEqualTo(ErrorCode.INVALID_SIGNATURE.toString());
        }
    }

    /**
     * Many random tokens, valid or altered one way or another, each answered by both providers: the answers are the
     * same, and right. The seed is in every description ({@code -Ddualcore.test.seed} replays a run).
     */
    @Test
    void verifyWhenRandomTokensThenAccpAnswersExactlyAsJdk() {
        RandomText seeds = RandomText.create();
        SplittableRandom random = new SplittableRandom(seeds.seed());
        OidcTokenVerifier accpVerifier = verifier(accp);
        int accepted = 0;
        for (int i = 0; i < TOKENS; i++) {
            JWSAlgorithm alg = JWSAlgorithm.parse(ALGORITHMS.get(random.nextInt(ALGORITHMS.size())));
            String subject = "user-" + i;
            String token = token(alg, subject, false);
            byte[] signature = signature(token);
            int change = random.nextInt(7);
            String candidate = switch (change) {
                case 0 -> token;
                case 1 -> withSignature(token, flip(signature, random.nextInt(signature.length * 8)));
                case 2 -> withSignature(token, Arrays.copyOf(signature, random.nextInt(1, signature.length)));
                case 3 -> withSignature(token, Arrays.copyOf(signature, signature.length + random.nextInt(1, 9)));
                case 4 -> withSignature(token, randomBytes(random, signature.length));
                case 5 -> token(alg, subject, true);
                default ->
                    signingInput(token(alg, subject + "-other", false))
                            + "."
                            + token.substring(token.lastIndexOf('.') + 1);
            };
            String expected = (change == 0) ? "accepted " + subject : ErrorCode.INVALID_SIGNATURE.toString();
            String description = seeds.describe(i, alg + " change " + change);
            assertThat(outcome(accpVerifier, candidate)).as(description).isEqualTo(expected);
            assertThat(outcome(this.jdk, candidate)).as(description).isEqualTo(expected);
            accepted += (change == 0) ? 1 : 0;
        }
        assertThat(accepted).as("some valid tokens among them").isPositive();
    }

    @Test
    void verifyWhenGivenProviderHasNoSignatureAlgorithmsThenInvalidSignatureNeverTheJdkInstead() {
        Provider empty = new Provider("Empty", "1.0", "no services") {};
        OidcTokenVerifier verifier = verifier(SignatureProvider.choose(CryptoProvider.AUTO, () -> empty));

        for (String algorithm : ALGORITHMS) {
            assertThat(outcome(verifier, token(JWSAlgorithm.parse(algorithm), "valid", false)))
                    .as(algorithm)
                    .isEqualTo(ErrorCode.INVALID_SIGNATURE.toString());
        }
    }

    /** The verifier's answer: {@code accepted <subject>} or the refusal's code; anything else escapes and fails. */
    private static String outcome(OidcTokenVerifier verifier, String token) {
        try {
            GatewayIdentity identity =
                    verifier.verify(ParsedToken.parse(token, 16_384)).block();
            return "accepted " + identity.subject();
        } catch (TokenRejectedException ex) {
            return ex.errorCode().toString();
        }
    }

    private static String token(JWSAlgorithm alg, String subject, boolean foreignKey) {
        String kid;
        JWSSigner signer;
        if (JWSAlgorithm.Family.EC.contains(alg)) {
            boolean p256 = JWSAlgorithm.ES256.equals(alg);
            kid = p256 ? EC_256.getKeyID() : EC_384.getKeyID();
            ECKey key = p256 ? (foreignKey ? EC_256_OTHER : EC_256) : (foreignKey ? EC_384_OTHER : EC_384);
            signer = ecSigner(key);
        } else {
            kid = RSA.getKeyID();
            signer = TestTokens.signer(foreignKey ? RSA_OTHER : RSA);
        }
        String payload = TestChain.payloadOf(
                TestTokens.oidc(RSA, ISSUER).claim("sub", subject).sign());
        String header = "{\"alg\":\"" + alg.getName() + "\",\"kid\":\"" + kid + "\",\"typ\":\"JWT\"}";
        return TestTokens.signedRaw(header, payload, signer, alg);
    }

    private static String signingInput(String token) {
        return token.substring(0, token.lastIndexOf('.'));
    }

    private static byte[] signature(String token) {
        return Base64URL.from(token.substring(token.lastIndexOf('.') + 1)).decode();
    }

    private static String withSignature(String token, byte[] signature) {
        return signingInput(token) + "." + Base64URL.encode(signature);
    }

    private static byte[] flip(byte[] bytes, int bit) {
        byte[] flipped = bytes.clone();
        flipped[bit / 8] ^= (byte) (1 << (bit % 8));
        return flipped;
    }

    private static byte[] randomBytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** {@code value} big-endian in exactly {@code length} bytes (as JWS puts r and s). */
    private static byte[] fixed(BigInteger value, int length) {
        byte[] raw = value.toByteArray();
        byte[] fixed = new byte[length];
        int copy = Math.min(raw.length, length);
        System.arraycopy(raw, raw.length - copy, fixed, length - copy, copy);
        return fixed;
    }

    private static ECKey ecKey(Curve curve, String kid) {
        try {
            return new ECKeyGenerator(curve).keyID(kid).generate();
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static JWSSigner ecSigner(ECKey key) {
        try {
            return new ECDSASigner(key);
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
