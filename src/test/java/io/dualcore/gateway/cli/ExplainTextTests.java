package io.dualcore.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExplainTextTests {

    private static Map<String, Object> step(String name, String result, Object detail) {
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("step", name);
        step.put("result", result);
        if (detail != null) {
            step.put("detail", detail);
        }
        return step;
    }

    @Test
    void renderWhenRefusedThenOutcomeCodeAndNumberedStepsInOrder() {
        Map<String, Object> explanation = new LinkedHashMap<>();
        explanation.put("outcome", "refused");
        explanation.put("status", 401);
        explanation.put("problem", Map.of("code", "token_expired", "detail", "The token expired"));
        explanation.put("token", "eyJhbGci… (812 chars, sha256:0a1b2c3d4e5f)");
        explanation.put(
                "steps",
                List.of(
                        step("path", "/api/orders", null),
                        step("authenticate", "refused token_expired", Map.of("unverified", Map.of("kid", "k1")))));
        String text = ExplainText.render(explanation);
        assertThat(text)
                .startsWith("decision: refused (401 token_expired: The token expired)\n")
                .contains("token: eyJhbGci… (812 chars, sha256:0a1b2c3d4e5f)\n")
                .contains("1. path: /api/orders\n2. authenticate: refused token_expired\n")
                .contains("     unverified:\n       kid: k1\n");
    }

    @Test
    void renderWhenRoutesTriedThenOneLinePerRouteWithThePredicateThatFailed() {
        Map<String, Object> tried = new LinkedHashMap<>();
        tried.put("id", "telemetry-edge");
        tried.put("matched", false);
        tried.put("predicate", "Mode: edge");
        Map<String, Object> explanation = Map.of(
                "outcome",
                "allowed",
                "status",
                200,
                "steps",
                List.of(step(
                        "route",
                        "telemetry-oidc",
                        Map.of("tried", List.of(tried, Map.of("id", "telemetry-oidc", "matched", true))))));
        String text = ExplainText.render(explanation);
        assertThat(text)
                .contains("1. route: telemetry-oidc\n")
                .contains("- telemetry-edge  (not matched: Mode: edge)\n")
                .contains("+ telemetry-oidc\n");
    }

    @Test
    void renderWhenScalarListsThenJoinedOnOneLine() {
        Map<String, Object> explanation = Map.of(
                "outcome",
                "allowed",
                "status",
                200,
                "steps",
                List.of(step("authenticate", "oidc https://idp", Map.of("roles", List.of("user", "admin")))));
        assertThat(ExplainText.render(explanation)).contains("     roles: user, admin\n");
    }
}
