package io.dualcore.gateway.auth.revocation;

import static io.dualcore.gateway.auth.revocation.LogoutTokens.logoutToken;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestTokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class LogoutTokenValidatorTests {

    private final TestChain chain = TestChain.create();

    private final LogoutTokenValidator validator = new LogoutTokenValidator(
            this.chain.realmA,
            Set.of(LogoutTokens.CLIENT),
            Clock.systemUTC(),
            Duration.ofMinutes(5),
            TestChain.CLOCK_SKEW,
            TestChain.MAX_TOKEN_LENGTH,
            1000);

    @Test
    void validateWhenValidThenTheLogoutOfItsSessionAndSubject() {
        Instant issuedAt = Instant.now().minusSeconds(5);

        LogoutTokenValidator.Logout logout = this.validator
                .validate(logoutToken().time("iat", issuedAt).sign())
                .block();

        assertThat(logout.realm()).isEqualTo("realm-a");
        assertThat(logout.subject()).isEqualTo("alice");
        assertThat(logout.session()).isEqualTo("session-1");
        assertThat(logout.issuedAt().getEpochSecond()).isEqualTo(issuedAt.getEpochSecond());
    }

    @Test
    void revocationsWhenSubjectScopeThenEveryEarlierTokenOfTheSubjectWhateverItsSession() {
        Instant logoutAt = Instant.parse("2026-12-07T10:00:00Z");
        RevocationList list = listOf(new LogoutTokenValidator.Logout("realm-a", "alice", "session-1", logoutAt)
                .revocations(logoutAt.plusSeconds(3600), RevocationProperties.LogoutScope.SUBJECT));

        assertThat(list.find(RevocationListTests.identity("realm-a", "alice", "session-1", null, logoutAt, null)))
                .isNotNull();
        assertThat(list.find(RevocationListTests.identity("realm-a", "alice", "session-2", null, logoutAt, null)))
                .as("Keycloak names one of the user's sessions when it logs them all out")
                .isNotNull();
        assertThat(list.find(RevocationListTests.identity(
                        "realm-a", "alice", "session-3", null, logoutAt.plusSeconds(1), null)))
                .as("a token issued after the logout (a refresh of a live session, a new login) is accepted")
                .isNull();
        assertThat(list.find(RevocationListTests.identity("realm-a", "bob", "session-2", null, logoutAt, null)))
                .isNull();
    }

    @Test
    void revocationsWhenSessionScopeThenOnlyThatSessionAndTheSubjectsSessionlessTokens() {
        Instant logoutAt = Instant.parse("2026-12-07T10:00:00Z");
        RevocationList list = listOf(new LogoutTokenValidator.Logout("realm-a", "alice", "session-1", logoutAt)
                .revocations(logoutAt.plusSeconds(3600), RevocationProperties.LogoutScope.SESSION));

        assertThat(list.find(RevocationListTests.identity("realm-a", "alice", "session-1", null, logoutAt, null)))
                .isNotNull();
        assertThat(list.find(RevocationListTests.identity("realm-a", "alice", "session-2", null, logoutAt, null)))
                .isNull();
        assertThat(list.find(RevocationListTests.identity("realm-a", "alice", null, null, logoutAt, null)))
                .isNotNull();
    }

    @Test
    void revocationsWhenOnlySubThenEveryEarlierTokenOfTheSubjectInEitherScope() {
        Instant logoutAt = Instant.parse("2026-12-07T10:00:00Z");
        for (RevocationProperties.LogoutScope scope : RevocationProperties.LogoutScope.values()) {
            List<Revocation> revocations = new LogoutTokenValidator.Logout("realm-a", "alice", null, logoutAt)
                    .revocations(logoutAt.plusSeconds(3600), scope);
            assertThat(revocations).singleElement().satisfies(revocation -> {
                assertThat(revocation.kind()).isEqualTo(Revocation.Kind.SUBJECT);
                assertThat(revocation.sessionlessOnly()).isFalse();
                assertThat(revocation.issuedBefore()).isEqualTo(logoutAt);
            });
        }
    }

    private static RevocationList listOf(List<Revocation> revocations) {
        RevocationList list =
                new RevocationList(100, Clock.fixed(Instant.parse("2026-12-07T10:00:05Z"), ZoneOffset.UTC));
        revocations.forEach(list::add);
        return list;
    }

    @Test
    void validateWhenOnlySubOrOnlySidThenAccepted() {
        assertThat(this.validator
                        .validate(logoutToken().without("sid").sign())
                        .block()
                        .session())
                .isNull();
        assertThat(this.validator
                        .validate(logoutToken().without("sub").sign())
                        .block()
                        .subject())
                .isNull();
    }

    @Test
    void validateWhenTypHeaderAbsentThenAccepted() {
        assertThat(this.validator
                        .validate(logoutToken()
                                .header(header -> header.type(null))
                                .sign())
                        .block())
                .isNotNull();
    }

    @Test
    void validateWhenReplayedThenRefused() {
        String token = logoutToken().sign();
        assertThat(this.validator.validate(token).block()).isNotNull();

        assertRefused(token, "already used");
    }

    @Test
    void validateWhenRefusedForAnotherReasonThenItsJtiIsNotBurnt() {
        assertRefused(logoutToken().claim("jti", "jti-1").claim("nonce", "n").sign(), "nonce");

        assertThat(this.validator
                        .validate(logoutToken().claim("jti", "jti-1").sign())
                        .block())
                .isNotNull();
    }

    @Test
    void validateWhenForgedSignatureThenRefused() {
        String genuine = logoutToken().sign();
        String forged = TestTokens.raw(
                TestChain.headerOf(genuine),
                TestChain.payloadOf(logoutToken().claim("sub", "bob").sign()),
                TestChain.signatureOf(genuine));

        assertRefused(forged, "signature");
    }

    @Test
    void validateWhenSignedWithAnotherRealmsKeyThenRefused() {
        String token = TestTokens.oidc(TestChain.KEY_B, TestChain.ISSUER_A)
                .header(header -> header.type(new JOSEObjectType("logout+jwt")))
                .claim("aud", List.of(LogoutTokens.CLIENT))
                .claim("jti", "jti-b")
                .claim("sid", "session-1")
                .claim("events", Map.of(LogoutTokenValidator.BACKCHANNEL_LOGOUT_EVENT, Map.of()))
                .sign();

        assertRefused(token, "unknown key");
    }

    @Test
    void validateWhenIssuerOfAnotherRealmThenRefused() {
        assertRefused(logoutToken().claim("iss", TestChain.ISSUER_B).sign(), "iss");
    }

    @Test
    void validateWhenHs256WithThePublicKeyThenRefused() {
        byte[] publicKey = TestChain.KEY_A.toPublicJWK().toJSONString().getBytes();
        String token = TestTokens.hmacRaw(
                "{\"alg\":\"HS256\",\"kid\":\"" + TestChain.KEY_A.getKeyID() + "\",\"typ\":\"logout+jwt\"}",
                TestChain.payloadOf(logoutToken().sign()),
                publicKey,
                "HmacSHA256");

        assertRefused(token, "algorithm");
    }

    @Test
    void validateWhenAlgNoneThenRefused() {
        String payload = TestChain.payloadOf(logoutToken().sign());
        String token = TestTokens.raw("{\"alg\":\"none\",\"typ\":\"logout+jwt\"}", payload, "");

        assertRefused(token, "not acceptable");
    }

    @Test
    void validateWhenWrongAudienceThenRefused() {
        assertRefused(logoutToken().claim("aud", List.of("another-client")).sign(), "aud");
        assertRefused(logoutToken().without("aud").sign(), "aud");
    }

    @Test
    void validateWhenIatTooOldOrInTheFutureOrMissingThenRefused() {
        assertRefused(logoutToken().time("iat", Instant.now().minusSeconds(600)).sign(), "too old");
        assertRefused(logoutToken().time("iat", Instant.now().plusSeconds(600)).sign(), "future");
        assertRefused(logoutToken().without("iat").sign(), "iat");
    }

    @Test
    void validateWhenExpiredThenRefused() {
        assertRefused(
                logoutToken()
                        .time("iat", Instant.now().minusSeconds(200))
                        .time("exp", Instant.now().minusSeconds(100))
                        .sign(),
                "expired");
    }

    @Test
    void validateWhenNonceThenRefused() {
        assertRefused(logoutToken().claim("nonce", "abc").sign(), "nonce");
    }

    @Test
    void validateWhenEventsMissingOrWrongThenRefused() {
        assertRefused(logoutToken().without("events").sign(), "events");
        assertRefused(logoutToken().claim("events", "backchannel-logout").sign(), "events");
        assertRefused(
                logoutToken()
                        .claim("events", Map.of("http://other/event", Map.of()))
                        .sign(),
                "events");
        assertRefused(
                logoutToken()
                        .claim("events", Map.of(LogoutTokenValidator.BACKCHANNEL_LOGOUT_EVENT, "{}"))
                        .sign(),
                "events");
    }

    @Test
    void validateWhenNeitherSidNorSubThenRefused() {
        assertRefused(logoutToken().without("sid").without("sub").sign(), "neither sid nor sub");
        assertRefused(logoutToken().claim("sid", 42).sign(), "sid");
    }

    @Test
    void validateWhenNoJtiThenRefused() {
        assertRefused(logoutToken().without("jti").sign(), "jti");
    }

    @Test
    void validateWhenTypIsNotLogoutJwtThenRefused() {
        assertRefused(
                logoutToken().header(header -> header.type(JOSEObjectType.JWT)).sign(), "typ");
    }

    @Test
    void validateWhenAnAccessTokenThenRefused() {
        assertRefused(TestChain.realmAToken().sign(), "");
    }

    @Test
    void validateWhenGarbageThenRefused() {
        assertRefused("not-a-jwt", "not acceptable");
        assertRefused("a".repeat(10_000), "not acceptable");
    }

    private void assertRefused(String token, String reason) {
        StepVerifier.create(this.validator.validate(token))
                .expectErrorSatisfies(ex -> assertThat(ex)
                        .isInstanceOf(LogoutTokenValidator.InvalidLogoutTokenException.class)
                        .message()
                        .containsIgnoringCase(reason))
                .verify();
    }
}
