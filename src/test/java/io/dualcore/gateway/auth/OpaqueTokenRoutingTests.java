package io.dualcore.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Which tokens the {@link TokenAuthenticator} hands to the opaque-token verifier (introspection): only tokens not
 * shaped like a JWS or JWE and not too long; their identities pass the same identity checks as a JWT's.
 */
class OpaqueTokenRoutingTests {

    private final List<String> asked = new ArrayList<>();

    private final GatewayIdentity opaqueIdentity = new GatewayIdentity(
            OidcVerificationMode.MODE,
            "https://idp.test/realms/a",
            "a",
            "alice",
            "app",
            Set.of(),
            Set.of(),
            null,
            null,
            Instant.now().plusSeconds(60),
            Map.of("sub", "alice"));

    private final OpaqueTokenVerifier opaque = new OpaqueTokenVerifier() {
        @Override
        public GatewayIdentity cached(String token) {
            return null;
        }

        @Override
        public Mono<GatewayIdentity> verify(String token) {
            OpaqueTokenRoutingTests.this.asked.add(token);
            return Mono.just(OpaqueTokenRoutingTests.this.opaqueIdentity);
        }
    };

    private TokenAuthenticator authenticator(List<IdentityCheck> checks, OpaqueTokenVerifier verifier) {
        return new TokenAuthenticator(List.of(), null, 100, checks, verifier);
    }

    private static void assertRejected(Runnable call, ErrorCode code) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(code));
    }

    @Test
    void authenticateWhenOpaqueTokenThenIntrospectedIdentity() {
        TokenAuthenticator authenticator = authenticator(List.of(), this.opaque);

        assertThat(authenticator.authenticateNow("opaque-token")).isNull();
        assertThat(authenticator.authenticate("opaque-token").block()).isSameAs(this.opaqueIdentity);
        assertThat(this.asked).containsExactly("opaque-token");
    }

    @Test
    void authenticateWhenJwsOrJweShapedOrTooLongThenNeverIntrospected() {
        TokenAuthenticator authenticator = authenticator(List.of(), this.opaque);

        assertRejected(() -> authenticator.authenticate("a.b.c").block(), ErrorCode.MALFORMED_TOKEN);
        assertRejected(() -> authenticator.authenticate("a.b.c.d.e").block(), ErrorCode.UNSUPPORTED_TOKEN);
        assertRejected(() -> authenticator.authenticate("x".repeat(101)).block(), ErrorCode.MALFORMED_TOKEN);
        assertThat(this.asked).isEmpty();
    }

    @Test
    void authenticateWhenNoOpaqueVerifierThenOpaqueTokenMalformed() {
        assertRejected(
                () -> authenticator(List.of(), null)
                        .authenticate("opaque-token")
                        .block(),
                ErrorCode.MALFORMED_TOKEN);
    }

    @Test
    void authenticateWhenOpaqueIdentityRevokedThenTheIdentityCheckRefusesIt() {
        IdentityCheck revoked = identity -> {
            throw new TokenRejectedException(ErrorCode.TOKEN_REVOKED, "revoked");
        };

        assertRejected(
                () -> authenticator(List.of(revoked), this.opaque)
                        .authenticate("opaque-token")
                        .block(),
                ErrorCode.TOKEN_REVOKED);
    }

    @Test
    void verifyWhenChainCarriesItsConfigurationsOpaqueVerifierThenThatOneDecides() {
        TokenAuthenticator startupWithout = authenticator(List.of(), null);
        VerifierChain withOpaque = VerifierChain.EMPTY.withOpaqueTokens(this.opaque);

        assertThat(startupWithout.verify("opaque-token", withOpaque).block()).isSameAs(this.opaqueIdentity);
        assertThat(this.asked).containsExactly("opaque-token");
    }

    @Test
    void verifyWhenChainsConfigurationTakesNoOpaqueTokensThenRefusedWhateverTheStartupOne() {
        TokenAuthenticator startupWith = authenticator(List.of(), this.opaque);
        VerifierChain without = VerifierChain.EMPTY.withOpaqueTokens(null);

        assertRejected(() -> startupWith.verify("opaque-token", without).block(), ErrorCode.MALFORMED_TOKEN);
        assertRejected(() -> startupWith.authenticateNow("opaque-token", without), ErrorCode.MALFORMED_TOKEN);
        assertThat(this.asked).isEmpty();
    }
}
