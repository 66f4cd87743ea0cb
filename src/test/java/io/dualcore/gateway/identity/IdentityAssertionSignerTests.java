package io.dualcore.gateway.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.crypto.SignatureProvider;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.testsupport.AccpProvider;
import io.dualcore.gateway.testsupport.MutableClock;
import java.security.Provider;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** When an identity assertion is reused and when it is signed anew. */
class IdentityAssertionSignerTests {

    private static final Duration TTL = Duration.ofSeconds(60);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00.250Z"));

    private final IdentityAssertionSigner signer = new IdentityAssertionSigner(
            new IdentityProperties.Assertion("dualcore-gateway", TTL, Duration.ofHours(24)), this.clock);

    private GatewayIdentity identity(String subject, Duration validFor) {
        return new GatewayIdentity(
                OidcVerificationMode.MODE,
                "https://idp.test/realms/a",
                "a",
                subject,
                "web",
                Set.of("user"),
                Set.of("openid"),
                null,
                "kid-1",
                this.clock.instant().plus(validFor),
                Map.of("sub", subject));
    }

    @Test
    void assertionForWhenWithinElevenSixteenthsOfLifetimeThenSameAssertion() {
        GatewayIdentity alice = identity("alice", Duration.ofMinutes(10));
        String first = this.signer.assertionFor(alice, "orders");

        this.clock.advance(Duration.ofSeconds(41));

        assertThat(this.signer.assertionFor(alice, "orders")).isSameAs(first);
        // another token of the same caller (a new identity instance with the same content) reuses it too
        assertThat(this.signer.assertionFor(identity("alice", Duration.ofMinutes(10)), "orders"))
                .isEqualTo(first);
    }

