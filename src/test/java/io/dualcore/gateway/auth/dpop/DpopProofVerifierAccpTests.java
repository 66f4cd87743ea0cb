package io.dualcore.gateway.auth.dpop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.crypto.CryptoProvider;
import io.dualcore.gateway.auth.crypto.SignatureProvider;
import io.dualcore.gateway.testsupport.AccpProvider;
import io.dualcore.gateway.web.ErrorCode;
import java.security.Provider;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every case of {@link DpopProofVerifierTests} again with Amazon Corretto Crypto Provider verifying the signatures
 * (where it loads: Linux x86_64), and proof that the verifier really uses the provider it was given.
 */
class DpopProofVerifierAccpTests extends DpopProofVerifierTests {

    private static SignatureProvider accp;

    @BeforeAll
    static void loadAccp() {
        accp = AccpProvider.orSkip();
    }

    @Override
    SignatureProvider signatureProvider() {
        return accp;
    }

    @Test
    void verifyWhenGivenProviderHasNoSignatureAlgorithmsThenRefusedNeverTheJdkInstead() {
        Provider empty = new Provider("Empty", "1.0", "no services") {};
        DpopProofVerifier verifier = new DpopProofVerifier(
                DpopProperties.defaults(),
                Clock.systemUTC(),
                SignatureProvider.choose(CryptoProvider.AUTO, () -> empty));
        String proof = DpopProofs.proof(DpopProofs.ecKey(), "GET", "https://api.example.com/x", "token", Instant.now())
                .sign();

        assertThatThrownBy(() -> verifier.verify(proof, "GET", "https://api.example.com/x", "token"))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.INVALID_DPOP_PROOF));
    }
}
