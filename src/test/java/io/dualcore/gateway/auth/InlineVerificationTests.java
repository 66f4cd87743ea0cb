package io.dualcore.gateway.auth;

import static io.dualcore.gateway.auth.TestChain.realmAToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcore.gateway.web.ErrorCode;
import org.junit.jupiter.api.Test;

/**
 * Verification without I/O where none is needed: a token whose key is already loaded is verified on the calling
 * thread, and a token refused for a reason that cannot change is refused again from memory.
 */
class InlineVerificationTests {

    private final TestChain chain = TestChain.create();

    @Test
    void authenticateNowWhenKeysNotLoadedThenNullForTheReactivePath() {
        assertThat(this.chain.authenticator.authenticateNow(realmAToken().sign()))
                .as("the key must be fetched first")
                .isNull();
    }

    @Test
    void authenticateNowWhenKeyAlreadyLoadedThenVerifiedInlineWithoutFetch() {
        this.chain.accept(realmAToken().claim("sub", "first").sign());
        int fetches = this.chain.jwksA.calls();

        GatewayIdentity identity = this.chain.authenticator.authenticateNow(
                realmAToken().claim("sub", "second").sign());

        assertThat(identity).isNotNull();
        assertThat(identity.subject()).isEqualTo("second");
        assertThat(this.chain.jwksA.calls()).isEqualTo(fetches);
    }

    @Test
    void authenticateNowWhenKeyAlreadyLoadedAndSignatureBadThenRejectedInline() {
        this.chain.accept(realmAToken().sign());
        String forged = realmAToken().claim("sub", "mallory").sign();
        String tampered = forged.substring(0, forged.lastIndexOf('.') + 1)
                + TestChain.signatureOf(realmAToken().claim("sub", "alice").sign());

        assertThatThrownBy(() -> this.chain.authenticator.authenticateNow(tampered))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.INVALID_SIGNATURE));
    }

    @Test
    void authenticateWhenSameBadSignatureAgainThenRememberedRejection() {
        this.chain.accept(realmAToken().sign());
        String token = realmAToken().claim("sub", "mallory").sign();
        String tampered = token.substring(0, token.lastIndexOf('.') + 1)
                + TestChain.signatureOf(realmAToken().claim("sub", "alice").sign());

        TokenRejectedException first = this.chain.assertRejected(tampered, ErrorCode.INVALID_SIGNATURE);
        TokenRejectedException second = this.chain.assertRejected(tampered, ErrorCode.INVALID_SIGNATURE);

        assertThat(second).as("served from the rejection cache").isSameAs(first);
    }

    @Test
    void authenticateWhenUnknownKeyAgainThenVerifiedAgainNotRemembered() {
        String token = TestTokens.oidc(TestTokens.rsaKey("not-yet-published"), TestChain.ISSUER_A)
                .sign();

        TokenRejectedException first = this.chain.assertRejected(token, ErrorCode.UNKNOWN_KEY);
        TokenRejectedException second = this.chain.assertRejected(token, ErrorCode.UNKNOWN_KEY);

        assertThat(second).as("a rotation may publish the key").isNotSameAs(first);
    }

    @Test
    void authenticateWhenCacheOffThenNothingRemembered() {
        TokenAuthenticator uncached =
                new TokenAuthenticator(java.util.List.of(this.chain.realmA), null, TestChain.MAX_TOKEN_LENGTH);
        String token = realmAToken().claim("aud", "someone-else").sign();

        TokenRejectedException first = TestChain.assertRejected(uncached, token, ErrorCode.AUDIENCE_MISMATCH);
        TokenRejectedException second = TestChain.assertRejected(uncached, token, ErrorCode.AUDIENCE_MISMATCH);

        assertThat(second).isNotSameAs(first);
    }
}
