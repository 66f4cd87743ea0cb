package io.dualcore.gateway.auth.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.VerifierChain;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** The logout-token validators follow the configuration in force: realms added and removed live. */
class LogoutTokenValidatorsTests {

    private final TestChain chain = TestChain.create();

    private final AtomicReference<VerifierChain> inForce =
            new AtomicReference<>(new VerifierChain(List.of(this.chain.realmA, this.chain.edge)));

    private final AtomicInteger built = new AtomicInteger();

    private final LogoutTokenValidators validators =
            LogoutTokenValidators.atStartup(this.inForce::get, this::validator);

    private LogoutTokenValidator validator(OidcTokenVerifier verifier) {
        this.built.incrementAndGet();
        return new LogoutTokenValidator(
                verifier,
                Set.of(LogoutTokens.CLIENT),
                Clock.systemUTC(),
                Duration.ofMinutes(5),
                TestChain.CLOCK_SKEW,
                TestChain.MAX_TOKEN_LENGTH,
                1000);
    }

    @Test
    void forRealmWhenConfiguredClientsChangeLiveThenRebuiltWithThemAndKeptWhileTheyStay() {
        AtomicReference<Map<String, List<String>>> clients = new AtomicReference<>(Map.of());
        List<List<String>> builtWith = new java.util.ArrayList<>();
        LogoutTokenValidators live = LogoutTokenValidators.atStartup(this.inForce::get, clients::get, (verifier, c) -> {
            builtWith.add(c);
            return validator(verifier);
        });
        String realmA = this.chain.realmA.name();
        LogoutTokenValidator first = live.forRealm(realmA);

        clients.set(Map.of(realmA, List.of("app-1")));
        LogoutTokenValidator second = live.forRealm(realmA);
        clients.set(Map.of(realmA, List.of("app-1"), "realm-elsewhere", List.of("x")));
        LogoutTokenValidator third = live.forRealm(realmA);

        assertThat(second).isNotSameAs(first);
        assertThat(third).isSameAs(second);
        assertThat(builtWith).containsExactly(List.of(), List.of("app-1"));
    }

    @Test
    void forRealmWhenRealmAddedLiveThenItsLogoutTokenAccepted() {
        String realmB = this.chain.realmB.name();
        assertThat(this.validators.forRealm(realmB)).isNull();

        this.inForce.set(new VerifierChain(List.of(this.chain.realmA, this.chain.realmB, this.chain.edge)));

        LogoutTokenValidator validator = this.validators.forRealm(realmB);
        assertThat(validator).isNotNull();
        StepVerifier.create(validator.validate(LogoutTokens.logoutToken(TestChain.KEY_B, TestChain.ISSUER_B)
                        .sign()))
                .assertNext(logout -> assertThat(logout.realm()).isEqualTo(realmB))
                .verifyComplete();
        assertThat(this.validators.realms()).containsExactly(this.chain.realmA.name(), realmB);
    }

    @Test
    void forRealmWhenRealmRemovedLiveThenNoValidator() {
        String realmA = this.chain.realmA.name();
        assertThat(this.validators.forRealm(realmA)).isNotNull();

        this.inForce.set(new VerifierChain(List.of(this.chain.realmB, this.chain.edge)));

        assertThat(this.validators.forRealm(realmA)).isNull();
        assertThat(this.validators.realms()).containsExactly(this.chain.realmB.name());
    }

    @Test
    void forRealmWhenIssuerUnchangedAcrossReloadThenSameValidatorAndReplayStillRefused() {
        LogoutTokenValidator before = this.validators.forRealm(this.chain.realmA.name());
        String token = LogoutTokens.logoutToken().sign();
        StepVerifier.create(before.validate(token)).expectNextCount(1).verifyComplete();

        this.inForce.set(new VerifierChain(List.of(this.chain.realmA, this.chain.realmB, this.chain.edge)));

        LogoutTokenValidator after = this.validators.forRealm(this.chain.realmA.name());
        assertThat(after).isSameAs(before);
        StepVerifier.create(after.validate(token))
                .expectError(LogoutTokenValidator.InvalidLogoutTokenException.class)
                .verify();
        assertThat(this.built).as("realm A once, realm B once").hasValue(2);
    }

    @Test
    void forRealmWhenChainUnchangedThenNothingRebuilt() {
        this.validators.forRealm("realm-x");
        this.validators.forRealm(this.chain.realmA.name());
        assertThat(this.built).hasValue(1);
    }

    @Test
    void forRealmWhenRealmAddedLiveWithoutClientsThenThatRealmRefusesAndOthersServe() {
        LogoutTokenValidators strict = new LogoutTokenValidators(this.inForce::get, verifier -> {
            if (verifier == this.chain.realmB) {
                throw new IllegalArgumentException("no client id");
            }
            return validator(verifier);
        });
        this.inForce.set(new VerifierChain(List.of(this.chain.realmA, this.chain.realmB, this.chain.edge)));

        assertThat(strict.forRealm(this.chain.realmB.name())).isNull();
        assertThat(strict.forRealm(this.chain.realmA.name())).isNotNull();
    }

    @Test
    void atStartupWhenRealmWithoutClientsThenStartupError() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> LogoutTokenValidators.atStartup(this.inForce::get, verifier -> {
                    throw new IllegalArgumentException("no client id");
                }));
    }
}
