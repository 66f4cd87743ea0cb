package io.dualcore.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

import io.dualcore.gateway.auth.edge.EdgeVerificationMode;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which claim values become identity headers, and the specific refusal of every other one. */
class ClaimValuesTests {

    @ParameterizedTest
    @ValueSource(strings = {"alice", " alice ", "user,admin", "José", "a\"b;c", "😀", "100%"})
    void textWhenPrintableOrUnicodeThenAccepted(String value) {
        assertThatNoException().isThrownBy(() -> ClaimValues.text("sub", value));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a\tb",
                "\talice",
                "a\r\nb",
                "a\u0000",
                "a\u007f",
                "a\u0085",
                "\ud800",
                "a\udc00b",
                "\udc00\ud800"
            })
    void textWhenControlCharacterOrUnpairedSurrogateThenInvalidClaim(String value) {
        assertInvalid(() -> ClaimValues.text("sub", value));
    }

    @Test
    void textWhenLongerThanTheLimitThenInvalidClaim() {
        assertThatNoException().isThrownBy(() -> ClaimValues.text("sub", "a".repeat(ClaimValues.MAX_LENGTH)));
        assertInvalid(() -> ClaimValues.text("sub", "a".repeat(ClaimValues.MAX_LENGTH + 1)));
    }

    @Test
    void listWhenEmptyMemberThenInvalidClaim() {
        assertInvalid(() -> ClaimValues.list("roles", List.of("user", "")));
    }

    @Test
    void identityWhenSubjectHasControlCharacterThenRefusedBeforeItExists() {
        assertInvalid(() -> identity("alice\n", Set.of("user")));
        assertInvalid(() -> identity("alice", Set.of("user\u0007")));
    }

    @Test
    void identityWhenUserInfoArrayHoldsControlCharacterThenInvalidClaim() {
        GatewayIdentity identity = identity("alice", Set.of("user"));

        assertInvalid(() -> identity.withUserInfo(Map.of("groups", List.of("ok", "a\u001bb"))));
        assertThat(identity.withUserInfo(Map.of("groups", List.of("ok", 7, true)))
                        .userInfo())
                .containsKey("groups");
    }

    @Test
    void descriptionNamesTheClaimNeverTheValue() {
        assertThatExceptionOfType(TokenRejectedException.class)
                .isThrownBy(() -> ClaimValues.text("device_id", "secret-device\r\n"))
                .satisfies(
                        ex -> assertThat(ex.description()).contains("device_id").doesNotContain("secret-device"));
    }

    private static GatewayIdentity identity(String subject, Set<String> roles) {
        return new GatewayIdentity(
                EdgeVerificationMode.MODE,
                "dualcore-edge",
                "edge",
                subject,
                null,
                roles,
                Set.of(),
                subject,
                "kid-1",
                Instant.now().plusSeconds(60),
                Map.of());
    }

    private static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatExceptionOfType(TokenRejectedException.class)
                .isThrownBy(call)
                .satisfies(ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.INVALID_CLAIM));
    }
}
