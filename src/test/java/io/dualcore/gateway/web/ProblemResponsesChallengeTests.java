package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

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
}
