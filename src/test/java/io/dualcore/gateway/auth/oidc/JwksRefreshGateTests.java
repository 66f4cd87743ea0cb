package io.dualcore.gateway.auth.oidc;

import static io.dualcore.gateway.auth.TestChain.KEY_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestIssuers;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The refresh gate of {@link JwksKeySource} on a virtual clock: a flood of unknown kids costs at most one JWKS fetch
 * per {@code min-refresh-interval}, and a token signed by a newly published key waits for the next allowed refresh
 * instead of failing with {@code unknown_key}.
 */
class JwksRefreshGateTests {

    private static final AuthProperties.Jwks ONE_PER_SECOND = jwks(Duration.ofSeconds(1), Duration.ofSeconds(3));

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

    private final Instant start = Instant.now();

    private final Clock clock = new VirtualClock();

    private final TestChain.MutableJwkSetSource jwks = new TestChain.MutableJwkSetSource(KEY_A);

    private JwksKeySource keys;

    private TokenAuthenticator authenticator;

    private static AuthProperties.Jwks jwks(Duration minRefreshInterval, Duration refreshTimeout) {
        return new AuthProperties.Jwks(
                Duration.ofMinutes(5),
                Duration.ofSeconds(30),
                minRefreshInterval,
                Duration.ofHours(1),
                Duration.ofSeconds(2),
                Duration.ofSeconds(2),
                51200,
                refreshTimeout);
    }

    private void build(AuthProperties.Jwks settings) {
        this.keys = JwksKeySource.of(this.jwks, settings, this.clock, this.time);
        AuthProperties.Issuer issuer = TestIssuers.issuer("realm-a", TestChain.ISSUER_A)
                .audiences(List.of(TestChain.AUDIENCE))
                .jwks(settings)
                .build();
        this.authenticator = new TokenAuthenticator(
                List.of(new OidcTokenVerifier(
                        issuer, this.keys, Schedulers.immediate(), this.clock, TestChain.CLOCK_SKEW)),
                null,
                TestChain.MAX_TOKEN_LENGTH);
    }

    @AfterEach
    void close() throws Exception {
        if (this.keys != null) {
            this.keys.close();
        }
        this.time.dispose();
    }

    /** Starts an authentication; the outcome is read after virtual time has advanced. */
    private AtomicReference<Object> authenticate(String token) {
        AtomicReference<Object> outcome = new AtomicReference<>();
        this.authenticator.authenticate(token).subscribe(outcome::set, outcome::set);
        return outcome;
    }

    private static String unknownKidToken() {
        String kid = UUID.randomUUID().toString();
        return TestTokens.oidc(KEY_A, TestChain.ISSUER_A)
                .header(h -> h.keyID(kid))
                .sign();
    }

    private static ErrorCode code(Object outcome) {
        assertThat(outcome).isInstanceOf(TokenRejectedException.class);
        return ((TokenRejectedException) outcome).errorCode();
    }

    @Test
    void refreshWhenFloodOfUnknownKidsThenAtMostOneFetchPerInterval() {
        build(ONE_PER_SECOND);
        assertThat(authenticate(TestChain.realmAToken().sign()).get()).isInstanceOf(GatewayIdentity.class);
        assertThat(this.keys.fetchCount()).isEqualTo(1);

        // 100 requests per second with random kids, for 10 virtual seconds
        List<AtomicReference<Object>> flood = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            flood.add(authenticate(unknownKidToken()));
            this.time.advanceTimeBy(Duration.ofMillis(10));
        }
        this.time.advanceTimeBy(Duration.ofSeconds(5));

