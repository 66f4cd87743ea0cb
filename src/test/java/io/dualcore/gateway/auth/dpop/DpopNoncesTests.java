package io.dualcore.gateway.auth.dpop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.testsupport.MutableClock;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Stateless server nonces (RFC 9449 §8): rotation, the previous window's grace, shared secrets, and the proof check. */
class DpopNoncesTests {

    private static final String SECRET = Base64.getEncoder().encodeToString(new byte[32]);

    private static final String OTHER_SECRET =
            Base64.getEncoder().encodeToString("x".repeat(32).getBytes());

    private static final String URL = "https://api.example.com/api/orders";

    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";

    private static final ECKey KEY = DpopProofs.ecKey();

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T12:00:00Z"));

    private final DpopNonces nonces = nonces(SECRET);

    private DpopNonces nonces(String secret) {
        return new DpopNonces(new DpopProperties.Nonce(true, secret, Duration.ofMinutes(5)), this.clock);
    }

    @Test
    void acceptsWhenCurrentNonceThenTrue() {
        assertThat(this.nonces.accepts(this.nonces.current())).isTrue();
    }

    @Test
    void acceptsWhenOneWindowLaterThenPreviousNonceStillAcceptedAndANewOneIsCurrent() {
        String first = this.nonces.current();

        this.clock.advance(Duration.ofMinutes(5));

        assertThat(this.nonces.current()).isNotEqualTo(first);
        assertThat(this.nonces.accepts(first)).isTrue();
    }

    @Test
    void acceptsWhenTwoWindowsLaterThenOldNonceRefused() {
        String first = this.nonces.current();

        this.clock.advance(Duration.ofMinutes(10));

        assertThat(this.nonces.accepts(first)).isFalse();
    }

    @Test
    void acceptsWhenAnotherInstanceSharesTheSecretThenItsNonceAccepted() {
        assertThat(nonces(SECRET).accepts(this.nonces.current())).isTrue();
        assertThat(nonces(OTHER_SECRET).accepts(this.nonces.current())).isFalse();
    }

    @Test
    void acceptsWhenMissingEmptyOrHugeThenFalse() {
        assertThat(this.nonces.accepts(null)).isFalse();
        assertThat(this.nonces.accepts("")).isFalse();
        assertThat(this.nonces.accepts("A".repeat(10_000))).isFalse();
    }

    @Test
    void constructWhenSecretTooShortOrNotBase64ThenStartupErrorNamesTheProperty() {
        assertThatThrownBy(() -> nonces(Base64.getEncoder().encodeToString(new byte[8])))
                .hasMessageContaining("dualcore.auth.dpop.nonce.secret");
        assertThatThrownBy(() -> nonces("not base64 !!")).hasMessageContaining("dualcore.auth.dpop.nonce.secret");
    }

    @Test
    void verifyWhenNoncesOnAndProofWithoutNonceThenUseDpopNonce() {
        DpopProofVerifier verifier = verifier();
        String proof =
                DpopProofs.proof(KEY, "GET", URL, TOKEN, this.clock.instant()).sign();

        assertThatThrownBy(() -> verifier.verify(proof, "GET", URL, TOKEN))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.USE_DPOP_NONCE));
    }

    @Test
    void verifyWhenNoncesOnAndProofWithStaleNonceThenUseDpopNonce() {
        DpopProofVerifier verifier = verifier();
        String stale = verifier.nonces().current();
        this.clock.advance(Duration.ofMinutes(10));
        String proof = DpopProofs.proof(KEY, "GET", URL, TOKEN, this.clock.instant())
                .claim("nonce", stale)
                .sign();

        assertThatThrownBy(() -> verifier.verify(proof, "GET", URL, TOKEN))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.USE_DPOP_NONCE));
    }

    @Test
    void verifyWhenNoncesOnAndProofWithCurrentNonceThenVerified() {
        DpopProofVerifier verifier = verifier();
        String proof = DpopProofs.proof(KEY, "GET", URL, TOKEN, this.clock.instant())
                .claim("nonce", verifier.nonces().current())
                .sign();

        assertThat(verifier.verify(proof, "GET", URL, TOKEN).thumbprint()).isEqualTo(DpopProofs.thumbprint(KEY));
    }

    @Test
    void verifyWhenNoncesOnButProofOtherwiseInvalidThenInvalidProofNotANonceRetry() {
        DpopProofVerifier verifier = verifier();
        String proof =
                DpopProofs.proof(KEY, "POST", URL, TOKEN, this.clock.instant()).sign();

        assertThatThrownBy(() -> verifier.verify(proof, "GET", URL, TOKEN))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.INVALID_DPOP_PROOF));
    }

    private DpopProofVerifier verifier() {
        return new DpopProofVerifier(
                DpopProperties.defaults().withNonce(new DpopProperties.Nonce(true, SECRET, Duration.ofMinutes(5))),
                this.clock);
    }
}
