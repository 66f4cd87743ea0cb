package io.dualcore.gateway.auth.oidc;

import static io.dualcore.gateway.auth.TestChain.realmAToken;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;

/** Spring Security validators and authorities mapping on the OIDC verification path. */
class OidcTokenVerifierExtensionsTests {

    @Test
    void verifyWhenValidatorFailsThenTokenRejectedByValidatorWithItsDescription() {
        TestChain chain = chainWith(new JwtExtensions(new JwtClaimValidator<String>("tenant", "acme"::equals), null));
        TokenRejectedException rejection = chain.assertRejected(
                realmAToken().claim("tenant", "other").sign(), ErrorCode.TOKEN_REJECTED_BY_VALIDATOR);
        assertThat(rejection.description()).isEqualTo("The tenant claim is not valid");
        assertThat(ErrorCode.TOKEN_REJECTED_BY_VALIDATOR.bearerError()).isEqualTo("invalid_token");
        assertThat(ErrorCode.TOKEN_REJECTED_BY_VALIDATOR.status().value()).isEqualTo(401);
    }

    @Test
    void verifyWhenValidatorPassesThenIdentityWithDefaultRoles() {
        TestChain chain = chainWith(new JwtExtensions(new JwtClaimValidator<String>("tenant", "acme"::equals), null));
        GatewayIdentity identity = chain.accept(realmAToken()
                .claim("tenant", "acme")
                .claim("realm_access", Map.of("roles", List.of("user")))
                .sign());
        assertThat(identity.roles()).contains("user");
    }

    @Test
    void verifyWhenValidatorThrowsThenRejectedFailClosed() {
        TestChain chain = chainWith(new JwtExtensions(
                jwt -> {
                    throw new IllegalStateException("bug in a team's validator");
                },
                null));
        TokenRejectedException rejection =
                chain.assertRejected(realmAToken().sign(), ErrorCode.TOKEN_REJECTED_BY_VALIDATOR);
        assertThat(rejection.description()).doesNotContain("bug");
    }

    @Test
    void verifyWhenValidatorErrorHasNoDescriptionThenGenericDescription() {
        TestChain chain = chainWith(new JwtExtensions(
                jwt -> OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN)), null));
        assertThat(chain.assertRejected(realmAToken().sign(), ErrorCode.TOKEN_REJECTED_BY_VALIDATOR)
                        .description())
                .isEqualTo("invalid_token");
    }

    @Test
    void verifyWhenValidatorRunsThenSeesSpringJwtWithConvertedClaims() {
        AtomicReference<Jwt> seen = new AtomicReference<>();
        OAuth2TokenValidator<Jwt> capture = jwt -> {
            seen.set(jwt);
            return OAuth2TokenValidatorResult.success();
        };
        String token = realmAToken().sign();
        chainWith(new JwtExtensions(capture, null)).accept(token);
        Jwt jwt = seen.get();
        assertThat(jwt.getTokenValue()).isEqualTo(token);
        assertThat(jwt.getIssuer().toString()).isEqualTo(TestChain.ISSUER_A);
        assertThat(jwt.getAudience()).contains(TestChain.AUDIENCE);
        assertThat(jwt.getExpiresAt()).isAfter(Instant.now());
        assertThat(jwt.getHeaders()).containsEntry("kid", TestChain.KEY_A.getKeyID());
    }

    @Test
    void verifyWhenCachedThenValidatorNotRunAgain() {
        AtomicInteger runs = new AtomicInteger();
        TestChain chain = chainWith(new JwtExtensions(
                jwt -> {
                    runs.incrementAndGet();
                    return OAuth2TokenValidatorResult.success();
                },
                null));
        String token = realmAToken().sign();
        chain.accept(token);
        chain.accept(token);
        assertThat(runs).hasValue(1);
    }

    @Test
    void verifyWhenAuthoritiesConverterThenItsAuthoritiesAreTheRoles() {
        TestChain chain = chainWith(new JwtExtensions(
                null, jwt -> List.of(new SimpleGrantedAuthority("SCOPE_" + jwt.getClaimAsString("tenant")))));
        GatewayIdentity identity = chain.accept(realmAToken()
                .claim("tenant", "acme")
                .claim("realm_access", Map.of("roles", List.of("user")))
                .sign());
        assertThat(identity.roles()).containsExactly("SCOPE_acme");
    }

    @Test
    void verifyWhenAuthoritiesConverterThrowsThenRejectedFailClosed() {
        TestChain chain = chainWith(new JwtExtensions(null, jwt -> {
            throw new IllegalArgumentException("broken");
        }));
        chain.assertRejected(realmAToken().sign(), ErrorCode.TOKEN_REJECTED_BY_VALIDATOR);
    }

    @Test
    void verifyWhenOtherIssuerThenExtensionsNotApplied() {
        TestChain chain = chainWith(new JwtExtensions(
                jwt -> OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "no", null)), null));
        assertThat(chain.accept(TestChain.realmBToken()
                                .claim("azp", TestChain.REALM_B_CLIENT)
                                .sign())
                        .realm())
                .isEqualTo("realm-b");
    }

    private static TestChain chainWith(JwtExtensions extensions) {
        return TestChain.options().realmAExtensions(extensions).build();
    }
}
