package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

class ProblemResponsesChallengeTests {

    @Test
    void hasChallengeWhenPathOrTargetRefusedThenNoBearerChallenge() {
        assertThat(ProblemResponses.hasChallenge(ErrorCode.INVALID_PATH)).isFalse();
        assertThat(ProblemResponses.hasChallenge(ErrorCode.INVALID_REQUEST_TARGET))
                .isFalse();
        assertThat(ProblemResponses.hasChallenge(ErrorCode.RATE_LIMITED)).isFalse();
        assertThat(ProblemResponses.hasChallenge(ErrorCode.UPSTREAM_UNAVAILABLE))
                .isFalse();
    }

    @Test
    void hasChallengeWhenTokenProblemThenBearerChallenge() {
        assertThat(ProblemResponses.hasChallenge(ErrorCode.MISSING_TOKEN)).isTrue();
        assertThat(ProblemResponses.hasChallenge(ErrorCode.INVALID_REQUEST)).isTrue();
        assertThat(ProblemResponses.hasChallenge(ErrorCode.TOKEN_EXPIRED)).isTrue();
        assertThat(ProblemResponses.hasChallenge(ErrorCode.INSUFFICIENT_ROLE)).isTrue();
    }

    @Test
    void writeWhenExchangesConfigurationOffersDpopThenDpopChallengeElseBearerOnly() {
        ProblemResponses responses = new ProblemResponses(
                "dualcore-gateway",
                5,
                null,
                "ES256",
                exchange -> exchange.getRequest().getPath().value().startsWith("/dpop"),
                ProblemResponses.defaultJsonMapper());
        MockServerWebExchange offered = MockServerWebExchange.from(MockServerHttpRequest.get("/dpop/orders"));
        MockServerWebExchange bearerOnly = MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));

        responses.write(offered, ErrorCode.DPOP_REQUIRED, "DPoP required", null).block();
        responses
                .write(bearerOnly, ErrorCode.DPOP_REQUIRED, "DPoP required", null)
                .block();

        assertThat(offered.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                .startsWith("DPoP algs=\"ES256\"");
        assertThat(bearerOnly.getResponse().getHeaders().get(HttpHeaders.WWW_AUTHENTICATE))
                .singleElement()
                .satisfies(challenge -> assertThat(challenge).startsWith("Bearer "));
    }
}
