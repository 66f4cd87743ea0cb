package io.dualcore.gateway.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestModes;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

/** The identity's header block, computed once per identity and written into each upstream request's headers. */
class IdentityHeadersTests {

    private final IdentityHeaders identityHeaders = new IdentityHeaders("X-Auth-");

    private static GatewayIdentity identity(String subject, Set<String> roles) {
        return new GatewayIdentity(
                TestModes.OIDC,
                "https://idp.test/realms/a",
                "a",
                subject,
                "web",
                roles,
                Set.of("openid"),
                null,
                "kid-1",
                Instant.now().plusSeconds(300),
                Map.of("sub", subject));
    }

    @Test
    void writeWhenHeadersHoldSameNamesInAnyCaseThenReplacedByOneValueEach() {
        HttpHeaders headers = new HttpHeaders();
        headers.add("x-auth-subject", "mallory");
        headers.add("X-AUTH-ROLES", "admin");
        headers.add("X-Auth-Roles", "root");
        headers.set(HttpHeaders.ACCEPT, "application/json");

        this.identityHeaders.write(identity("alice", Set.of("user")), headers);

        assertThat(headers.get("X-Auth-Subject")).containsExactly("alice");
        assertThat(headers.get("X-Auth-Roles")).containsExactly("user");
        assertThat(headers.getFirst(HttpHeaders.ACCEPT)).isEqualTo("application/json");
    }

    @Test
    void writeWhenSameIdentityTwiceThenSameValuesAndRequestsIndependent() {
        GatewayIdentity alice = identity("alice", Set.of("user", "orders:read"));
        HttpHeaders first = new HttpHeaders();
        HttpHeaders second = new HttpHeaders();

        this.identityHeaders.write(alice, first);
        this.identityHeaders.write(alice, second);
        second.set("X-Auth-Subject", "changed in the second request only");

        assertThat(first.get("X-Auth-Subject")).containsExactly("alice");
        assertThat(first.get("X-Auth-Roles")).containsExactly("orders:read,user");
        assertThat(second.get("X-Auth-Roles")).containsExactly("orders:read,user");
    }

    @Test
    void writeWhenTwoIdentitiesThenEachItsOwnBlock() {
        HttpHeaders headers = new HttpHeaders();

        this.identityHeaders.write(identity("alice", Set.of("user")), headers);
        this.identityHeaders.write(identity("bob", Set.of("admin")), headers);

        assertThat(headers.get("X-Auth-Subject")).containsExactly("bob");
        assertThat(headers.get("X-Auth-Roles")).containsExactly("admin");
    }

    @Test
    void blockWhenSameIdentityThenComputedOnceAndReused() {
        GatewayIdentity alice = identity("alice", Set.of("user"));

        assertThat(this.identityHeaders.block(alice)).isSameAs(this.identityHeaders.block(alice));
    }

    @Test
    void blockWhenAnotherIdentityThenItsOwnNeverTheCachedOne() {
        GatewayIdentity alice = identity("alice", Set.of("user"));
        GatewayIdentity bob = identity("bob", Set.of("admin"));
        this.identityHeaders.block(alice);

        assertThat(this.identityHeaders.block(bob)).isNotSameAs(this.identityHeaders.block(alice));
        assertThat(this.identityHeaders.block(bob).value("X-Auth-Subject")).isEqualTo("bob");
        assertThat(this.identityHeaders.block(bob).value("X-Auth-Roles")).isEqualTo("admin");
    }

    @Test
    void blockWhenOtherHeaderNamesThenOwnBlockWithThoseNamesAndTheFirstKept() {
        GatewayIdentity alice = identity("alice", Set.of("user"));
        IdentityHeaders renamed = new IdentityHeaders("X-Gw-", List.of("X-Auth-"));
        this.identityHeaders.block(alice);
        HttpHeaders headers = new HttpHeaders();

        renamed.write(alice, headers);
        renamed.writeAssertion("signed.assertion", headers);

        assertThat(renamed.block(alice).names()).allMatch(name -> name.startsWith("X-Gw-"));
        assertThat(headers.getFirst("X-Gw-Subject")).isEqualTo("alice");
        assertThat(headers.getFirst("X-Gw-Assertion")).isEqualTo("signed.assertion");
        assertThat(headers.headerNames()).noneMatch(name -> name.startsWith("X-Auth-"));
        // a request still on the configuration before gets its names, from its own cached block
        assertThat(this.identityHeaders.block(alice).names()).allMatch(name -> name.startsWith("X-Auth-"));
    }

    @Test
    void isReservedWhenPrefixesRetiredThenEachStillReservedHoweverSpelledAndNamesUseTheNewPrefix() {
        IdentityHeaders headers = new IdentityHeaders("X-Id-", List.of("X-Auth-", "x_legacy_"));

        assertThat(headers.subject).isEqualTo("X-Id-Subject");
        assertThat(headers.prefix()).isEqualTo("X-Id-");
        assertThat(headers.reservedPrefixes()).containsExactly("x-id-", "x-auth-", "x-legacy-");
        assertThat(headers.isReserved("x_id_subject")).isTrue();
        assertThat(headers.isReserved("X-AUTH-Roles")).isTrue();
        assertThat(headers.isReserved(" X-Legacy-User")).isTrue();
        assertThat(headers.isReserved("X-Authority")).isFalse();
        assertThat(headers.reserved().test("X_Auth_Subject")).isTrue();
        assertThat(headers.reserved()).isSameAs(headers.reserved());
    }
}
