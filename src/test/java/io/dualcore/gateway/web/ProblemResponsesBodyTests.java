package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

class ProblemResponsesBodyTests {

    private static final List<String> DETAILS = List.of(
            "The token has expired",
            "quotes \" and \\ backslash / slash",
            "control \u0000\u0001\t\n\r\u001f and \u007f",
            "non-ASCII é ü ß 漢字, emoji \ud83d\ude00, separators \u2028\u2029",
            "<script>alert(1)</script>");

    private static final List<String> INSTANCES = List.of("/api/orders/1", "/a/b%2Fc", "/with space?and=query");

    private final JsonMapper mapper = ProblemResponses.defaultJsonMapper();

    private final ProblemResponses problems = new ProblemResponses("r", 5, null, null, this.mapper);

    @Test
    void constructWhenDefaultMapperThenInvariantMembersPrerendered() {
        assertThat(this.problems.prerendered()).isTrue();
    }

    @Test
    void bodyWhenAnyCodeAndDetailThenSameBytesAsTheMapperWritesTheProblemDetail() {
        for (ErrorCode code : ErrorCode.values()) {
            for (String detail : DETAILS) {
                assertThat(this.problems.body(code, detail, null))
                        .as("%s %s", code, detail)
                        .isEqualTo(this.mapper.writeValueAsBytes(ProblemResponses.problem(code, detail, null, null)));
                for (String instance : INSTANCES) {
                    if (instance.contains(" ")) {
                        continue; // not a URI: the model quotes it, the body keeps the path as read
                    }
                    assertThat(this.problems.body(code, detail, instance))
                            .isEqualTo(this.mapper.writeValueAsBytes(
                                    ProblemResponses.problem(code, detail, instance, null)));
                }
            }
        }
    }

    @Test
    void bodyWhenOAuthErrorThenSameBytesAsTheMapperWritesTheProblemDetail() {
        for (String detail : DETAILS) {
            assertThat(this.problems.body(ErrorCode.INVALID_LOGOUT_TOKEN, detail, "/logout", "invalid_request"))
                    .isEqualTo(this.mapper.writeValueAsBytes(ProblemResponses.problem(
                            ErrorCode.INVALID_LOGOUT_TOKEN, detail, "/logout", "invalid_request")));
        }
    }

    @Test
    void bodyWhenRefusedThenMembersClientsReadAreThoseOfBefore() {
        JsonNode body = this.mapper.readTree(this.problems.body(ErrorCode.TOKEN_EXPIRED, "expired", "/api/x"));

        assertThat(body.propertyNames())
                .containsExactlyInAnyOrder("type", "title", "status", "detail", "code", "instance");
        assertThat(body.get("type").asString()).isEqualTo("urn:dualcore:problem:token_expired");
        assertThat(body.get("title").asString()).isEqualTo("Token expired");
        assertThat(body.get("status").asInt()).isEqualTo(401);
        assertThat(body.get("detail").asString()).isEqualTo("expired");
        assertThat(body.get("code").asString()).isEqualTo("token_expired");
        assertThat(body.get("instance").asString()).isEqualTo("/api/x");
    }

    @Test
    void bodyWhenInstanceIsNoUriThenWrittenAsReadAndEscaped() {
        JsonNode body = this.mapper.readTree(this.problems.body(ErrorCode.INVALID_PATH, "bad", "/a|b\"c\u0001 d"));

        assertThat(body.get("instance").asString()).isEqualTo("/a|b\"c\u0001 d");
    }

    @Test
    void bodyWhenNoDetailThenNoDetailMember() {
        JsonNode body = this.mapper.readTree(this.problems.body(ErrorCode.NO_ROUTE, null, null));

        assertThat(body.has("detail")).isFalse();
        assertThat(body.get("code").asString()).isEqualTo("no_route");
    }

    @Test
    void bodyWhenMapperIndentsThenWholeProblemSerializedWithTheSameMembers() {
        JsonMapper indenting = ProblemResponses.defaultJsonMapper()
                .rebuild()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .build();
        ProblemResponses withIndenting = new ProblemResponses("r", 5, null, null, indenting);

        byte[] body = withIndenting.body(ErrorCode.MISSING_TOKEN, "no token", "/x");

        assertThat(withIndenting.prerendered()).isFalse();
        assertThat(new String(body, StandardCharsets.UTF_8)).contains("\n");
        assertThat(this.mapper.readTree(body))
                .isEqualTo(this.mapper.readTree(this.problems.body(ErrorCode.MISSING_TOKEN, "no token", "/x")));
    }

    @Test
    void bodyWhenBootsJsonMapperThenSameBytesAsItWritesTheProblemDetail() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class))
                .run(context -> {
                    JsonMapper boot = context.getBean(JsonMapper.class);
                    ProblemResponses withBoot = new ProblemResponses("r", 5, null, null, boot);
                    assertThat(withBoot.prerendered()).isTrue();
                    for (ErrorCode code : ErrorCode.values()) {
                        assertThat(withBoot.body(code, DETAILS.get(3), "/api/1"))
                                .isEqualTo(boot.writeValueAsBytes(
                                        ProblemResponses.problem(code, DETAILS.get(3), "/api/1", null)));
                    }
                });
    }
}
