package io.dualcore.gateway.testsupport.keycloak;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Minimal JSON-over-HTTP plumbing shared by the token and admin helpers. */
final class KeycloakHttp {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    // HTTP/1.1 only: Keycloak's plain-HTTP listener has no use for h2c upgrade attempts
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** Sends an {@code application/x-www-form-urlencoded} POST. */
    HttpResponse<String> postForm(URI uri, Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return send(request);
    }

    /** Sends a request with an optional JSON body (a String is sent verbatim, anything else is serialized). */
    HttpResponse<String> sendJson(String method, URI uri, String bearerToken, Object body) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).header("Accept", "application/json");
        if (bearerToken != null) {
            builder.header("Authorization", "Bearer " + bearerToken);
        }
        if (body == null) {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            String json = body instanceof String s ? s : JSON.writeValueAsString(body);
            builder.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        return send(builder.build());
    }

    /** GETs a URI without authentication and requires a 2xx JSON answer. */
    JsonNode getJson(URI uri) {
        return readJson(requireSuccess(sendJson("GET", uri, null, null)));
    }

    static HttpResponse<String> requireSuccess(HttpResponse<String> response) {
        if (response.statusCode() / 100 != 2) {
            // the body of an error answer carries Keycloak's error code, never a token
            throw new IllegalStateException(response.request().method() + " " + response.uri() + " -> "
                    + response.statusCode() + ": " + abbreviate(response.body()));
        }
        return response;
    }

    static JsonNode readJson(HttpResponse<String> response) {
        String body = response.body();
        return body == null || body.isBlank() ? JSON.missingNode() : JSON.readTree(body);
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while calling " + request.uri(), e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String text) {
        return text == null || text.length() <= 500 ? text : text.substring(0, 500) + "...";
    }
}
