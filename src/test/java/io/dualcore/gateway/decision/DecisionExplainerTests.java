package io.dualcore.gateway.decision;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.web.ErrorCode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import tools.jackson.databind.json.JsonMapper;

class DecisionExplainerTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void fingerprintWhenTokenThenFirstCharsAndDigestNeverTheToken() {
        String token = "eyJhbGciOiJSUzI1NiJ9." + "a".repeat(200) + ".signature-part-0123456789";
        String fingerprint = DecisionExplainer.fingerprint(token);
        assertThat(fingerprint).startsWith("eyJhbGci…").contains("sha256:").doesNotContain("signature-part");
        assertThat(fingerprint.length()).isLessThan(60);
        assertThat(DecisionExplainer.fingerprint(token + "x")).isNotEqualTo(fingerprint);
    }

    @Test
    void fingerprintWhenShortSecretThenAtMostAQuarterShown() {
        assertThat(DecisionExplainer.fingerprint("abcdefgh")).startsWith("ab…");
        assertThat(DecisionExplainer.fingerprint("abc")).startsWith("…");
    }

    @Test
    void toMapWhenRefusedAtAuthenticationThenWhatTheTokenSaysButNeverTheToken() {
        RSAKey key = TestTokens.rsaKey("k-explain");
        String token = TestTokens.oidc(key, "https://idp.example/realms/x").sign();
        DecisionExplainer.Recording recording = new DecisionExplainer.Recording();
        recording.authenticationRefusal = ErrorCode.UNKNOWN_KEY;
        Decision decision = new Decision(
                DecisionExplainer.DOOR,
                null,
                "/api/orders",
                null,
                new Decision.Problem(ErrorCode.UNKNOWN_KEY, "The token was signed with an unknown key", null, -1),
                new HttpHeaders(),
                new HttpHeaders(),
                List.of(
                        new Decision.Step("path", "/api/orders"),
                        new Decision.Step("authenticate", "refused unknown_key")));
        Map<String, Object> map =
                new DecisionExplainer.Explanation(decision, recording, token, "X-Auth-Assertion").toMap();
        String rendered = JSON.writeValueAsString(map);
        assertThat(map.get("outcome")).isEqualTo("refused");
        assertThat(map.get("status")).isEqualTo(401);
        assertThat(rendered)
                .contains("\"refused\":\"unknown_key\"")
                .contains("\"kid\":\"k-explain\"")
                .contains("\"iss\":\"https://idp.example/realms/x\"")
                .doesNotContain(token)
                .doesNotContain(token.substring(token.lastIndexOf('.') + 1));
    }

    @Test
    void toMapWhenAssertionHandedOverThenOnlyItsFingerprint() {
        String assertion = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
        HttpHeaders upstream = new HttpHeaders();
        upstream.set("X-Auth-Subject", "alice");
        upstream.set("X-Auth-Assertion", assertion);
        Decision decision = new Decision(
                DecisionExplainer.DOOR,
                null,
                "/api/orders",
                "orders",
                null,
                upstream,
                new HttpHeaders(),
                List.of(new Decision.Step("hand-over", "2 headers")));
        String rendered = JSON.writeValueAsString(
                new DecisionExplainer.Explanation(decision, new DecisionExplainer.Recording(), null, "X-Auth-Assertion")
                        .toMap());
        assertThat(rendered)
                .contains("\"X-Auth-Subject\":\"alice\"")
                .contains("\"outcome\":\"allowed\"")
                .doesNotContain(assertion);
    }
}
