package io.dualcore.gateway.auth.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpHeaders;

class CredentialCarriersTests {

    private static final String JWS = JwtShapeTests.JWS;

    private final CredentialCarriers carriers = CredentialCarriers.of(CredentialsProperties.defaults());

    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers = new HttpHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "X-Edge-Token",
                "x-edge-token",
                "X_EDGE_TOKEN",
                "x_edge-Token",
                " X-Edge-Token ",
                "Proxy-Authorization",
                "X-Amzn-Oidc-Data",
                "X-Goog-Iap-Jwt-Assertion",
                "X-MS-TOKEN-AAD-ACCESS-TOKEN",
                "x-ms-token-google-id-token",
                "X-MS-CLIENT-PRINCIPAL",
                "X-MS-CLIENT-PRINCIPAL-NAME",
                "Cf-Access-Client-Secret",
                "Client-Cert"
            })
    void findWhenListedHeaderInAnySpellingThenStripped(String name) {
        ClientCredentials found = this.carriers.find(headers(name, "opaque-value", "Accept", "application/json"));

        assertThat(found).isNotNull();
        assertThat(found.headers()).containsOnlyKeys(name);
        assertThat(this.carriers.isCredentialHeader(name)).isTrue();
    }

    @Test
    void findWhenListedHeaderDuplicatedOrEmptyThenEveryValueRecorded() {
        ClientCredentials found = this.carriers.find(headers("X-Api-Key", "", "X-Api-Key", "k2"));

        assertThat(found.headers()).containsEntry("X-Api-Key", List.of("", "k2"));
    }

    @Test
    void findWhenUnlistedHeaderCarriesJwtThenStripped() {
        ClientCredentials found = this.carriers.find(headers("X-Session", "Bearer " + JWS, "X-Request-Id", "42"));

        assertThat(found.headers()).containsOnlyKeys("X-Session");
    }

    @Test
    void findWhenNoCredentialThenNull() {
        HttpHeaders ordinary = headers(
                "Accept", "application/json",
                "User-Agent", "curl/8.5.0",
                "X-Request-Id", "c0ffee",
                "Cookie", "theme=dark; lang=en",
                "Authorization", "Bearer " + JWS);

        assertThat(this.carriers.find(ordinary)).isNull();
    }

    @Test
    void findWhenJwtShapedHeadersNotStrippedThenOnlyListedOnes() {
        CredentialCarriers listedOnly = CredentialCarriers.of(
                new CredentialsProperties(List.of("X-Edge-Token"), List.of("id_token"), false, false, null));

        ClientCredentials found =
                listedOnly.find(headers("X-Session", JWS, "X-Edge-Token", "x", "Cookie", "s=" + JWS + "; id_token=y"));

        assertThat(found.headers()).containsOnlyKeys("X-Edge-Token");
        assertThat(found.cookiesKept()).containsExactly("s=" + JWS);
    }

    @Test
    void findWhenRouteForwardsHeaderThenKeptInAnySpelling() {
        CredentialCarriers route = this.carriers.forwarding("r", List.of("X-Edge-Token", "X-Session"), List.of());

        assertThat(route.find(headers("x_edge_token", JWS, "X-Session", JWS))).isNull();
        assertThat(route.find(headers("X-Api-Key", "k")).headers()).containsOnlyKeys("X-Api-Key");
        // the CEL refusal does not change with what a route forwards
        assertThat(route.isCredentialHeader("X-Edge-Token")).isTrue();
    }

    @Test
    void forwardingWhenAuthorizationOrCookieOrEmptyThenStartupError() {
        assertThatIllegalStateException()
                .isThrownBy(() -> this.carriers.forwarding(
                        "dualcore.routes.r.forward-credentials", List.of("authorization"), List.of()))
                .withMessageContaining("dualcore.routes.r.forward-credentials.headers")
                .withMessageContaining("forward-authorization");
        assertThatIllegalStateException().isThrownBy(() -> this.carriers.forwarding("p", List.of("Cookie"), List.of()));
        assertThatIllegalStateException()
                .isThrownBy(() -> this.carriers.forwarding("p", List.of(), List.of(" ")))
                .withMessageContaining("p.cookies contains an empty entry");
        assertThatIllegalStateException()
                .isThrownBy(
                        () -> CredentialCarriers.of(new CredentialsProperties(List.of("*"), null, true, true, null)))
                .withMessageContaining("dualcore.credentials.strip-headers");
    }

    @Test
    void isCredentialHeaderWhenOrdinaryHeaderThenFalse() {
        assertThat(this.carriers.isCredentialHeader("X-Request-Kind")).isFalse();
        assertThat(this.carriers.isCredentialHeader("Authorization")).isTrue();
        assertThat(this.carriers.isCredentialHeader("cookie")).isTrue();
        assertThat(this.carriers.isCredentialHeader("PROXY_AUTHORIZATION")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "access_token=abc",
                "ACCESS_TOKEN=abc",
                "Access-Token=abc",
                "access.token=abc",
                "access%5Ftoken=abc",
                "__Host-access_token=abc",
                "__Secure-id_token=abc",
                " KEYCLOAK_IDENTITY =abc",
                "KEYCLOAK_SESSION=realm/user/session",
                "keycloak_identity_legacy=x",
                "AUTH_SESSION_ID=x.y",
                "KC_RESTART=x",
                "_oauth2_proxy_1=x",
                "AWSELBAuthSessionCookie-0=x",
                "CF_Authorization=x",
                "refresh_token",
                "session=" + JWS,
                "session=\"" + JWS + "\""
            })
    void withoutCredentialCookiesWhenTokenCookieThenRemovedAndOthersKeptByteForByte(String credential) {
        String header = "theme=dark;" + credential + ";  lang=\"en; q\" ; empty=";

        assertThat(this.carriers.withoutCredentialCookies(header)).isEqualTo("theme=dark; lang=\"en; q\"; empty=");
    }

    @Test
    void withoutCredentialCookiesWhenNoTokenCookieThenSameInstance() {
        String header = "theme=dark; lang=en; cart=a%3Bb; csrftoken=Zm9v; keycloak_locale=en";

        assertThat(this.carriers.withoutCredentialCookies(header)).isSameAs(header);
    }

    @Test
    void withoutCredentialCookiesWhenOnlyTokenCookiesThenEmpty() {
        assertThat(this.carriers.withoutCredentialCookies("access_token=a; id_token=b"))
                .isEmpty();
    }

    @Test
    void withoutCredentialCookiesWhenTokenAfterCommaThenRemoved() {
        // RFC 2965 servers split pairs at commas too
        assertThat(this.carriers.withoutCredentialCookies("theme=dark, access_token=abc; lang=en"))
                .isEqualTo("lang=en");
    }

    @Test
    void withoutCredentialCookiesWhenManyPairsThenEveryTokenCookieRemoved() {
        StringBuilder header = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            header.append("c").append(i).append("=v").append(i).append("; ");
            expected.append(expected.isEmpty() ? "" : "; ")
                    .append("c")
                    .append(i)
                    .append("=v")
                    .append(i);
            if (i % 100 == 0) {
                header.append("access_token=t").append(i).append("; ");
            }
        }
        assertThat(this.carriers.withoutCredentialCookies(header.toString())).isEqualTo(expected.toString());
    }

    @Test
    void withoutCredentialCookiesWhenRouteForwardsCookieThenKept() {
        CredentialCarriers route = this.carriers.forwarding("r", List.of(), List.of("access_token", "session"));

        assertThat(route.withoutCredentialCookies("access_token=a; session=" + JWS + "; id_token=b; x=1"))
                .isEqualTo("access_token=a; session=" + JWS + "; x=1");
    }

    @Test
    void removeFromWhenRouteFilterSetValueThenOnlyClientValuesRemoved() {
        HttpHeaders client = headers("X-Api-Key", "client-key", "Cookie", "access_token=a; theme=dark");
        ClientCredentials found = this.carriers.find(client);
        HttpHeaders upstream = headers(
                "X-Api-Key", "client-key",
                "X-Api-Key", "gateway-key",
                "Cookie", "access_token=a; theme=dark",
                "Cookie", "route=added");

        found.removeFrom(upstream);

        assertThat(upstream.get("X-Api-Key")).containsExactly("gateway-key");
        assertThat(upstream.get("Cookie")).containsExactly("theme=dark", "route=added");
    }

    @Test
    void removeFromWhenNothingRemainsThenHeadersGone() {
        HttpHeaders client = headers("x_edge_token", "t", "Cookie", "KEYCLOAK_IDENTITY=a", "Accept", "*/*");
        ClientCredentials found = this.carriers.find(client);
        HttpHeaders upstream = headers("x_edge_token", "t", "Cookie", "KEYCLOAK_IDENTITY=a", "Accept", "*/*");

        found.removeFrom(upstream);

        assertThat(upstream.headerNames()).containsExactly("Accept");
    }

    @Test
    void findWhenReadFromNettyHeadersThenSameAsFromSpringHeaders() {
        DefaultHttpHeaders netty = new DefaultHttpHeaders();
        netty.add("Accept", "application/json");
        netty.add("X_Edge_Token", "t");
        netty.add("X-Session", "v1");
        netty.add("X-Session", "Bearer " + JWS);
        netty.add("Authorization", "Bearer " + JWS);
        netty.add("Cookie", "theme=dark; id_token=x");

        ClientCredentials found = this.carriers.find(netty);

        assertThat(found.headers()).containsOnlyKeys("X_Edge_Token", "X-Session");
        assertThat(found.headers().get("X-Session")).containsExactly("Bearer " + JWS);
        assertThat(found.cookiesSent()).containsExactly("theme=dark; id_token=x");
        assertThat(found.cookiesKept()).containsExactly("theme=dark");
        assertThat(this.carriers.find(
                        new DefaultHttpHeaders().add("Accept", "*/*").add("Cookie", "a=b")))
                .isNull();
    }
}
