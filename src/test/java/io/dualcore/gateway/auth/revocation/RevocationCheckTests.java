package io.dualcore.gateway.auth.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.VerifiedTokenCache;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class RevocationCheckTests {

    private final TestChain chain = TestChain.create();

    private final RevocationList revocations = new RevocationList(1000, Clock.systemUTC());

    private final TokenAuthenticator authenticator = new TokenAuthenticator(
            List.of(this.chain.realmA, this.chain.realmB, this.chain.edge),
            new VerifiedTokenCache(1000, Clock.systemUTC()),
            TestChain.MAX_TOKEN_LENGTH,
            List.of(new RevocationCheck(this.revocations)));

    @Test
    void authenticateWhenCachedTokenRevokedThenTokenRevokedOnTheCacheHit() {
        String token = TestChain.realmAToken().claim("sub", "alice").sign();
        GatewayIdentity first = accept(token);
        assertThat(this.authenticator.authenticateNow(token)).isSameAs(first);
        long hits = this.authenticator.cacheHits();

        revoke(Revocation.Kind.SUBJECT, "realm-a", "alice");

        assertRevoked(() -> this.authenticator.authenticateNow(token));
        assertThat(this.authenticator.cacheHits())
                .as("refused on the verified-token cache hit, not by a new verification")
                .isEqualTo(hits + 1);
    }

    @Test
    void authenticateWhenRevocationLiftedThenSameTokenAcceptedAgain() {
        String token = TestChain.realmAToken().claim("sub", "alice").sign();
        accept(token);
        revoke(Revocation.Kind.SUBJECT, "realm-a", "alice");
        assertRevoked(() -> this.authenticator.authenticateNow(token));

        this.revocations.remove(Revocation.Kind.SUBJECT, "realm-a", "alice");

        assertThat(this.authenticator.authenticateNow(token).subject()).isEqualTo("alice");
    }

    @Test
    void authenticateWhenVerifiedReactivelyThenRevocationChecked() {
        String token = TestChain.realmAToken().claim("sub", "alice").sign();
        revoke(Revocation.Kind.SUBJECT, "realm-a", "alice");

        StepVerifier.create(this.authenticator.verify(token))
                .expectErrorSatisfies(ex ->
                        assertThat(((TokenRejectedException) ex).errorCode()).isEqualTo(ErrorCode.TOKEN_REVOKED))
                .verify();
        StepVerifier.create(this.authenticator.authenticate(token))
                .expectErrorSatisfies(ex ->
                        assertThat(((TokenRejectedException) ex).errorCode()).isEqualTo(ErrorCode.TOKEN_REVOKED))
                .verify();
    }

    @Test
    void authenticateWhenSameSubjectInAnotherRealmThenNotRevoked() {
        revoke(Revocation.Kind.SUBJECT, "realm-a", "alice");

        String realmB = TestChain.realmBToken().claim("sub", "alice").sign();

        assertThat(accept(realmB).realm()).isEqualTo("realm-b");
    }

    @Test
    void authenticateWhenEdgeDeviceRevokedThenEveryTokenOfTheDeviceRefused() {
        String first = TestChain.edgeToken().claim("device_id", "device-7").sign();
        String second = TestChain.edgeToken().claim("device_id", "device-7").sign();
        String other = TestChain.edgeToken().claim("device_id", "device-8").sign();
        accept(first);

        revoke(Revocation.Kind.DEVICE, "edge", "device-7");

        assertRevoked(() -> this.authenticator.authenticateNow(first));
        assertRevoked(() -> this.authenticator.authenticateNow(second));
        assertThat(accept(other).deviceId()).isEqualTo("device-8");
    }

    @Test
    void authenticateWhenJtiRevokedThenOnlyThatToken() {
        String revoked = TestChain.edgeToken().claim("jti", "jti-1").sign();
        String other = TestChain.edgeToken().claim("jti", "jti-2").sign();

        revoke(Revocation.Kind.TOKEN, "edge", "jti-1");

        assertRevoked(() -> this.authenticator.authenticateNow(revoked));
        assertThat(accept(other)).isNotNull();
    }

    @Test
    void authenticateWhenCheckBreaksThenRefusedNot500() {
        TokenAuthenticator broken = new TokenAuthenticator(
                List.of(this.chain.realmA), null, TestChain.MAX_TOKEN_LENGTH, List.of(identity -> {
                    throw new IllegalStateException("boom");
                }));

        StepVerifier.create(broken.authenticate(TestChain.realmAToken().sign()))
                .expectError(TokenRejectedException.class)
                .verify();
    }

    private GatewayIdentity accept(String token) {
        return this.authenticator.authenticate(token).block();
    }

    private void revoke(Revocation.Kind kind, String realm, String value) {
        this.revocations.add(
                new Revocation(kind, realm, value, null, false, Instant.now().plusSeconds(60), "admin"));
    }

    private static void assertRevoked(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.TOKEN_REVOKED));
    }
}
