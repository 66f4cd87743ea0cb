package io.dualcore.gateway.testsupport.keycloak;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A thin client of the Keycloak admin REST API ({@code /admin/realms/...}) for test setup. */
public final class KeycloakAdmin {

    /** The audience the gateway expects; clients of test realms add it so only the issuer is "wrong". */
    public static final String GATEWAY_AUDIENCE = "dualcore-gateway";

    private static final String KEY_PROVIDER_TYPE = "org.keycloak.keys.KeyProvider";
    // refresh a bit early so a token never expires between the check and the call
    private static final long EXPIRY_MARGIN_SECONDS = 10;

    private final URI baseUrl;
    private final String username;
    private final String password;
    private final KeycloakHttp http;

    private String cachedToken;
    private Instant cachedTokenExpiry = Instant.EPOCH;

    KeycloakAdmin(URI baseUrl, String username, String password, KeycloakHttp http) {
        this.baseUrl = baseUrl;
        this.username = username;
        this.password = password;
        this.http = http;
    }

    /** An admin access token (master realm, {@code admin-cli}, password grant), cached until shortly before expiry. */
    public synchronized String adminToken() {
        if (cachedToken == null || Instant.now().isAfter(cachedTokenExpiry)) {
            Map<String, String> form = new LinkedHashMap<>();
            form.put("grant_type", "password");
            form.put("client_id", "admin-cli");
            form.put("username", username);
            form.put("password", password);
            URI tokenUri = URI.create(baseUrl + "/realms/master/protocol/openid-connect/token");
            JsonNode body = KeycloakHttp.readJson(KeycloakHttp.requireSuccess(http.postForm(tokenUri, form)));
            cachedToken = body.path("access_token").asString();
            cachedTokenExpiry =
                    Instant.now().plusSeconds(body.path("expires_in").asLong() - EXPIRY_MARGIN_SECONDS);
        }
        return cachedToken;
    }

    /** Imports a realm from its JSON representation (as produced by {@code kc.sh export}). */
    public void createRealmFromJson(String realmJson) {
        post("/admin/realms", realmJson);
    }

    /**
     * Creates a minimal realm with one confidential client {@code <realm>-service} (client credentials, secret
     * {@code <realm>-service-test-secret}) whose tokens carry the gateway audience: genuinely signed tokens from an
     * issuer the gateway does not trust.
     */
    public ServiceClient createRealm(String realm) {
        ServiceClient client = new ServiceClient(realm, realm + "-service", realm + "-service-test-secret");
        ObjectNode audienceMapper = KeycloakHttp.JSON
                .createObjectNode()
                .put("name", GATEWAY_AUDIENCE + "-audience")
                .put("protocol", "openid-connect")
                .put("protocolMapper", "oidc-audience-mapper");
        audienceMapper
                .putObject("config")
                .put("included.custom.audience", GATEWAY_AUDIENCE)
                .put("access.token.claim", "true")
                .put("id.token.claim", "false");
        ObjectNode clientNode = KeycloakHttp.JSON
                .createObjectNode()
                .put("clientId", client.clientId())
                .put("enabled", true)
                .put("publicClient", false)
                .put("clientAuthenticatorType", "client-secret")
                .put("secret", client.clientSecret())
                .put("serviceAccountsEnabled", true)
                .put("standardFlowEnabled", false)
                .put("directAccessGrantsEnabled", false);
        clientNode.putArray("protocolMappers").add(audienceMapper);
        ObjectNode realmNode = KeycloakHttp.JSON
                .createObjectNode()
                .put("realm", realm)
                .put("enabled", true)
                .put("sslRequired", "external");
        realmNode.putArray("clients").add(clientNode);
        post("/admin/realms", realmNode);
        return client;
    }

    /** Deletes a realm. */
    public void deleteRealm(String realm) {
        delete("/admin/realms/" + realm);
    }

    /** The realm representation. */
    public JsonNode realm(String realm) {
        return getJson("/admin/realms/" + realm);
    }

    /**
     * Adds an active, enabled {@code rsa-generated} RS256 key provider; the highest priority active key signs new
     * tokens.
     *
     * @return the component id of the new key provider
     */
    public String addRsaKey(String realm, long priority) {
        ObjectNode component = KeycloakHttp.JSON
                .createObjectNode()
                .put("name", "rsa-test-" + priority)
                .put("providerId", "rsa-generated")
                .put("providerType", KEY_PROVIDER_TYPE)
                .put("parentId", realm(realm).path("id").asString());
        ObjectNode config = component.putObject("config");
        config.putArray("priority").add(Long.toString(priority));
        config.putArray("keySize").add("2048");
        config.putArray("active").add("true");
        config.putArray("enabled").add("true");
        config.putArray("algorithm").add("RS256");
        HttpResponse<String> response = post("/admin/realms/" + realm + "/components", component);
        String location = response.headers()
                .firstValue("Location")
                .orElseThrow(() -> new IllegalStateException("No Location header for the created key component"));
        return location.substring(location.lastIndexOf('/') + 1);
    }

    /** Sets a key provider's {@code active} (signs new tokens) and {@code enabled} (published at all) flags. */
    public void setKeyState(String realm, String componentId, boolean active, boolean enabled) {
        String path = "/admin/realms/" + realm + "/components/" + componentId;
        ObjectNode component = (ObjectNode) getJson(path);
        ObjectNode config = (ObjectNode) component.path("config");
        config.putArray("active").add(Boolean.toString(active));
        config.putArray("enabled").add(Boolean.toString(enabled));
        put(path, component);
    }

    /** The realm's key metadata ({@code GET /admin/realms/{realm}/keys}): {@code active} by algorithm and {@code keys}. */
    public JsonNode keys(String realm) {
        return getJson("/admin/realms/" + realm + "/keys");
    }

    /** The kid currently used to sign RS256 tokens in the realm. */
    public String currentSigningKid(String realm) {
        return keys(realm).path("active").path("RS256").asString();
    }

    /** The kids of a key provider component (normally exactly one). */
    public List<String> kidsOfComponent(String realm, String componentId) {
        return keys(realm)
                .path("keys")
                .valueStream()
                .filter(key -> componentId.equals(key.path("providerId").asString()))
                .map(key -> key.path("kid").asString())
                .toList();
    }

    /** GET an admin path (e.g. {@code /admin/realms/dualcore/clients}) and parse the JSON answer. */
    public JsonNode getJson(String path) {
        return KeycloakHttp.readJson(get(path));
    }

    /** GET an admin path, requiring 2xx. */
    public HttpResponse<String> get(String path) {
        return KeycloakHttp.requireSuccess(exchange("GET", path, null));
    }

    /** POST a JSON body (String verbatim, anything else serialized), requiring 2xx. */
    public HttpResponse<String> post(String path, Object body) {
        return KeycloakHttp.requireSuccess(exchange("POST", path, body));
    }

    /** PUT a JSON body, requiring 2xx. */
    public HttpResponse<String> put(String path, Object body) {
        return KeycloakHttp.requireSuccess(exchange("PUT", path, body));
    }

    /** DELETE an admin path, requiring 2xx. */
    public HttpResponse<String> delete(String path) {
        return KeycloakHttp.requireSuccess(exchange("DELETE", path, null));
    }

    /** Any call with the admin token and no status check, for tests that assert on failures. */
    public HttpResponse<String> exchange(String method, String path, Object body) {
        return http.sendJson(method, URI.create(baseUrl + path), adminToken(), body);
    }
}
