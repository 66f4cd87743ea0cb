package io.dualcore.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.edge.EdgeVerificationMode;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

/** Whose bucket a request draws from: the verified identity, or the peer address, never a client header. */
class RateLimitKeysTests {

    private static final Instant EXPIRES = Instant.parse("2030-01-01T00:00:00Z");

    private static GatewayIdentity oidc(String issuer, String subject) {
        return new GatewayIdentity(
                OidcVerificationMode.MODE,
                issuer,
                "realm",
                subject,
                "web-app",
                Set.of("user"),
                Set.of("openid"),
                null,
                "rsa-1",
                EXPIRES,
                Map.of("sub", subject));
    }

    private static GatewayIdentity edge(String realm, String subject, String deviceId) {
        return new GatewayIdentity(
                EdgeVerificationMode.MODE,
                "dualcore-edge",
                realm,
                subject,
                null,
                Set.of(),
                Set.of(),
                deviceId,
                "k1",
                EXPIRES,
                Map.of());
    }

    private static ServerWebExchange exchange(InetSocketAddress peer, String... headers) {
        MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get("/");
        if (peer != null) {
            request.remoteAddress(peer);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return MockServerWebExchange.from(request);
    }

    private static final InetSocketAddress PEER = new InetSocketAddress("192.0.2.10", 51000);

    @Test
    void ofWhenOidcThenIssuerAndSubject() {
        assertThat(RateLimitKeys.of(oidc("https://idp.test/realms/a", "alice"), exchange(PEER)))
                .isEqualTo("oidc|https://idp.test/realms/a|alice");
    }

    @Test
    void ofWhenOidcSameSubjectOtherIssuerThenOtherKey() {
        assertThat(RateLimitKeys.of(oidc("https://idp.test/realms/a", "alice"), exchange(PEER)))
                .isNotEqualTo(RateLimitKeys.of(oidc("https://idp.test/realms/b", "alice"), exchange(PEER)));
    }

    @Test
    void ofWhenOidcThenPeerAddressAndHeadersIgnored() {
        GatewayIdentity alice = oidc("https://idp.test/realms/a", "alice");
        assertThat(RateLimitKeys.of(alice, exchange(new InetSocketAddress("198.51.100.1", 1))))
                .isEqualTo(RateLimitKeys.of(alice, exchange(null, "X-Forwarded-For", "203.0.113.9")));
    }

    @Test
    void ofWhenEdgeThenRealmAndDevice() {
        assertThat(RateLimitKeys.of(edge("edge-ring", "svc-sub", "device-42"), exchange(PEER)))
                .isEqualTo("edge|edge-ring|device-42");
    }

    @Test
    void ofWhenEdgeDevicesDifferThenKeysDiffer() {
        assertThat(RateLimitKeys.of(edge("edge-ring", "same-sub", "device-1"), exchange(PEER)))
                .isNotEqualTo(RateLimitKeys.of(edge("edge-ring", "same-sub", "device-2"), exchange(PEER)));
    }

    @Test
    void ofWhenModesShareNamesThenKeysDiffer() {
        assertThat(RateLimitKeys.of(oidc("x", "y"), exchange(PEER)))
                .isNotEqualTo(RateLimitKeys.of(edge("x", "y", "y"), exchange(PEER)));
    }

    @Test
    void ofWhenAnonymousThenPeerAddress() {
        assertThat(RateLimitKeys.of(null, exchange(PEER))).isEqualTo("anonymous|192.0.2.10");
    }

    @Test
    void ofWhenAnonymousThenPortIgnored() {
        assertThat(RateLimitKeys.of(null, exchange(new InetSocketAddress("192.0.2.10", 1))))
                .isEqualTo(RateLimitKeys.of(null, exchange(new InetSocketAddress("192.0.2.10", 65000))));
    }

    @Test
    void ofWhenAnonymousIpv6ThenOneKeyPerAddressWhateverTheNotation() {
        String key = RateLimitKeys.of(null, exchange(new InetSocketAddress("2001:db8::1", 443)));
        assertThat(key)
                .startsWith("anonymous|")
                .isEqualTo(RateLimitKeys.of(null, exchange(new InetSocketAddress("2001:0db8:0:0:0:0:0:1", 443))));
    }

    @Test
    void ofWhenAnonymousWithForwardingHeadersThenHeadersIgnored() {
        ServerWebExchange spoofed = exchange(
                PEER,
                "X-Forwarded-For",
                "203.0.113.7, 198.51.100.3",
                "X-Real-IP",
                "203.0.113.8",
                "Forwarded",
                "for=203.0.113.9;proto=https",
                "True-Client-IP",
                "203.0.113.10",
                "CF-Connecting-IP",
                "203.0.113.11",
                "X-Client-IP",
                "203.0.113.12");

        String key = RateLimitKeys.of(null, spoofed);

        assertThat(key).isEqualTo("anonymous|192.0.2.10").doesNotContain("203.0.113");
    }

    @Test
    void ofWhenAnonymousRotatesForwardingHeaderThenSameKey() {
        assertThat(RateLimitKeys.of(null, exchange(PEER, "X-Forwarded-For", "203.0.113.1")))
                .isEqualTo(RateLimitKeys.of(null, exchange(PEER, "X-Forwarded-For", "203.0.113.2")));
    }

    @Test
    void ofWhenAnonymousWithoutPeerAddressThenNullEvenWithHeaders() {
        assertThat(RateLimitKeys.of(null, exchange(null))).isNull();
        assertThat(RateLimitKeys.of(null, exchange(null, "X-Forwarded-For", "203.0.113.7", "X-Real-IP", "1.2.3.4")))
                .isNull();
    }

    @Test
    void ofWhenAnonymousPeerUnresolvedThenNull() {
        assertThat(RateLimitKeys.of(null, exchange(InetSocketAddress.createUnresolved("client.test", 1234))))
                .isNull();
    }
}
