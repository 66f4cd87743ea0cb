package io.dualcore.gateway.auth.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.edge.EdgeVerificationMode;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RevocationListTests {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    private final MutableClock clock = new MutableClock(NOW);

    private final RevocationList list = new RevocationList(3, this.clock);

    @Test
    void findWhenNothingRevokedThenNullAndEmpty() {
        assertThat(this.list.isEmpty()).isTrue();
        assertThat(this.list.find(oidc("alice", "session-1", NOW.minusSeconds(10))))
                .isNull();
    }

    @Test
    void findWhenSubjectRevokedThenEveryTokenOfThatSubjectInThatRealmOnly() {
        this.list.add(revocation(Revocation.Kind.SUBJECT, "realm-a", "alice", null, false, NOW.plusSeconds(60)));

        assertThat(this.list.find(oidc("alice", "session-1", NOW))).isNotNull();
        assertThat(this.list.find(oidc("alice", null, NOW))).isNotNull();
        assertThat(this.list.find(oidc("bob", "session-1", NOW))).isNull();
        assertThat(this.list.find(identity("realm-b", "alice", null, null, NOW, null)))
                .isNull();
    }

    @Test
    void findWhenSubjectLogoutThenOnlyTokensIssuedUpToTheLogout() {
        this.list.add(revocation(Revocation.Kind.SUBJECT, "realm-a", "alice", NOW, false, NOW.plusSeconds(60)));

        assertThat(this.list.find(oidc("alice", null, NOW.minusSeconds(1)))).isNotNull();
        assertThat(this.list.find(oidc("alice", null, NOW))).isNotNull();
        assertThat(this.list.find(oidc("alice", null, NOW.plusSeconds(1)))).isNull();
        assertThat(this.list.find(identity("realm-a", "alice", null, null, null, null)))
                .as("a token without iat cannot prove it is newer than the logout")
                .isNotNull();
    }

    @Test
    void findWhenSessionlessOnlyThenTokensNamingTheirSessionAreJudgedBySessionAlone() {
        this.list.add(revocation(Revocation.Kind.SUBJECT, "realm-a", "alice", NOW, true, NOW.plusSeconds(60)));
        this.list.add(revocation(Revocation.Kind.SESSION, "realm-a", "session-1", null, false, NOW.plusSeconds(60)));

        assertThat(this.list.find(oidc("alice", "session-1", NOW))).isNotNull();
        assertThat(this.list.find(oidc("alice", "session-2", NOW)))
                .as("alice's other session is not logged out")
                .isNull();
        assertThat(this.list.find(oidc("alice", null, NOW))).isNotNull();
    }

    @Test
    void findWhenDeviceOrJtiRevokedThenThoseTokensRefused() {
        this.list.add(revocation(Revocation.Kind.DEVICE, "edge", "device-7", null, false, NOW.plusSeconds(60)));
        this.list.add(revocation(Revocation.Kind.TOKEN, "realm-a", "jti-1", null, false, NOW.plusSeconds(60)));

        assertThat(this.list.find(identity("edge", "svc", null, "device-7", NOW, null)))
                .isNotNull();
        assertThat(this.list.find(identity("edge", "svc", null, "device-8", NOW, null)))
                .isNull();
        assertThat(this.list.find(identity("realm-a", "carol", null, null, NOW, "jti-1")))
                .isNotNull();
        assertThat(this.list.find(identity("realm-a", "carol", null, null, NOW, "jti-2")))
                .isNull();
    }

    @Test
    void findWhenRevocationLapsedThenNullAndPurged() {
        this.list.add(revocation(Revocation.Kind.SUBJECT, "realm-a", "alice", null, false, NOW.plusSeconds(60)));

        this.clock.advance(Duration.ofSeconds(60));

        assertThat(this.list.find(oidc("alice", null, NOW))).isNull();
        assertThat(this.list.list()).isEmpty();
        assertThat(this.list.purgeExpired()).isEqualTo(1);
        assertThat(this.list.isEmpty()).isTrue();
    }

    @Test
    void addWhenFullThenRefusedUnlessSomethingLapsed() {
        for (int i = 0; i < 3; i++) {
            assertThat(this.list.add(revocation(
                            Revocation.Kind.TOKEN, "realm-a", "jti-" + i, null, false, NOW.plusSeconds(10 + i))))
                    .isNotNull();
        }

        assertThat(this.list.add(
                        revocation(Revocation.Kind.TOKEN, "realm-a", "jti-x", null, false, NOW.plusSeconds(60))))
                .isNull();
        assertThat(this.list.size()).isEqualTo(3);
        assertThat(this.list.add(
                        revocation(Revocation.Kind.TOKEN, "realm-a", "jti-0", null, false, NOW.plusSeconds(99))))
                .as("extending one already held needs no room")
                .isNotNull();

        this.clock.advance(Duration.ofSeconds(11));

        assertThat(this.list.add(
                        revocation(Revocation.Kind.TOKEN, "realm-a", "jti-x", null, false, NOW.plusSeconds(60))))
                .isNotNull();
        assertThat(this.list.size()).isEqualTo(3);
    }

    @Test
    void addWhenAlreadyRevokedThenNeverShortenedNorNarrowed() {
        this.list.add(revocation(Revocation.Kind.SUBJECT, "realm-a", "alice", null, false, NOW.plusSeconds(600)));

        Revocation merged =
                this.list.add(revocation(Revocation.Kind.SUBJECT, "realm-a", "alice", NOW, true, NOW.plusSeconds(60)));

        assertThat(merged.until()).isEqualTo(NOW.plusSeconds(600));
        assertThat(merged.issuedBefore()).isNull();
        assertThat(merged.sessionlessOnly()).isFalse();
        assertThat(this.list.size()).isEqualTo(1);
    }

    @Test
    void removeThenTokensAcceptedAgain() {
        this.list.add(revocation(Revocation.Kind.DEVICE, "edge", "device-7", null, false, NOW.plusSeconds(60)));

        assertThat(this.list.remove(Revocation.Kind.DEVICE, "edge", "device-7")).isNotNull();

        assertThat(this.list.find(identity("edge", "svc", null, "device-7", NOW, null)))
                .isNull();
        assertThat(this.list.isEmpty()).isTrue();
        assertThat(this.list.remove(Revocation.Kind.DEVICE, "edge", "device-7")).isNull();
    }

    @Test
    void replaceAllThenExactlyTheGivenLiveRevocationsKeepingTheBound() {
        this.list.add(revocation(Revocation.Kind.SUBJECT, "realm-a", "alice", null, false, NOW.plusSeconds(60)));

        this.list.replaceAll(List.of(
                revocation(Revocation.Kind.TOKEN, "realm-a", "jti-1", null, false, NOW.plusSeconds(10)),
                revocation(Revocation.Kind.TOKEN, "realm-a", "jti-2", null, false, NOW.plusSeconds(20)),
                revocation(Revocation.Kind.TOKEN, "realm-a", "jti-3", null, false, NOW.plusSeconds(30)),
                revocation(Revocation.Kind.TOKEN, "realm-a", "jti-4", null, false, NOW.plusSeconds(40)),
                revocation(Revocation.Kind.TOKEN, "realm-a", "lapsed", null, false, NOW.minusSeconds(1))));

        assertThat(this.list.size()).isEqualTo(3);
        assertThat(this.list.list()).extracting(Revocation::value).containsExactly("jti-2", "jti-3", "jti-4");
        assertThat(this.list.find(oidc("alice", null, NOW))).isNull();
    }

    @Test
    void revocationWhenRealmOrValueInvalidThenRefused() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> revocation(Revocation.Kind.SUBJECT, "a|b", "x", null, false, NOW));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> revocation(Revocation.Kind.SUBJECT, "realm-a", "x".repeat(513), null, false, NOW));
        assertThatIllegalArgumentException().isThrownBy(() -> Revocation.Kind.of("user"));
        assertThat(Revocation.Kind.of("DEVICE")).isEqualTo(Revocation.Kind.DEVICE);
    }

    static Revocation revocation(
            Revocation.Kind kind,
            String realm,
            String value,
            Instant issuedBefore,
            boolean sessionlessOnly,
            Instant until) {
        return new Revocation(kind, realm, value, issuedBefore, sessionlessOnly, until, "admin-1");
    }

    private static GatewayIdentity oidc(String subject, String session, Instant issuedAt) {
        return identity("realm-a", subject, session, null, issuedAt, null);
    }

    static GatewayIdentity identity(
            String realm, String subject, String session, String device, Instant issuedAt, String jti) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("sub", subject);
        if (session != null) {
            claims.put("sid", session);
        }
        if (issuedAt != null) {
            claims.put("iat", Date.from(issuedAt));
        }
        if (jti != null) {
            claims.put("jti", jti);
        }
        return new GatewayIdentity(
                device != null ? EdgeVerificationMode.MODE : OidcVerificationMode.MODE,
                "https://issuer/" + realm,
                realm,
                subject,
                null,
                Set.of(),
                Set.of(),
                device,
                "kid-1",
                NOW.plusSeconds(300),
                claims);
    }
}
