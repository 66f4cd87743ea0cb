package io.dualcore.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.identity.IdentityProperties;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.HopByHopHeadersFilter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/** What goes upstream: the route pipeline's decision written into the upstream request's headers. */
class IdentityHandOverTests {

    private final IdentityHandOver handOver = new IdentityHandOver(new IdentityHeaders("X-Auth-"), 0);

    /** The client's request, with the client's Authorization. */
    private final MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/orders")
            .header(HttpHeaders.AUTHORIZATION, "Bearer abc.def.ghi")
            .build());

    private static GatewayIdentity alice() {
        return new GatewayIdentity(
                OidcVerificationMode.MODE,
                "https://idp.test/realms/a",
                "a",
                "alice",
                "web",
                Set.of("user"),
                Set.of("openid"),
                null,
                "kid-1",
                Instant.now().plusSeconds(300),
                Map.of("sub", "alice"));
    }

    private static HttpHeaders upstream() {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.AUTHORIZATION, "Bearer abc.def.ghi");
        headers.set(HttpHeaders.ACCEPT, "application/json");
        return headers;
    }

    @Test
    void filterWhenIdentityThenIdentityHeadersAndAssertionWithoutAuthorization() {
        IdentityHandOver.decide(this.exchange, alice(), "signed.assertion.jwt", false);

        HttpHeaders out = this.handOver.filter(upstream(), this.exchange);

        assertThat(out.getFirst("X-Auth-Subject")).isEqualTo("alice");
        assertThat(out.getFirst("X-Auth-Mode")).isEqualTo("oidc");
        assertThat(out.getFirst("X-Auth-Roles")).isEqualTo("user");
        assertThat(out.getFirst("X-Auth-Assertion")).isEqualTo("signed.assertion.jwt");
        assertThat(out.containsHeader(HttpHeaders.AUTHORIZATION)).isFalse();
        assertThat(out.getFirst(HttpHeaders.ACCEPT)).isEqualTo("application/json");
    }

    @Test
    void filterWhenRouteForwardsAuthorizationThenKept() {
        IdentityHandOver.decide(this.exchange, alice(), null, true);

        HttpHeaders out = this.handOver.filter(upstream(), this.exchange);

        assertThat(out.getFirst(HttpHeaders.AUTHORIZATION)).isEqualTo("Bearer abc.def.ghi");
        assertThat(out.getFirst("X-Auth-Subject")).isEqualTo("alice");
        assertThat(out.containsHeader("X-Auth-Assertion")).isFalse();
    }

    @Test
    void filterWhenRouteFilterSetsItsOwnAuthorizationThenOnlyTheClientsIsRemoved() {
        MockServerWebExchange routed = MockServerWebExchange.from(MockServerHttpRequest.get("/api/orders")
                .header(HttpHeaders.AUTHORIZATION, "Bearer client.token.value")
                .build());
        IdentityHandOver.decide(routed, alice(), null, false);
        // what a route's AddRequestHeader=Authorization, Basic ... leaves in the upstream headers
        HttpHeaders added = new HttpHeaders();
        added.add(HttpHeaders.AUTHORIZATION, "Bearer client.token.value");
        added.add(HttpHeaders.AUTHORIZATION, "Basic dXBzdHJlYW06c2VjcmV0");
        // and SetRequestHeader=Authorization, Basic ...
        HttpHeaders replaced = new HttpHeaders();
        replaced.set(HttpHeaders.AUTHORIZATION, "Basic dXBzdHJlYW06c2VjcmV0");

        assertThat(this.handOver.filter(added, routed).get(HttpHeaders.AUTHORIZATION))
                .containsExactly("Basic dXBzdHJlYW06c2VjcmV0");
        assertThat(this.handOver.filter(replaced, routed).get(HttpHeaders.AUTHORIZATION))
                .containsExactly("Basic dXBzdHJlYW06c2VjcmV0");
    }

    @Test
    void filterWhenClientValuesAndRouteValuesInterleaveThenOnlyTheRoutesGoOnInTheirOrder() {
        MockServerWebExchange routed = MockServerWebExchange.from(MockServerHttpRequest.get("/api/orders")
                .header(HttpHeaders.AUTHORIZATION, "Bearer one", "Bearer two")
                .build());
        IdentityHandOver.decide(routed, alice(), null, false);
        HttpHeaders upstream = new HttpHeaders();
        upstream.add(HttpHeaders.AUTHORIZATION, "Basic first");
        upstream.add(HttpHeaders.AUTHORIZATION, "Bearer one");
        upstream.add(HttpHeaders.AUTHORIZATION, "Basic second");
        upstream.add(HttpHeaders.AUTHORIZATION, "Bearer two");

        HttpHeaders filtered = this.handOver.filter(upstream, routed);

        assertThat(filtered.get(HttpHeaders.AUTHORIZATION)).containsExactly("Basic first", "Basic second");
        HttpHeaders clientsOnly = new HttpHeaders();
        clientsOnly.add(HttpHeaders.AUTHORIZATION, "Bearer two");
        clientsOnly.add(HttpHeaders.AUTHORIZATION, "Bearer one");
        assertThat(this.handOver.filter(clientsOnly, routed).containsHeader(HttpHeaders.AUTHORIZATION))
                .as("only values the client sent: none left")
                .isFalse();
    }

    @Test
    void filterWhenRouteFilterSetsIdentityHeaderThenGatewaysValueWins() {
        IdentityHandOver.decide(this.exchange, alice(), null, false);
        HttpHeaders in = upstream();
        in.set("X-Auth-Subject", "admin");

        assertThat(this.handOver.filter(in, this.exchange).get("X-Auth-Subject"))
                .containsExactly("alice");
    }

    @Test
    void filterWhenAnonymousThenNoIdentityAndNoAuthorization() {
        MockServerWebExchange basic = MockServerWebExchange.from(MockServerHttpRequest.get("/api/orders")
                .header(HttpHeaders.AUTHORIZATION, "Basic dXNlcjpwYXNz")
                .build());
        IdentityHandOver.decide(basic, null, null, false);
        HttpHeaders in = new HttpHeaders();
        in.set(HttpHeaders.AUTHORIZATION, "Basic dXNlcjpwYXNz");

        HttpHeaders out = this.handOver.filter(in, basic);

        assertThat(out.containsHeader(HttpHeaders.AUTHORIZATION)).isFalse();
        assertThat(out.headerNames()).noneMatch(name -> name.startsWith("X-Auth-"));
    }

    @Test
    void filterWhenNoDecisionThenFailsClosed() {
        HttpHeaders out = this.handOver.filter(upstream(), this.exchange);

        assertThat(out.containsHeader(HttpHeaders.AUTHORIZATION)).isFalse();
        assertThat(out.headerNames()).noneMatch(name -> name.startsWith("X-Auth-"));
    }

    @Test
    void filterWhenHeadersReadOnlyThenWritesIntoACopy() {
        IdentityHandOver.decide(this.exchange, alice(), "signed.assertion.jwt", false);
        HttpHeaders readOnly = HttpHeaders.readOnlyHttpHeaders(upstream());

        HttpHeaders out = this.handOver.filter(readOnly, this.exchange);

        assertThat(out).isNotSameAs(readOnly);
        assertThat(out.getFirst("X-Auth-Subject")).isEqualTo("alice");
        assertThat(out.containsHeader(HttpHeaders.AUTHORIZATION)).isFalse();
        assertThat(readOnly.containsHeader(HttpHeaders.AUTHORIZATION)).isTrue();
    }

    @Test
    void filterWhenChainedLikeSpringCloudGatewayThenAfterHopByHopFilter() {
        HttpHeaders in = upstream();
        // a client naming the identity header as hop-by-hop cannot make it disappear: it is written after removal
        in.set(HttpHeaders.CONNECTION, "X-Auth-Subject");
        MockServerWebExchange routed = MockServerWebExchange.from(
                MockServerHttpRequest.get("/api/orders").headers(in).build());
        IdentityHandOver.decide(routed, alice(), null, false);
        IdentityHandOver last = new IdentityHandOver(new IdentityHeaders("X-Auth-"), FilterOrders.IDENTITY_HAND_OVER);
        List<HttpHeadersFilter> filters = new ArrayList<>(List.of(last, new RemoveHopByHopHeadersFilter()));
        AnnotationAwareOrderComparator.sort(filters);

        HttpHeaders out = HttpHeadersFilter.filterRequest(filters, routed);

        assertThat(filters.get(filters.size() - 1)).isSameAs(last);
        assertThat(out.getFirst("X-Auth-Subject")).isEqualTo("alice");
        assertThat(out.containsHeader(HttpHeaders.AUTHORIZATION)).isFalse();
        assertThat(out.containsHeader(HttpHeaders.CONNECTION)).isFalse();
    }

    @Test
    void filterWhenAfterTheGatewaysHopByHopCopyThenSameHeadersAsIntoPlainHeaders() {
        HttpHeaders in = upstream();
        in.add("accept", "text/html");
        MockServerWebExchange routed = MockServerWebExchange.from(
                MockServerHttpRequest.get("/api/orders").headers(in).build());
        IdentityHandOver.decide(routed, alice(), "signed.assertion.jwt", false);
        List<HttpHeadersFilter> filters = List.of(
                HopByHopHeadersFilter.of(new RemoveHopByHopHeadersFilter()),
                new IdentityHandOver(new IdentityHeaders("X-Auth-"), FilterOrders.IDENTITY_HAND_OVER));

        HttpHeaders out = HttpHeadersFilter.filterRequest(filters, routed);
        HttpHeaders plain = this.handOver.filter(upstreamOf(routed), routed);

        assertThat(describe(out)).isEqualTo(describe(plain));
        assertThat(out.getFirst("x-auth-assertion")).isEqualTo("signed.assertion.jwt");
        assertThat(out.getFirst("X-AUTH-SUBJECT")).isEqualTo("alice");
        assertThat(out.containsHeader(HttpHeaders.AUTHORIZATION)).isFalse();
    }

    @Test
    void filterWhenPrefixReloadedThenTheNewNamesNeverTheBlockCachedUnderTheOldOnes() {
        IdentityProperties.Assertion assertion =
                new IdentityProperties.Assertion("dualcore-gateway", Duration.ofSeconds(60), Duration.ofHours(24));
        IdentitySettings before = IdentitySettings.of(
                new IdentityProperties("X-Auth-", assertion), CredentialsProperties.defaults(), null);
        IdentitySettings after = IdentitySettings.of(
                new IdentityProperties("X-Gw-", assertion), CredentialsProperties.defaults(), before);
        IdentitySettings unchanged = IdentitySettings.of(
                new IdentityProperties("X-Gw-", assertion), CredentialsProperties.defaults(), after);
        GatewayIdentity alice = alice();
        IdentityHandOver.decide(this.exchange, alice, "signed.assertion.jwt", false, null, before.headers());
        assertThat(this.handOver.filter(upstream(), this.exchange).getFirst("X-Auth-Subject"))
                .isEqualTo("alice");

        IdentityHandOver.decide(this.exchange, alice, "signed.assertion.jwt", false, null, after.headers());
        HttpHeaders out = this.handOver.filter(upstream(), this.exchange);

        assertThat(out.getFirst("X-Gw-Subject")).isEqualTo("alice");
        assertThat(out.getFirst("X-Gw-Assertion")).isEqualTo("signed.assertion.jwt");
        assertThat(out.headerNames()).noneMatch(name -> name.startsWith("X-Auth-"));
        // a reload that keeps the prefix keeps the names, and the blocks cached with them
        assertThat(unchanged.headers()).isSameAs(after.headers());
        assertThat(unchanged.headers().block(alice)).isSameAs(after.headers().block(alice));
    }

    private static List<String> describe(HttpHeaders headers) {
        List<String> lines = new ArrayList<>();
        headers.forEach((name, values) -> lines.add(name + "=" + values));
        return lines;
    }

    private static final String JWS = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZW5zb3ItMSJ9.c2lnbmF0dXJlLWJ5dGVz";

    private static MockServerWebExchange withCredentials() {
        return MockServerWebExchange.from(MockServerHttpRequest.get("/api/orders")
                .header("X-Edge-Token", JWS)
                .header("x_api_key", "k")
                .header("X-Session", "Bearer " + JWS)
                .header("X-Request-Id", "42")
                .header(HttpHeaders.COOKIE, "theme=dark; KEYCLOAK_IDENTITY=abc; access_token=" + JWS + "; lang=en")
                .build());
    }

    private static HttpHeaders upstreamOf(MockServerWebExchange exchange) {
        HttpHeaders headers = new HttpHeaders();
        headers.addAll(exchange.getRequest().getHeaders());
        return headers;
    }

    private static CompiledRoute route(RouteProperties.ForwardCredentials forward) {
        RouteProperties.RouteSettings settings =
                new RouteProperties.RouteSettings(null, false, false, Map.of(), forward);
        return new CompiledRoute(
                "orders",
                null,
                settings,
                Map.of(),
                CredentialCarriers.of(CredentialsProperties.defaults()),
                TestModes.REGISTRY);
    }

    @Test
    void filterWhenClientSendsCredentialHeadersAndCookiesThenStrippedAndTheRestKept() {
        MockServerWebExchange routed = withCredentials();
        CompiledRoute route = route(RouteProperties.ForwardCredentials.NONE);
        IdentityHandOver.decide(routed, alice(), null, false, route.credentials());

        HttpHeaders out = this.handOver.filter(upstreamOf(routed), routed);

        assertThat(out.headerNames()).doesNotContain("X-Edge-Token", "x_api_key", "X-Session");
        assertThat(out.getFirst("X-Request-Id")).isEqualTo("42");
        assertThat(out.get(HttpHeaders.COOKIE)).containsExactly("theme=dark; lang=en");
        assertThat(out.getFirst("X-Auth-Subject")).isEqualTo("alice");
    }

    @Test
    void filterWhenAnonymousWithCredentialHeaderThenStripped() {
        MockServerWebExchange routed = withCredentials();
        IdentityHandOver.decide(
                routed,
                null,
                null,
                false,
                route(RouteProperties.ForwardCredentials.NONE).credentials());

        HttpHeaders out = this.handOver.filter(upstreamOf(routed), routed);

        assertThat(out.headerNames()).doesNotContain("X-Edge-Token", "x_api_key", "X-Session");
        assertThat(out.get(HttpHeaders.COOKIE)).containsExactly("theme=dark; lang=en");
    }

    @Test
    void filterWhenRouteForwardsNamedCredentialsThenTheyGoAlong() {
        MockServerWebExchange routed = withCredentials();
        CompiledRoute route =
                route(new RouteProperties.ForwardCredentials(List.of("X-Edge-Token"), List.of("KEYCLOAK_IDENTITY")));
        IdentityHandOver.decide(routed, alice(), null, false, route.credentials());

        HttpHeaders out = this.handOver.filter(upstreamOf(routed), routed);

        assertThat(out.getFirst("X-Edge-Token")).isEqualTo(JWS);
        assertThat(out.headerNames()).doesNotContain("x_api_key", "X-Session");
        assertThat(out.get(HttpHeaders.COOKIE)).containsExactly("theme=dark; KEYCLOAK_IDENTITY=abc; lang=en");
    }

    @Test
    void filterWhenRouteFilterSetsCredentialHeaderThenItsValueStays() {
        MockServerWebExchange routed = withCredentials();
        IdentityHandOver.decide(
                routed,
                alice(),
                null,
                false,
                route(RouteProperties.ForwardCredentials.NONE).credentials());
        HttpHeaders in = upstreamOf(routed);
        // SetRequestHeader=X-Api-Key, the upstream's own key
        in.set("X-Api-Key", "gateway-key");

        HttpHeaders out = this.handOver.filter(in, routed);

        assertThat(out.get("X-Api-Key")).containsExactly("gateway-key");
    }

    @Test
    void filterWhenNoDecisionThenEveryCredentialHeaderAndCookieStripped() {
        MockServerWebExchange unrouted = withCredentials();

        HttpHeaders out = this.handOver.filter(upstreamOf(unrouted), unrouted);

        assertThat(out.headerNames()).doesNotContain("X-Edge-Token", "x_api_key", "X-Session");
        assertThat(out.get(HttpHeaders.COOKIE)).containsExactly("theme=dark; lang=en");
    }
}
