package io.dualcore.gateway.auth.dpop;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.SignedJWT;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.keycloak.KeycloakExtension;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * DPoP against real Keycloak: the test plays the client with Nimbus (its own EC key), gets a DPoP-bound access token
 * by sending a proof with the token request, and calls the gateway (realm {@code dualcore} with {@code dpop:
 * allowed}) with fresh proofs; every way of getting it wrong is refused with 401 and never reaches the core.
 */
@ExtendWith(KeycloakExtension.class)
class DpopIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String PATH = "/api/profile";

    private static EchoCore core;

    private static TestGateway gateway;

    private static final ECKey KEY = DpopProofs.ecKey();

    private final KeycloakServer keycloak;

    DpopIT(KeycloakServer keycloak) {
        this.keycloak = keycloak;
    }

    @BeforeAll
    static void start(KeycloakServer keycloak) {
        core = EchoCore.start("core", "127.0.0.1", 0);
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", core.uri());
        properties.put("EDGE_CORE_URI", core.uri());
        properties.put("dualcore.auth.oidc.issuers[0].name", "dualcore");
        properties.put("dualcore.auth.oidc.issuers[0].issuer-uri", keycloak.issuerUri("dualcore"));
        properties.put("dualcore.auth.oidc.issuers[0].audiences", "dualcore-gateway");
        properties.put("dualcore.auth.oidc.issuers[0].dpop", "allowed");
        gateway = TestGateway.start(properties);
        // the same realm, with server nonces and a route that requires DPoP (the issuer only allows it)
        properties.put("dualcore.auth.dpop.nonce.enabled", "true");
        properties.put("dualcore.auth.dpop.nonce.secret", "c2VydmVyLW5vbmNlLXNlY3JldC1vZi10aGUtdGVzdC0zMmI=");
        properties.put("dualcore.routes.microservice-core.dpop", "required");
        strict = TestGateway.start(properties);
    }

    private static TestGateway strict;

    @AfterAll
    static void stop() {
        if (strict != null) {
            strict.close();
        }
        gateway.close();
        core.close();
    }

    /** The password grant of the demo's public client, with a DPoP proof of {@link #KEY}: a bound token. */
    private String boundToken() {
        String tokenUri = this.keycloak.tokenUri("dualcore");
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("grant_type", "password");
        form.add("client_id", "dualcore-demo");
        form.add("username", "alice");
        form.add("password", "alice-demo-password");
        String proof = DpopProofs.proof(KEY, "POST", tokenUri, "unused", Instant.now())
                .claim("ath", null)
                .sign();
        ResponseEntity<String> response = TestClients.webClient(tokenUri)
                .post()
                .header("DPoP", proof)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData(form))
                .exchangeToMono(answer -> answer.toEntity(String.class))
                .block(TestClients.TIMEOUT);
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.getBody());
        assertThat(body.path("token_type").asString()).isEqualToIgnoringCase("DPoP");
        return body.path("access_token").asString();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + gateway.port() + path;
    }

    private String proof(ECKey key, String method, String htu, String token, Instant iat) {
        return DpopProofs.proof(key, method, htu, token, iat)
                .claim("jti", UUID.randomUUID().toString())
                .sign();
    }

    private ResponseEntity<String> call(String authorization, String proof) {
        return TestClients.webClient(gateway.port())
                .get()
                .uri(PATH)
                .headers(headers -> {
                    headers.set(HttpHeaders.AUTHORIZATION, authorization);
                    if (proof != null) {
                        headers.set("DPoP", proof);
                    }
                })
                .exchangeToMono(response -> response.toEntity(String.class))
                .block(TestClients.TIMEOUT);
    }

    private static void assertRefused(ResponseEntity<String> response, String code) {
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(401);
        assertThat(JSON.readTree(response.getBody()).path("code").asString()).isEqualTo(code);
        assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).startsWith("DPoP algs=");
    }

    @Test
    void boundTokenWhenFreshProofsThenAcceptedEachTimeAndDpopHeaderNotForwarded() throws Exception {
        String token = boundToken();
        assertThat(SignedJWT.parse(token).getJWTClaimsSet().getJSONObjectClaim("cnf"))
                .containsEntry("jkt", DpopProofs.thumbprint(KEY));

        for (int i = 0; i < 3; i++) {
            ResponseEntity<String> response = call("DPoP " + token, proof(KEY, "GET", url(PATH), token, Instant.now()));

            assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
            assertThat(response.getBody()).doesNotContainIgnoringCase("\"dpop\"");
        }
    }

    @Test
    void boundTokenWhenNoProofThenRefused() {
        String token = boundToken();

        assertRefused(call("DPoP " + token, null), "invalid_dpop_proof");
    }

    @Test
    void boundTokenWhenProofReplayedThenRefused() {
        String token = boundToken();
        String proof = proof(KEY, "GET", url(PATH), token, Instant.now());
        assertThat(call("DPoP " + token, proof).getStatusCode().value()).isEqualTo(200);

        assertRefused(call("DPoP " + token, proof), "dpop_proof_replayed");
    }

    @Test
    void boundTokenWhenWrongHtmOrHtuThenRefused() {
        String token = boundToken();

        assertRefused(call("DPoP " + token, proof(KEY, "POST", url(PATH), token, Instant.now())), "invalid_dpop_proof");
        assertRefused(
                call("DPoP " + token, proof(KEY, "GET", url("/api/other"), token, Instant.now())),
                "invalid_dpop_proof");
    }

    @Test
    void boundTokenWhenProofKeyIsNotTheBoundOneThenRefused() {
        String token = boundToken();

        assertRefused(
                call("DPoP " + token, proof(DpopProofs.ecKey(), "GET", url(PATH), token, Instant.now())),
                "dpop_key_mismatch");
    }

    @Test
    void boundTokenWhenSentAsBearerThenRefused() {
        String token = boundToken();

        assertRefused(call("Bearer " + token, proof(KEY, "GET", url(PATH), token, Instant.now())), "dpop_bound_token");
    }

    @Test
    void boundTokenWhenProofIatStaleThenRefused() {
        String token = boundToken();

        assertRefused(
                call(
                        "DPoP " + token,
                        proof(KEY, "GET", url(PATH), token, Instant.now().minusSeconds(300))),
                "invalid_dpop_proof");
    }

    @Test
    void unboundTokenWhenBearerAndModeAllowedThenAccepted() {
        String token = this.keycloak.passwordToken("dualcore", "dualcore-demo", "alice", "alice-demo-password");

        ResponseEntity<String> response = gateway.get(PATH, token);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
    }

    private static ResponseEntity<String> callStrict(String path, String authorization, String proof) {
        return TestClients.webClient(strict.port())
                .get()
                .uri(path)
                .headers(headers -> {
                    headers.set(HttpHeaders.AUTHORIZATION, authorization);
                    if (proof != null) {
                        headers.set("DPoP", proof);
                    }
                })
                .exchangeToMono(response -> response.toEntity(String.class))
                .block(TestClients.TIMEOUT);
    }

    @Test
    void routeRequiringDpopWhenUnboundBearerThenDpopRequiredAndOtherRouteOfTheIssuerAccepts() {
        String token = this.keycloak.passwordToken("dualcore", "dualcore-demo", "alice", "alice-demo-password");

        ResponseEntity<String> refused = callStrict(PATH, "Bearer " + token, null);

        assertRefused(refused, "dpop_required");
        assertThat(callStrict("/telemetry/ping", "Bearer " + token, null)
                        .getStatusCode()
                        .value())
                .isEqualTo(200);
    }

    @Test
    void serverNonceWhenProofWithoutNonceThenUseDpopNonceAndRetryWithItAccepted() {
        String token = boundToken();
        String htu = "http://127.0.0.1:" + strict.port() + PATH;

        ResponseEntity<String> challenged =
                callStrict(PATH, "DPoP " + token, proof(KEY, "GET", htu, token, Instant.now()));

        assertRefused(challenged, "use_dpop_nonce");
        assertThat(challenged.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                .contains("error=\"use_dpop_nonce\"");
        String nonce = challenged.getHeaders().getFirst("DPoP-Nonce");
        assertThat(nonce).isNotBlank();

        String withNonce = DpopProofs.proof(KEY, "GET", htu, token, Instant.now())
                .claim("jti", UUID.randomUUID().toString())
                .claim("nonce", nonce)
                .sign();
        ResponseEntity<String> accepted = callStrict(PATH, "DPoP " + token, withNonce);

        assertThat(accepted.getStatusCode().value()).as(accepted.getBody()).isEqualTo(200);
        assertThat(accepted.getHeaders().getFirst("DPoP-Nonce")).isEqualTo(nonce);
    }
}