        assertThat(this.keys.fetchCount() - 1).as("fetches caused by the flood").isBetween(9L, 11L);
        assertThat(flood).allSatisfy(outcome -> assertThat(code(outcome.get())).isEqualTo(ErrorCode.UNKNOWN_KEY));
        assertThat(this.jwks.calls()).isEqualTo((int) this.keys.fetchCount());
    }

    @Test
    void refreshWhenKeyPublishedDuringFloodThenNewKidAcceptedAfterOneRefresh() {
        build(ONE_PER_SECOND);
        authenticate(TestChain.realmAToken().sign());
        for (int i = 0; i < 350; i++) {
            authenticate(unknownKidToken());
            this.time.advanceTimeBy(Duration.ofMillis(10));
        }
        RSAKey next = TestTokens.rsaKey("realm-a-key-2");
        this.jwks.publish(KEY_A, next);
        long fetchesBefore = this.keys.fetchCount();

        AtomicReference<Object> rotated =
                authenticate(TestTokens.oidc(next, TestChain.ISSUER_A).sign());
        assertThat(rotated.get()).as("waits for the next allowed refresh").isNull();
        long waited = 0;
        while (rotated.get() == null && waited < 3000) {
            authenticate(unknownKidToken());
            this.time.advanceTimeBy(Duration.ofMillis(10));
            waited += 10;
        }

        assertThat(rotated.get()).isInstanceOf(GatewayIdentity.class);
        assertThat(((GatewayIdentity) rotated.get()).keyId()).isEqualTo("realm-a-key-2");
        assertThat(waited).as("virtual ms until accepted").isLessThanOrEqualTo(1000);
        assertThat(this.keys.fetchCount() - fetchesBefore).isEqualTo(1);
    }

    @Test
    void refreshWhenRefreshesAllowedAgainThenWaitingRequestsShareOneFetch() {
        build(ONE_PER_SECOND);
        authenticate(TestChain.realmAToken().sign());
        RSAKey next = TestTokens.rsaKey("realm-a-key-2");
        this.jwks.publish(KEY_A, next);
        String rotatedToken = TestTokens.oidc(next, TestChain.ISSUER_A).sign();

        List<AtomicReference<Object>> waiting = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            waiting.add(authenticate(rotatedToken));
        }
        assertThat(waiting).allSatisfy(outcome -> assertThat(outcome.get()).isNull());
        this.time.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(waiting).allSatisfy(outcome -> assertThat(outcome.get()).isInstanceOf(GatewayIdentity.class));
        assertThat(this.keys.fetchCount()).isEqualTo(2);
        assertThat(this.keys.refreshWaitCount()).isEqualTo(50);
    }

    @Test
    void refreshWhenNextAllowedRefreshBeyondRefreshTimeoutThenUnknownKeyAtOnce() {
        build(jwks(Duration.ofMinutes(1), Duration.ofSeconds(3)));
        authenticate(TestChain.realmAToken().sign());

        AtomicReference<Object> outcome = authenticate(unknownKidToken());

        assertThat(code(outcome.get())).isEqualTo(ErrorCode.UNKNOWN_KEY);
        assertThat(this.keys.fetchCount()).isEqualTo(1);
        assertThat(this.keys.refreshWaitCount()).isZero();
    }

    @Test
    void refreshWhenIntervalPassedThenUnknownKidRefreshesAtOnce() {
        build(ONE_PER_SECOND);
        authenticate(TestChain.realmAToken().sign());
        this.time.advanceTimeBy(Duration.ofSeconds(2));
        RSAKey next = TestTokens.rsaKey("realm-a-key-2");
        this.jwks.publish(KEY_A, next);

        AtomicReference<Object> outcome =
                authenticate(TestTokens.oidc(next, TestChain.ISSUER_A).sign());
        this.time.advanceTimeBy(Duration.ZERO);

        assertThat(outcome.get()).isInstanceOf(GatewayIdentity.class);
        assertThat(this.keys.fetchCount()).isEqualTo(2);
    }

    @Test
    void refreshWhenIdpDownThenKnownKeysKeepVerifyingAndUnknownKidUnavailable() {
        build(ONE_PER_SECOND);
        authenticate(TestChain.realmAToken().sign());
        this.jwks.down(true);
        this.time.advanceTimeBy(Duration.ofSeconds(2));

        AtomicReference<Object> unknown = authenticate(unknownKidToken());
        this.time.advanceTimeBy(Duration.ofSeconds(1));
        AtomicReference<Object> known = authenticate(TestChain.realmAToken().sign());

        // the refresh failed, so whether the kid exists cannot be known: 503 (retry later), not 401
        assertThat(code(unknown.get())).isEqualTo(ErrorCode.ISSUER_UNAVAILABLE);
        assertThat(known.get()).isInstanceOf(GatewayIdentity.class);
        assertThat(this.keys.failureCount()).isPositive();
    }

    /** A clock that reads the virtual time scheduler, offset to now so that real tokens are within their window. */
    private final class VirtualClock extends Clock {

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return JwksRefreshGateTests.this.start.plusMillis(
                    JwksRefreshGateTests.this.time.now(TimeUnit.MILLISECONDS));
        }
    }
}