    @Test
    void assertionForWhenThirteenSixteenthsOfLifetimeGoneThenSignedAnew() throws Exception {
        GatewayIdentity alice = identity("alice", Duration.ofMinutes(10));
        String first = this.signer.assertionFor(alice, "orders");

        this.clock.advance(Duration.ofMillis(48_750));
        String second = this.signer.assertionFor(alice, "orders");

        assertThat(second).isNotEqualTo(first);
        // the new one still has a quarter of its lifetime left when it is renewed in turn
        assertThat(SignedJWT.parse(second).getJWTClaimsSet().getExpirationTime().toInstant())
                .isEqualTo(this.clock.instant().plus(TTL).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    @Test
    void assertionForWhenOtherRouteThenOwnAssertion() throws Exception {
        GatewayIdentity alice = identity("alice", Duration.ofMinutes(10));

        String orders = this.signer.assertionFor(alice, "orders");
        String billing = this.signer.assertionFor(alice, "billing");

        assertThat(billing).isNotEqualTo(orders);
        assertThat(SignedJWT.parse(billing).getJWTClaimsSet().getAudience()).containsExactly("billing");
    }

    @Test
    void assertionForWhenTokenExpiresSoonThenShortAssertionStillReused() throws Exception {
        // 10 s left: the assertion ends with the token, and is reused for most of those 10 s, not signed per request
        GatewayIdentity soon = identity("bob", Duration.ofSeconds(10));
        String first = this.signer.assertionFor(soon, "orders");

        assertThat(SignedJWT.parse(first).getJWTClaimsSet().getExpirationTime().toInstant())
                .isBeforeOrEqualTo(soon.expiresAt());
        this.clock.advance(Duration.ofMillis(6_800));
        assertThat(this.signer.assertionFor(soon, "orders")).isSameAs(first);
        this.clock.advance(Duration.ofMillis(1_400));
        assertThat(this.signer.assertionFor(soon, "orders")).isNotEqualTo(first);
    }

    @Test
    void assertionForWhenKeyRotatedThenSignedWithNewKey() throws Exception {
        GatewayIdentity alice = identity("alice", Duration.ofMinutes(10));
        String first = this.signer.assertionFor(alice, "orders");

        this.signer.rotate();
        String second = this.signer.assertionFor(alice, "orders");

        assertThat(SignedJWT.parse(second).getHeader().getKeyID())
                .isEqualTo(this.signer.currentKeyId())
                .isNotEqualTo(SignedJWT.parse(first).getHeader().getKeyID());
    }

    @Test
    void assertionForWhenReloadedSettingsThenTheirIssuerAndLifetimeAndNoReuseAcrossSettings() throws Exception {
        GatewayIdentity alice = identity("alice", Duration.ofMinutes(10));
        IdentityProperties.Assertion reloaded =
                new IdentityProperties.Assertion("gateway-b", Duration.ofSeconds(300), Duration.ofHours(24));
        String startup = this.signer.assertionFor(alice, "orders");

        String live = this.signer.assertionFor(alice, "orders", reloaded);

        assertThat(live).isNotEqualTo(startup);
        assertThat(SignedJWT.parse(live).getJWTClaimsSet().getIssuer()).isEqualTo("gateway-b");
        assertThat(SignedJWT.parse(live).getJWTClaimsSet().getExpirationTime().toInstant())
                .isEqualTo(this.clock.instant().plusSeconds(300).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        assertThat(this.signer.assertionFor(alice, "orders", reloaded)).isSameAs(live);
        assertThat(this.signer.assertionFor(
                        alice,
                        "orders",
                        new IdentityProperties.Assertion("gateway-b", Duration.ofSeconds(300), Duration.ofHours(24))))
                .as("equal settings of another reload")
                .isSameAs(live);
        // a key retired after a longer-lived assertion stays published for that longer lifetime
        String keyId = this.signer.currentKeyId();
        this.signer.rotate();
        this.clock.advance(Duration.ofSeconds(200));
        assertThat(this.signer.publicJwks().toString()).contains(keyId);
    }

    @Test
    void assertionForWhenReusedThenNeverPastThirteenSixteenthsOfItsLifetime() throws Exception {
        GatewayIdentity alice = identity("alice", Duration.ofMinutes(10));

        for (int step = 0; step < 600; step++) {
            String assertion = this.signer.assertionFor(alice, "orders");
            Instant expiresAt = SignedJWT.parse(assertion)
                    .getJWTClaimsSet()
                    .getExpirationTime()
                    .toInstant();
            // 3/16 of 60 s = 11.25 s; the exp claim is in whole seconds (at most 1 s earlier than the real expiry)
            assertThat(expiresAt).isAfterOrEqualTo(this.clock.instant().plusMillis(11_250 - 1_000));
            this.clock.advance(Duration.ofMillis(499));
        }
    }

    @Test
    void renewAtWhenManySignedTogetherThenSpreadOverAnEighthOfTheLifetime() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        Instant expiresAt = now.plus(TTL);
        Set<Instant> distinct = new HashSet<>();
        Instant earliest = Instant.MAX;
        Instant latest = Instant.MIN;
        for (int i = 0; i < 1_000; i++) {
            Instant renewAt = IdentityAssertionSigner.renewAt(now, expiresAt);
            distinct.add(renewAt);
            earliest = renewAt.isBefore(earliest) ? renewAt : earliest;
            latest = renewAt.isAfter(latest) ? renewAt : latest;
        }
        assertThat(earliest).isAfterOrEqualTo(now.plusMillis(41_250));
        assertThat(latest).isBeforeOrEqualTo(now.plusMillis(48_750));
        // 1,000 draws over 7.5 s: spread, not one instant (the chance that they span under 5 s is ~1e-170)
        assertThat(Duration.between(earliest, latest)).isGreaterThan(Duration.ofSeconds(5));
        assertThat(distinct).hasSizeGreaterThan(900);
    }

    @Test
    void renewAtWhenAlreadyExpiredThenNow() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        assertThat(IdentityAssertionSigner.renewAt(now, now.minusSeconds(1))).isEqualTo(now);
    }

    @Test
    void assertionForWhenSignedWithAccpThenVerifiesWithTheJdkAgainstThePublishedKey() throws Exception {
        SignatureProvider accp = AccpProvider.orSkip();
        IdentityAssertionSigner native_ = new IdentityAssertionSigner(
                new IdentityProperties.Assertion("dualcore-gateway", TTL, Duration.ofHours(24)),
                this.clock,
                accp.provider());
        for (int i = 0; i < 50; i++) {
            SignedJWT assertion =
                    SignedJWT.parse(native_.assertionFor(identity("user-" + i, Duration.ofMinutes(10)), "orders"));
            ECKey published = (ECKey) JWKSet.parse(native_.publicJwks())
                    .getKeyByKeyId(assertion.getHeader().getKeyID());
            // the JDK's verifier (no provider set) accepts what ACCP signed, and refuses it with one bit flipped
            assertThat(assertion.verify(new ECDSAVerifier(published))).isTrue();
            String[] parts = assertion.serialize().split("\\.");
            byte[] signature = Base64.getUrlDecoder().decode(parts[2]);
            signature[i % signature.length] ^= 0x01;
            SignedJWT flipped = SignedJWT.parse(parts[0] + "." + parts[1] + "."
                    + Base64.getUrlEncoder().withoutPadding().encodeToString(signature));
            assertThat(flipped.verify(new ECDSAVerifier(published))).isFalse();
        }
    }

    @Test
    void assertionForWhenTheProviderCannotSignThenTheJdkSignsAndTheAssertionVerifies() throws Exception {
        Provider empty = new Provider("Empty", "1.0", "no services") {};
        IdentityAssertionSigner signer = new IdentityAssertionSigner(
                new IdentityProperties.Assertion("dualcore-gateway", TTL, Duration.ofHours(24)), this.clock, empty);
        SignedJWT assertion = SignedJWT.parse(signer.assertionFor(identity("alice", Duration.ofMinutes(10)), "orders"));
        ECKey published = (ECKey) JWKSet.parse(signer.publicJwks())
                .getKeyByKeyId(assertion.getHeader().getKeyID());
        assertThat(assertion.verify(new ECDSAVerifier(published))).isTrue();
        assertThat(assertion.getJWTClaimsSet().getSubject()).isEqualTo("alice");
    }
}
