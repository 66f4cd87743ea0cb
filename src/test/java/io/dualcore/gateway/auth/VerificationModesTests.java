package io.dualcore.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.dualcore.gateway.auth.edge.EdgeVerificationMode;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The registry of verification modes: names resolve here, indices are dense, a plugged mode needs no other code. */
class VerificationModesTests {

    /** A third mode, as a plug-in would define it. */
    static final Mode PLUGGED = Mode.define("plugged-test", identity -> identity.subject(), false);

    @Test
    void parseWhenRegisteredNameThenItsModeWhateverTheCase() {
        assertThat(TestModes.REGISTRY.parse("where", "oidc")).isSameAs(OidcVerificationMode.MODE);
        assertThat(TestModes.REGISTRY.parse("where", " EDGE ")).isSameAs(EdgeVerificationMode.MODE);
    }

    @Test
    void parseWhenUnknownNameThenStartupErrorNamingPropertyAndRegisteredModes() {
        assertThatIllegalStateException()
                .isThrownBy(() -> TestModes.REGISTRY.parse("dualcore.routes.orders.access.modes", "saml"))
                .withMessage("dualcore.routes.orders.access.modes: unknown mode 'saml'; registered modes are"
                        + " [oidc, edge]");
    }

    @Test
    void parseWhenAnonymousThenNotAMode() {
        assertThatIllegalStateException().isThrownBy(() -> TestModes.REGISTRY.parse("where", "anonymous"));
    }

    @Test
    void parseWhenModeDefinedButNotRegisteredThenUnknown() {
        VerificationModes oidcOnly = VerificationModes.of(List.of(new OidcVerificationMode()));

        assertThatIllegalStateException()
                .isThrownBy(() -> oidcOnly.parse("dualcore.admin.modes", "edge"))
                .withMessageContaining("registered modes are [oidc]");
        assertThat(oidcOnly.isRegistered(EdgeVerificationMode.MODE)).isFalse();
    }

    @Test
    void ofWhenModeRegisteredTwiceThenError() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> VerificationModes.of(List.of(new OidcVerificationMode(), new OidcVerificationMode())))
                .withMessageContaining("registered twice");
    }

    @Test
    void defineWhenNameTakenOrAnonymousOrMalformedThenRefused() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Mode.define("oidc", GatewayIdentity::subject, false))
                .withMessageContaining("already defined");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Mode.define("anonymous", GatewayIdentity::subject, false));
        assertThatIllegalArgumentException().isThrownBy(() -> Mode.define("Bad Name", GatewayIdentity::subject, false));
    }

    @Test
    void slotsWhenModesRegisteredThenEveryIndexFits() {
        VerificationModes modes = VerificationModes.of(List.of(new OidcVerificationMode(), new Plugged()));

        assertThat(modes.slots()).isGreaterThan(PLUGGED.index());
        assertThat(modes.slots()).isGreaterThan(OidcVerificationMode.MODE.index());
        assertThat(modes.names()).containsExactly("oidc", "plugged-test");
        assertThat(OidcVerificationMode.MODE.index()).isNotEqualTo(EdgeVerificationMode.MODE.index());
    }

    @Test
    void accessRulesWhenPluggedModeThenItsRuleAppliesByIndex() {
        VerificationModes modes = VerificationModes.of(List.of(new OidcVerificationMode(), new Plugged()));

        AccessRule[] rules = modes.accessRules("dualcore.routes.r.access", property -> List.of());

        assertThat(rules[PLUGGED.index()].check(identity(PLUGGED)))
                .isEqualTo(new AccessRule.Refusal(ErrorCode.POLICY_DENIED, "plugged says no"));
        assertThat(rules[OidcVerificationMode.MODE.index()]).isSameAs(AccessRule.NONE);
    }

    @Test
    void rateLimitKeyWhenBuiltInModesThenTodaysKeys() {
        GatewayIdentity oidc = new GatewayIdentity(
                OidcVerificationMode.MODE,
                "https://kc/realms/a",
                "a",
                "alice",
                null,
                Set.of(),
                Set.of(),
                null,
                null,
                Instant.now().plusSeconds(60),
                Map.of());
        GatewayIdentity edge = identity(EdgeVerificationMode.MODE);

        assertThat(oidc.mode().rateLimitKey(oidc)).isEqualTo("https://kc/realms/a|alice");
        assertThat(edge.mode().rateLimitKey(edge)).isEqualTo("edge|device-1");
    }

    private static GatewayIdentity identity(Mode mode) {
        return new GatewayIdentity(
                mode,
                "issuer",
                "edge",
                "device-1",
                null,
                Set.of(),
                Set.of(),
                "device-1",
                "k1",
                Instant.now().plusSeconds(60),
                Map.of());
    }

    static final class Plugged implements VerificationMode {

        @Override
        public Mode mode() {
            return PLUGGED;
        }

        @Override
        public List<String> accessProperties() {
            return List.of();
        }

        @Override
        public AccessRule accessRule(String where, Function<String, List<String>> lists) {
            return identity -> new AccessRule.Refusal(ErrorCode.POLICY_DENIED, "plugged says no");
        }
    }
}
