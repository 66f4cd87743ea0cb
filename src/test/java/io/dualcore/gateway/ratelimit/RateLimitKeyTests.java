package io.dualcore.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/** Plan keys from the identity: per caller, per realm, per claim value; never from a request header. */
class RateLimitKeyTests {

    private static final String DUALCORE = "https://idp.test/realms/dualcore";

    private static final String PARTNERS = "https://idp.test/realms/partners";

    private static final MockServerWebExchange EXCHANGE = MockServerWebExchange.from(MockServerHttpRequest.get("/api")
            .remoteAddress(new InetSocketAddress("192.0.2.10", 40000))
            .header("X-Tenant", "acme"));

    private static GatewayIdentity user(String issuer, String realm, String subject, Map<String, Object> claims) {
        return new GatewayIdentity(
                OidcVerificationMode.MODE,
                issuer,
                realm,
                subject,
                "dualcore-service",
                Set.of(),
                Set.of(),
                null,
                "kid",
                Instant.parse("2030-01-01T00:00:00Z"),
                claims);
    }

    private static final GatewayIdentity ALICE = user(DUALCORE, "dualcore", "alice", Map.of("tenant_id", "acme"));

    private static final GatewayIdentity BOB = user(DUALCORE, "dualcore", "bob", Map.of("tenant_id", "acme"));

    private static final GatewayIdentity CAROL = user(DUALCORE, "dualcore", "carol", Map.of("tenant_id", "globex"));

    private static final GatewayIdentity DAVE = user(DUALCORE, "dualcore", "dave", Map.of());

    private static final GatewayIdentity ERIN = user(PARTNERS, "partners", "erin", Map.of("tenant_id", "acme"));

    private static RatePlan plan(String key, long capacity) {
        return RatePlan.of(
                "tenant",
                new RateLimitProperties.Plan(
                        List.of(new RateLimitProperties.Bandwidth(capacity, null, Duration.ofHours(1))),
                        RatePlan.FailurePolicy.LOCAL_FALLBACK,
                        key));
    }

    @Test
    void claimKeyWhenTwoUsersOfOneTenantThenTheyShareOneLimit() {
        LocalRateLimiter limiter = new LocalRateLimiter(100);
        RatePlan plan = plan("claim:tenant_id", 2);
        String prefix = "orders|tenant|";
        assertThat(limiter.consumeNow(prefix + plan.key().of(ALICE, EXCHANGE), plan)
                        .allowed())
                .isTrue();
        assertThat(limiter.consumeNow(prefix + plan.key().of(BOB, EXCHANGE), plan)
                        .allowed())
                .isTrue();
        assertThat(limiter.consumeNow(prefix + plan.key().of(ALICE, EXCHANGE), plan)
                        .allowed())
                .as("the tenant's budget is used up by its two users together")
                .isFalse();
        assertThat(limiter.consumeNow(prefix + plan.key().of(BOB, EXCHANGE), plan)
                        .allowed())
                .isFalse();
        assertThat(limiter.consumeNow(prefix + plan.key().of(CAROL, EXCHANGE), plan)
                        .allowed())
                .as("another tenant has its own budget")
                .isTrue();
    }

    @Test
    void identityKeyWhenTwoUsersOfOneTenantThenSeparateLimits() {
        RatePlan plan = plan("identity", 1);
        assertThat(plan.key().of(ALICE, EXCHANGE)).isNotEqualTo(plan.key().of(BOB, EXCHANGE));
        assertThat(plan.key().of(ALICE, EXCHANGE)).isEqualTo(RateLimitKeys.of(ALICE, EXCHANGE));
    }

    @Test
    void claimKeyWhenSameValueInOtherIssuerThenDifferentKey() {
        RateLimitKey key = RateLimitKey.of("p.key", "claim:tenant_id");
        assertThat(key.of(ALICE, EXCHANGE)).isEqualTo(key.of(BOB, EXCHANGE));
        assertThat(key.of(ALICE, EXCHANGE)).isNotEqualTo(key.of(ERIN, EXCHANGE));
    }

    @Test
    void claimKeyWhenClaimMissingThenCallersOwnKey() {
        RateLimitKey key = RateLimitKey.of("p.key", "claim:tenant_id");
        assertThat(key.of(DAVE, EXCHANGE)).isEqualTo(RateLimitKeys.of(DAVE, EXCHANGE));
    }

    @Test
    void claimKeyWhenClientSendsTenantHeaderThenHeaderIgnored() {
        RateLimitKey key = RateLimitKey.of("p.key", "claim:tenant_id");
        assertThat(key.of(CAROL, EXCHANGE)).doesNotContain("acme");
    }

    @Test
    void realmKeyWhenUsersOfOneRealmThenOneKeyAndOtherRealmAnother() {
        RateLimitKey key = RateLimitKey.of("p.key", "realm");
        assertThat(key.of(ALICE, EXCHANGE)).isEqualTo(key.of(CAROL, EXCHANGE));
        assertThat(key.of(ALICE, EXCHANGE)).isNotEqualTo(key.of(ERIN, EXCHANGE));
    }

    @Test
    void anyKeyWhenAnonymousThenPeerAddress() {
        assertThat(RateLimitKey.of("p.key", "claim:tenant_id").of(null, EXCHANGE))
                .isEqualTo("anonymous|192.0.2.10");
        assertThat(RateLimitKey.of("p.key", "realm").of(null, EXCHANGE)).isEqualTo("anonymous|192.0.2.10");
    }

    @Test
    void keyWhenHeaderOrUnknownFormThenStartupErrorNamingProperty() {
        assertThatIllegalStateException()
                .isThrownBy(() -> plan("header:X-Tenant", 1))
                .withMessageContaining("dualcore.rate-limit.plans.tenant.key")
                .withMessageContaining("never from a request header");
        assertThatIllegalStateException()
                .isThrownBy(() -> plan("claim:", 1))
                .withMessageContaining("dualcore.rate-limit.plans.tenant.key");
    }

    @Test
    void keyWhenDefaultThenIdentity() {
        assertThat(plan(null, 1).key()).isSameAs(RateLimitKey.IDENTITY);
        assertThat(plan("identity", 1).scaledDown(2).key()).isSameAs(RateLimitKey.IDENTITY);
        assertThat(plan("claim:tenant_id", 2).scaledDown(2).key().toString()).isEqualTo("claim:tenant_id");
    }
}
