package io.dualcore.gateway.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import com.nimbusds.jwt.SignedJWT;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

/** UserInfo claims of an enriched identity reach the upstream: identity headers and the signed assertion. */
class UserInfoIdentityTests {

    private final IdentityHeaders headers = new IdentityHeaders("X-Auth-");

    private static GatewayIdentity identity() {
        return new GatewayIdentity(
                OidcVerificationMode.MODE,
                "https://idp.test/realms/a",
                "a",
                "user-1",
                "web",
                Set.of("user"),
                Set.of("openid"),
                null,
                "kid-1",
                Instant.now().plusSeconds(300),
                Map.of("sub", "user-1", "email", "old@example.com"));
    }

    private static GatewayIdentity enriched() {
        Map<String, Object> userInfo = new LinkedHashMap<>();
        userInfo.put("email", "alice@example.com");
        userInfo.put("preferred_username", "Älice, \"the\" admin ");
        userInfo.put("groups", List.of("admins", "ops"));
        userInfo.put("email_verified", true);
        userInfo.put("address", Map.of("country", "DE"));
        return identity().withUserInfo(userInfo);
    }

    @Test
    void writeWhenEnrichedThenOneClaimHeaderPerUserInfoClaim() {
        HttpHeaders out = new HttpHeaders();

        this.headers.write(enriched(), out);

        assertThat(out.getFirst("X-Auth-Claim-Email")).isEqualTo("alice@example.com");
        assertThat(out.getFirst("X-Auth-Claim-Groups")).isEqualTo("admins,ops");
        assertThat(out.getFirst("X-Auth-Claim-Email-Verified")).isEqualTo("true");
        // encoded: no raw non-ASCII, comma, quote or space (a trailing space would be trimmed upstream)
        assertThat(out.getFirst("X-Auth-Claim-Preferred-Username")).isEqualTo("%C3%84lice%2C%20%22the%22%20admin%20");
        assertThat(out.get("X-Auth-Subject")).containsExactly("user-1");
        // objects are not flattened into headers
        assertThat(out.containsHeader("X-Auth-Claim-Address")).isFalse();
        assertThat(this.headers.isReserved("X-Auth-Claim-Email")).isTrue();
    }

    @Test
    void withUserInfoWhenClaimHoldsControlCharacterThenInvalidClaim() {
        Map<String, Object> userInfo = Map.of("preferred_username", "alice\r\nX-Auth-Subject: admin");

        assertThatExceptionOfType(TokenRejectedException.class)
                .isThrownBy(() -> identity().withUserInfo(userInfo))
                .satisfies(ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.INVALID_CLAIM))
                .satisfies(ex -> assertThat(ex.description()).doesNotContain("alice"));
    }

    @Test
    void writeWhenArrayHoldsAnObjectThenNoHeaderForIt() {
        HttpHeaders out = new HttpHeaders();

        this.headers.write(identity().withUserInfo(Map.of("groups", List.of("a", Map.of("b", 1)))), out);

        assertThat(out.containsHeader("X-Auth-Claim-Groups")).isFalse();
    }

    @Test
    void writeWhenNotEnrichedThenNoClaimHeaders() {
        HttpHeaders out = new HttpHeaders();

        this.headers.write(identity(), out);

        assertThat(out.headerNames()).noneMatch(name -> name.startsWith("X-Auth-Claim-"));
    }

    @Test
    void withUserInfoWhenClaimInTokenThenUserInfoValueInClaims() {
        GatewayIdentity enriched = enriched();

        assertThat(enriched.claims())
                .containsEntry("email", "alice@example.com")
                .containsEntry("sub", "user-1");
        assertThat(enriched.userInfo()).containsKeys("email", "groups");
        assertThat(identity().userInfo()).isNull();
        assertThat(enriched).isNotEqualTo(identity());
    }

    @Test
    void assertionWhenEnrichedThenUserInfoClaimsNestedUnderUserinfo() throws Exception {
        IdentityAssertionSigner signer = new IdentityAssertionSigner(
                new IdentityProperties.Assertion("dualcore-gateway", Duration.ofSeconds(60), Duration.ofHours(24)),
                Clock.systemUTC());

        SignedJWT assertion = SignedJWT.parse(signer.assertionFor(enriched(), "orders"));

        Map<String, Object> userInfo = assertion.getJWTClaimsSet().getJSONObjectClaim("userinfo");
        assertThat(userInfo).containsEntry("email", "alice@example.com").containsKey("groups");
        assertThat(assertion.getJWTClaimsSet().getSubject()).isEqualTo("user-1");
        assertThat(SignedJWT.parse(signer.assertionFor(identity(), "orders"))
                        .getJWTClaimsSet()
                        .getClaim("userinfo"))
                .isNull();
    }
}
