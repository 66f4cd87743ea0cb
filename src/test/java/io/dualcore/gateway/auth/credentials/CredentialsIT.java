package io.dualcore.gateway.auth.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.testsupport.RawHttp;
import io.dualcore.gateway.testsupport.RecordingUpstream;
import io.dualcore.gateway.testsupport.TestClients;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import reactor.core.publisher.Mono;

/**
 * The credential rule through the real gateway, against an upstream that records exactly what it receives: nothing
 * that carries a credential reaches an upstream unless the gateway verified it or the route forwards it by name.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"management.server.port=0", "spring.config.import=classpath:scenarios/credentials.yml"})
class CredentialsIT {

    private static final RecordingUpstream UPSTREAM = RecordingUpstream.start();

    private static final String OTHER_USERS_TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJib2IifQ.c2ln";

    private static final String ORDINARY_COOKIES = "theme=dark;  lang=\"en-GB\"; cart=a%3Bb";

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void upstream(DynamicPropertyRegistry registry) {
        registry.add("RECORDING_UPSTREAM_URI", UPSTREAM::uri);
    }

    @AfterAll
    static void stopUpstream() {
        UPSTREAM.close();
    }

    @BeforeEach
    void clear() {
        UPSTREAM.clear();
    }

    private static String edgeToken() {
        return TestTokens.edge("edge-demo-1", TestTokens.demoEdgeKey(), JWSAlgorithm.HS256, "dualcore-edge")
                .claim("sub", "sensor-7")
                .sign();
    }

    private String get(String target, String... headerLines) {
        return RawHttp.get(this.port, target, headerLines);
    }

    private String post(String target, String contentType, String body, String... headerLines) {
        StringBuilder request = new StringBuilder("POST ").append(target).append(" HTTP/1.1\r\n");
        request.append("Host: 127.0.0.1:").append(this.port).append("\r\n");
        request.append("Content-Type: ").append(contentType).append("\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        request.append("Content-Length: ")
                .append(body.getBytes(StandardCharsets.ISO_8859_1).length)
                .append("\r\n");
        request.append("Connection: close\r\n\r\n").append(body);
        return RawHttp.exchange(this.port, request.toString());
    }

    private static RecordingUpstream.Received onlyRequest() {
        List<RecordingUpstream.Received> received = UPSTREAM.received();
        assertThat(received).hasSize(1);
        return received.get(0);
    }

    private static void assertInvalidRequestNotForwarded(String answer) {
        assertThat(RawHttp.status(answer)).isEqualTo(400);
        assertThat(RawHttp.headers(answer).toLowerCase())
                .contains("www-authenticate: bearer")
                .contains("invalid_request");
        assertThat(RawHttp.body(answer)).contains("\"code\":\"invalid_request\"");
        assertThat(UPSTREAM.received()).as("nothing reaches the upstream").isEmpty();
    }

    @Test
    void queryWhenAccessTokenInAnotherCaseBesideValidHeaderThenInvalidRequestAndNotForwarded() {
        assertInvalidRequestNotForwarded(
                get("/edge/telemetry?Access_Token=" + OTHER_USERS_TOKEN, "Authorization: Bearer " + edgeToken()));
        assertInvalidRequestNotForwarded(
                get("/edge/telemetry?x=1&%61ccess_token=" + OTHER_USERS_TOKEN, "Authorization: Bearer " + edgeToken()));
        assertInvalidRequestNotForwarded(get("/api/public/health?ACCESS_TOKEN="));
    }

    @Test
    void queryWhenOrdinaryParametersThenForwardedUnchanged() {
        String answer = get("/edge/telemetry?token_type=x&page=2", "Authorization: Bearer " + edgeToken());

        assertThat(RawHttp.status(answer)).isEqualTo(200);
        assertThat(onlyRequest().uri()).isEqualTo("/edge/telemetry?token_type=x&page=2");
    }

    @Test
    void formWhenBodyCarriesAccessTokenThenInvalidRequestAndNotForwarded() {
        assertInvalidRequestNotForwarded(post(
                "/edge/telemetry",
                "application/x-www-form-urlencoded",
                "reading=21.5&access_token=" + OTHER_USERS_TOKEN,
                "Authorization: Bearer " + edgeToken()));
        assertInvalidRequestNotForwarded(
                post("/api/public/health", "Application/X-WWW-Form-URLEncoded; Charset=UTF-8", "Access_Token=x"));
    }

    @Test
    void formWhenNoAccessTokenThenBodyReachesUpstreamByteForByte() {
        String body = "reading=21.5&note=caf%C3%A9+%26+more&token_type=bearer&empty=";

        String answer = post(
                "/edge/telemetry",
                "application/x-www-form-urlencoded; charset=UTF-8",
                body,
                "Authorization: Bearer " + edgeToken());

        assertThat(RawHttp.status(answer)).isEqualTo(200);
        assertThat(onlyRequest().body()).isEqualTo(body.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void formWhenLargerThanTheBoundThenTooLargeAndNotForwarded() {
        String answer = post(
                "/edge/telemetry",
                "application/x-www-form-urlencoded",
                "pad=" + "x".repeat(1100) + "&access_token=" + OTHER_USERS_TOKEN,
                "Authorization: Bearer " + edgeToken());

        assertThat(RawHttp.status(answer)).isEqualTo(413);
        assertThat(RawHttp.body(answer)).contains("\"code\":\"form_too_large\"");
        assertThat(UPSTREAM.received()).isEmpty();
    }

    @Test
    void otherContentTypeWhenBodyMentionsAccessTokenThenForwardedUntouched() {
        String body = "{\"access_token\":\"not ours to judge\"}";

        String answer = post("/edge/telemetry", "application/json", body, "Authorization: Bearer " + edgeToken());

        assertThat(RawHttp.status(answer)).isEqualTo(200);
        assertThat(onlyRequest().body()).isEqualTo(body.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void headersAndCookiesWhenCarryingUnverifiedCredentialsThenAbsentUpstreamAndTheRestByteForByte() {
        String answer = get(
                "/edge/telemetry",
                "Authorization: Bearer " + edgeToken(),
                "X-Edge-Token: " + edgeToken(),
                "x_api_key: k-123",
                "X-Amzn-Oidc-Data: " + OTHER_USERS_TOKEN,
                "X-Session: Bearer " + OTHER_USERS_TOKEN,
                "Proxy-Authorization: Basic dXNlcjpwYXNz",
                "X-Request-Id: 42",
                "X-Custom: a,  b ;c",
                "Cookie: theme=dark; KEYCLOAK_IDENTITY=" + OTHER_USERS_TOKEN + ";  lang=\"en-GB\"; access_token=x",
                "Cookie: id_token=y; cart=a%3Bb; __Host-refresh_token=z; sid=" + OTHER_USERS_TOKEN);

        assertThat(RawHttp.status(answer)).isEqualTo(200);
        RecordingUpstream.Received received = onlyRequest();
        assertThat(received.names())
                .extracting(String::toLowerCase)
                .doesNotContain(
                        "authorization",
                        "x-edge-token",
                        "x_api_key",
                        "x-amzn-oidc-data",
                        "x-session",
                        "proxy-authorization");
        assertThat(received.headers().toString())
                .doesNotContain(OTHER_USERS_TOKEN)
                .doesNotContain("k-123");
        assertThat(received.values("X-Request-Id")).containsExactly("42");
        assertThat(received.values("X-Custom")).containsExactly("a,  b ;c");
        assertThat(String.join("; ", received.values("Cookie"))).isEqualTo("theme=dark; lang=\"en-GB\"; cart=a%3Bb");
        assertThat(received.values("X-Auth-Subject")).containsExactly("sensor-7");
    }

    @Test
    void cookiesWhenNoneCarriesACredentialThenHeaderUnchanged() {
        String answer = get("/api/public/health", "Cookie: " + ORDINARY_COOKIES);

        assertThat(RawHttp.status(answer)).isEqualTo(200);
        assertThat(onlyRequest().values("Cookie")).containsExactly(ORDINARY_COOKIES);
    }

    @Test
    void anonymousRouteWhenCredentialHeadersAndCookiesThenStrippedToo() {
        String answer = get(
                "/api/public/health",
                "X-Edge-Token: " + OTHER_USERS_TOKEN,
                "X-Access-Token: opaque",
                "Cookie: access_token=" + OTHER_USERS_TOKEN + "; theme=dark");

        assertThat(RawHttp.status(answer)).isEqualTo(200);
        RecordingUpstream.Received received = onlyRequest();
        assertThat(received.values("X-Edge-Token")).isEmpty();
        assertThat(received.values("X-Access-Token")).isEmpty();
        assertThat(received.values("Cookie")).containsExactly("theme=dark");
    }

    @Test
    void routeWhenForwardingNamedCredentialsThenUpstreamGetsThemAndNothingElse() {
        String edgeHeader = edgeToken();

        String answer = get(
                "/forwarding/telemetry",
                "Authorization: Bearer " + edgeToken(),
                "X-Edge-Token: " + edgeHeader,
                "X-Api-Key: client-key",
                "Cookie: KEYCLOAK_IDENTITY=kc-identity; access_token=" + OTHER_USERS_TOKEN + "; theme=dark");

        assertThat(RawHttp.status(answer)).isEqualTo(200);
        RecordingUpstream.Received received = onlyRequest();
        assertThat(received.values("X-Edge-Token")).containsExactly(edgeHeader);
        assertThat(received.values("Cookie")).containsExactly("KEYCLOAK_IDENTITY=kc-identity; theme=dark");
        // the route's own AddRequestHeader=X-Api-Key stays; the client's is removed
        assertThat(received.values("X-Api-Key")).containsExactly("gateway-key");
    }

    @Test
    void webSocketUpgradeWhenCredentialHeadersAndCookiesThenStrippedFromTheHandshake() {
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth(edgeToken());
        headers.set("X-Edge-Token", OTHER_USERS_TOKEN);
        headers.set("X-Request-Id", "ws-1");
        headers.set(HttpHeaders.COOKIE, "access_token=" + OTHER_USERS_TOKEN + "; theme=dark");

        new ReactorNettyWebSocketClient(TestClients.httpClient())
                .execute(
                        URI.create("ws://127.0.0.1:" + this.port + "/ws/feed"),
                        headers,
                        session -> session.receive().then())
                .onErrorResume(ex -> Mono.empty())
                .block(TestClients.TIMEOUT);

        RecordingUpstream.Received received = onlyRequest();
        assertThat(received.uri()).isEqualTo("websocket");
        assertThat(received.values("X-Request-Id")).containsExactly("ws-1");
        assertThat(received.values("X-Edge-Token")).isEmpty();
        assertThat(received.values("Authorization")).isEmpty();
        assertThat(received.values("Cookie")).containsExactly("theme=dark");
    }
}
