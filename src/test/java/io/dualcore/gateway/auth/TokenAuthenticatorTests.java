package io.dualcore.gateway.auth;

import static io.dualcore.gateway.auth.TestChain.ISSUER_A;
import static io.dualcore.gateway.auth.TestChain.KEY_A;
import static io.dualcore.gateway.auth.TestChain.realmAToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** The chain end to end: identities it produces, routing by issuer, and the verified-token cache. */
class TokenAuthenticatorTests {

    private final TestChain chain = TestChain.create();

    @Test
    void authenticateWhenValidRealmATokenThenOidcIdentity() {
        Instant exp = Instant.now().plusSeconds(300).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String token = realmAToken().claim("sub", "alice").time("exp", exp).sign();

        GatewayIdentity identity = this.chain.accept(token);

        assertThat(identity.mode()).isEqualTo(OidcVerificationMode.MODE);
        assertThat(identity.issuer()).isEqualTo(ISSUER_A);
        assertThat(identity.realm()).isEqualTo("realm-a");
        assertThat(identity.subject()).isEqualTo("alice");
        assertThat(identity.clientId()).isEqualTo("dualcore-service");
        assertThat(identity.roles()).containsExactlyInAnyOrder("user", "dualcore-gateway:orders.read");
        assertThat(identity.scopes()).containsExactlyInAnyOrder("openid", "profile", "email");
        assertThat(identity.keyId()).isEqualTo(KEY_A.getKeyID());
        assertThat(identity.deviceId()).isNull();
        assertThat(identity.expiresAt()).isEqualTo(exp);
        assertThat(identity.claims()).containsEntry("sub", "alice");
    }

    @Test
    void authenticateWhenAzpMissingThenClientIdFromClientIdClaim() {
        String token =
                realmAToken().without("azp").claim("client_id", "legacy-client").sign();
        assertThat(this.chain.accept(token).clientId()).isEqualTo("legacy-client");
    }

    @Test
    void authenticateWhenRolesOfOtherClientsThenOnlyConfiguredClientRolesMapped() {
        String token = realmAToken()
                .claim(
                        "resource_access",
                        java.util.Map.of(
                                "dualcore-gateway", java.util.Map.of("roles", List.of("orders.write")),
                                "account", java.util.Map.of("roles", List.of("manage-account"))))
                .sign();
        assertThat(this.chain.accept(token).roles()).containsExactlyInAnyOrder("user", "dualcore-gateway:orders.write");
    }

    @Test
    void authenticateWhenScpListThenScopes() {
        String token =
                realmAToken().without("scope").claim("scp", List.of("a", "b")).sign();
        assertThat(this.chain.accept(token).scopes()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void authenticateWhenEachIssuerThenItsOwnVerifier() {
        assertThat(this.chain.accept(TestChain.realmBToken().sign()).realm()).isEqualTo("realm-b");
        assertThat(this.chain.accept(TestChain.realmEcToken()).realm()).isEqualTo("realm-ec");
        assertThat(this.chain.accept(TestChain.edgeToken().sign()).realm()).isEqualTo("edge");
        assertThat(this.chain.keysA.fetchCount()).isZero();
    }

    @Test
    void authenticateWhenExpWithinClockSkewThenAccepted() {
        String token = realmAToken()
                .time("iat", Instant.now().minusSeconds(300))
                .time("exp", Instant.now().minusSeconds(5))
                .sign();
        assertThat(this.chain.accept(token).subject()).startsWith("user-");
    }

    @Test
    void authenticateWhenTokenReusedThenServedFromCache() {
        String token = realmAToken().sign();
        GatewayIdentity first = this.chain.accept(token);
        long fetches = this.chain.keysA.fetchCount();

        GatewayIdentity second = this.chain.accept(token);

        // a fresh verification builds a new identity; the cache hands back the one it stored
        assertThat(second).isSameAs(first);
        assertThat(this.chain.cache.size()).isEqualTo(1);
        assertThat(this.chain.keysA.fetchCount()).isEqualTo(fetches);
    }

    @Test
    void authenticateWhenTokenReusedThenVerifierNotCalledAgain() {
        AtomicInteger verifications = new AtomicInteger();
        TokenVerifier counting = new TokenVerifier() {
            @Override
            public String issuer() {
                return ISSUER_A;
            }

            @Override
            public String name() {
                return "counting";
            }

            @Override
            public Mono<GatewayIdentity> verify(ParsedToken token) {
                verifications.incrementAndGet();
                return TokenAuthenticatorTests.this.chain.realmA.verify(token);
            }

            @Override
            public boolean stillTrusts(GatewayIdentity identity) {
                return TokenAuthenticatorTests.this.chain.realmA.stillTrusts(identity);
            }
        };
        TokenAuthenticator authenticator = new TokenAuthenticator(
                List.of(counting), new VerifiedTokenCache(100, java.time.Clock.systemUTC()), 8192);
        String token = realmAToken().sign();

        for (int i = 0; i < 5; i++) {
            assertThat(authenticator.authenticate(token).block()).isNotNull();
        }

        assertThat(verifications).hasValue(1);
    }

    @Test
    void authenticateWhenCacheOffThenEveryUseVerified() {
        TokenAuthenticator uncached = new TokenAuthenticator(List.of(this.chain.realmA), null, 8192);
        String token = realmAToken().sign();
        GatewayIdentity first = uncached.authenticate(token).block();
        GatewayIdentity second = uncached.authenticate(token).block();
        assertThat(second).isNotSameAs(first).isEqualTo(first);
    }

    @Test
    void authenticateWhenSignatureDiffersFromCachedTokenThenNotServedFromCache() {
        String token = realmAToken().sign();
        this.chain.accept(token);
        String forged = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
        TokenRejectedException ex = this.chain.assertRejected(forged);
        assertThat(ex.errorCode()).isIn(ErrorCode.INVALID_SIGNATURE, ErrorCode.MALFORMED_TOKEN);
    }

    @Test
    void authenticateWhenRejectedThenNotCached() {
        String token = realmAToken().claim("aud", "other").sign();
        this.chain.assertRejected(token, ErrorCode.AUDIENCE_MISMATCH);
        this.chain.assertRejected(token, ErrorCode.AUDIENCE_MISMATCH);
        assertThat(this.chain.cache.size()).isZero();
    }

    @Test
    void constructWhenIssuerConfiguredTwiceThenFails() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new TokenAuthenticator(List.of(this.chain.realmA, this.chain.realmA), null, 8192))
                .withMessageContaining(ISSUER_A);
    }

    @Test
    void issuerUnavailableMapsToServiceUnavailable() {
        assertThat(ErrorCode.ISSUER_UNAVAILABLE.status().value()).isEqualTo(503);
        assertThat(ErrorCode.INVALID_SIGNATURE.status().value()).isEqualTo(401);
    }
}
