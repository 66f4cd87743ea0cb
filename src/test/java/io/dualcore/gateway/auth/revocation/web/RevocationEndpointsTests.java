package io.dualcore.gateway.auth.revocation.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.VerifiedTokenCache;
import io.dualcore.gateway.auth.VerifierChain;
import io.dualcore.gateway.auth.revocation.LogoutTokenValidator;
import io.dualcore.gateway.auth.revocation.LogoutTokenValidators;
import io.dualcore.gateway.auth.revocation.LogoutTokens;
import io.dualcore.gateway.auth.revocation.Revocation;
import io.dualcore.gateway.auth.revocation.RevocationCheck;
import io.dualcore.gateway.auth.revocation.RevocationList;
import io.dualcore.gateway.auth.revocation.RevocationObserver;
import io.dualcore.gateway.auth.revocation.RevocationProperties;
import io.dualcore.gateway.auth.revocation.RevocationSharing;
import io.dualcore.gateway.auth.revocation.Revocations;
import io.dualcore.gateway.auth.web.AdminAuthenticator;
import io.dualcore.gateway.web.ProblemResponses;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.StatusAssertions;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunctions;

/** The back-channel logout receiver and the admin API, over HTTP, without a server. */
class RevocationEndpointsTests {

    private static final String CLIENT = LogoutTokens.CLIENT;

    private final TestChain chain = TestChain.create();

    private final RevocationList list = new RevocationList(1000, Clock.systemUTC());

    private final Revocations revocations = new Revocations(this.list, RevocationSharing.NONE, RevocationObserver.NONE);

    private final TokenAuthenticator authenticator = new TokenAuthenticator(
            List.of(this.chain.realmA, this.chain.edge),
            new VerifiedTokenCache(1000, Clock.systemUTC()),
            TestChain.MAX_TOKEN_LENGTH,
            List.of(new RevocationCheck(this.list)));

    private final WebTestClient client;

    RevocationEndpointsTests() {
        ProblemResponses errors = new ProblemResponses("dualcore-gateway", 5);
        BackchannelLogoutHandler logout = new BackchannelLogoutHandler(
                Map.of(
                        "realm-a",
                        new LogoutTokenValidator(
                                this.chain.realmA,
                                Set.of(CLIENT),
                                Clock.systemUTC(),
                                Duration.ofMinutes(5),
                                TestChain.CLOCK_SKEW,
                                TestChain.MAX_TOKEN_LENGTH,
                                1000)),
                this.revocations,
                errors,
                Clock.systemUTC(),
                Duration.ofHours(1),
                16384,
                RevocationProperties.LogoutScope.SUBJECT);
        RevocationAdminHandler admin = new RevocationAdminHandler(
                new AdminAuthenticator(
                        this.authenticator,
                        "dualcore-admin",
                        Set.of(io.dualcore.gateway.auth.TestModes.OIDC, io.dualcore.gateway.auth.TestModes.EDGE)),
                this.revocations,
                errors,
                Set.of("realm-a", "edge"),
                Clock.systemUTC(),
                Duration.ofHours(24),
                Duration.ofDays(365));
        this.client = WebTestClient.bindToRouterFunction(RouterFunctions.route()
                        .POST(BackchannelLogoutHandler.PATH, logout::logout)
                        .GET(RevocationAdminHandler.PATH, admin::list)
                        .POST(RevocationAdminHandler.PATH, admin::revoke)
                        .DELETE(RevocationAdminHandler.PATH, admin::lift)
                        .build())
                .build();
    }

    @Test
    void logoutWhenValidThenOkNoStoreAndTheSessionAndTheSubjectsEarlierTokensRevoked() {
        this.client
                .post()
                .uri("/backchannel-logout/realm-a")
                .body(BodyInserters.fromFormData(
                        "logout_token", LogoutTokens.logoutToken().sign()))
                .exchange()
                .expectStatus()
                .isOk()
                .expectHeader()
                .cacheControl(org.springframework.http.CacheControl.noStore());

        assertThat(this.list.get(Revocation.Kind.SESSION, "realm-a", "session-1"))
                .isNotNull();
        assertThat(this.list.get(Revocation.Kind.SUBJECT, "realm-a", "alice").sessionlessOnly())
                .as("the default scope takes back the subject's other sessions' tokens too")
                .isFalse();
    }

    @Test
    void logoutWhenTokenInvalidThen400InvalidRequestAndNothingRevoked() {
        assertLogoutRefused(form(LogoutTokens.logoutToken().claim("nonce", "n").sign()), 400, "invalid_logout_token");
        assertLogoutRefused(
                form(LogoutTokens.logoutToken().claim("aud", "other").sign()), 400, "invalid_logout_token");
        assertLogoutRefused(form("garbage"), 400, "invalid_logout_token");
        assertLogoutRefused(form(""), 400, "invalid_logout_token");
        assertLogoutRefused("other=1", 400, "invalid_logout_token");
        assertLogoutRefused("logout_token=a&logout_token=b", 400, "invalid_logout_token");
        assertLogoutRefused("logout_token=%zz", 400, "invalid_logout_token");
        assertThat(this.list.isEmpty()).isTrue();
    }

    @Test
    void logoutWhenUnknownRealmThen400() {
        this.client
                .post()
                .uri("/backchannel-logout/realm-x")
                .body(BodyInserters.fromFormData(
                        "logout_token", LogoutTokens.logoutToken().sign()))
                .exchange()
                .expectStatus()
                .isBadRequest();
        assertThat(this.list.isEmpty()).isTrue();
    }

    @Test
    void logoutWhenHostileRequestThen4xxAndNothingRevoked() {
        this.client
                .post()
                .uri("/backchannel-logout/realm-a")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"logout_token\":\"" + LogoutTokens.logoutToken().sign() + "\"}")
                .exchange()
                .expectStatus()
                .isEqualTo(415);
        this.client
                .post()
                .uri("/backchannel-logout/realm-a")
                .exchange()
                .expectStatus()
                .isEqualTo(415);
        this.client
                .post()
                .uri("/backchannel-logout/realm-a")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("logout_token=" + "a".repeat(20_000))
                .exchange()
                .expectStatus()
                .isEqualTo(413);
        assertThat(this.list.isEmpty()).isTrue();
    }

    @Test
    void adminWhenNoTokenOrNotAdminThenRefusedAndNothingChanged() {
        this.client
                .get()
                .uri(RevocationAdminHandler.PATH)
                .exchange()
                .expectStatus()
                .isUnauthorized();
        this.client
                .post()
                .uri(RevocationAdminHandler.PATH)
                .header(
                        HttpHeaders.AUTHORIZATION,
                        "Bearer " + TestChain.realmAToken().sign())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("kind", "device", "realm", "edge", "value", "device-7"))
                .exchange()
                .expectStatus()
                .isForbidden();
        this.client
                .post()
                .uri(RevocationAdminHandler.PATH)
                .header(HttpHeaders.AUTHORIZATION, "Bearer garbage")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("kind", "device", "realm", "edge", "value", "device-7"))
                .exchange()
                .expectStatus()
                .isUnauthorized();
        assertThat(this.list.isEmpty()).isTrue();
    }

    @Test
    void adminWhenRevokeListLiftThenDeviceRefusedThenAcceptedAgain() {
        String admin = adminToken();
        String device = TestChain.edgeToken().claim("device_id", "device-7").sign();
        assertThat(this.authenticator.authenticate(device).block()).isNotNull();

        this.client
                .post()
                .uri(RevocationAdminHandler.PATH)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + admin)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("kind", "device", "realm", "edge", "value", "device-7", "ttl", "2h"))
                .exchange()
                .expectStatus()
                .isCreated()
                .expectBody()
                .jsonPath("$.actor")
                .isEqualTo("root-admin")
                .jsonPath("$.kind")
                .isEqualTo("device");
        assertThat(this.list.find(this.chain.edge.verifyInline(
                        io.dualcore.gateway.auth.ParsedToken.parse(device, TestChain.MAX_TOKEN_LENGTH))))
                .isNotNull();
        this.client
                .get()
                .uri(RevocationAdminHandler.PATH)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + admin)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.revocations[0].value")
                .isEqualTo("device-7");

        this.client
                .delete()
                .uri(RevocationAdminHandler.PATH + "?kind=device&realm=edge&value=device-7")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + admin)
                .exchange()
                .expectStatus()
                .isOk();

        assertThat(this.list.isEmpty()).isTrue();
        this.client
                .delete()
                .uri(RevocationAdminHandler.PATH + "?kind=device&realm=edge&value=device-7")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + admin)
                .exchange()
                .expectStatus()
                .isNotFound();
    }

    @Test
    void adminWhenBadRequestThen4xxAndNothingRevoked() {
        String admin = adminToken();
        assertAdminRefused(admin, "{", 400);
        assertAdminRefused(admin, "[]", 400);
        assertAdminRefused(admin, "null", 400);
        assertAdminRefused(admin, "{\"kind\":\"user\",\"realm\":\"edge\",\"value\":\"d\"}", 400);
        assertAdminRefused(admin, "{\"kind\":\"device\",\"realm\":\"nowhere\",\"value\":\"d\"}", 400);
        assertAdminRefused(admin, "{\"kind\":\"device\",\"realm\":\"edge\",\"value\":5}", 400);
        assertAdminRefused(admin, "{\"kind\":\"device\",\"realm\":\"edge\",\"value\":\"d\",\"ttl\":\"500d\"}", 400);
        assertAdminRefused(
                admin, "{\"kind\":\"device\",\"realm\":\"edge\",\"value\":\"d\",\"until\":\"yesterday\"}", 400);
        assertAdminRefused(
                admin,
                "{\"kind\":\"device\",\"realm\":\"edge\",\"value\":\"d\",\"until\":\"2020-01-01T00:00:00Z\"}",
                400);
        assertAdminRefused(admin, "{\"kind\":\"device\",\"realm\":\"edge\",\"value\":\"d\",\"extra\":1}", 400);
        assertAdminRefused(admin, "{\"a\":\"" + "x".repeat(5000) + "\"}", 413);
        assertAdminRefused(admin, "[".repeat(3000), 400);
        this.client
                .post()
                .uri(RevocationAdminHandler.PATH)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + admin)
                .contentType(MediaType.TEXT_PLAIN)
                .bodyValue("kind=device")
                .exchange()
                .expectStatus()
                .isEqualTo(415);
        this.client
                .delete()
                .uri(RevocationAdminHandler.PATH + "?kind=device&realm=edge")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + admin)
                .exchange()
                .expectStatus()
                .isBadRequest();
        assertThat(this.list.isEmpty()).isTrue();
    }

    @Test
    void adminWhenEdgeTokenAndOnlyOidcAdminsAcceptedThenModeNotAllowed() {
        RevocationAdminHandler oidcOnly = new RevocationAdminHandler(
                new AdminAuthenticator(
                        this.authenticator, "dualcore-admin", Set.of(io.dualcore.gateway.auth.TestModes.OIDC)),
                this.revocations,
                new ProblemResponses("dualcore-gateway", 5),
                Set.of("realm-a", "edge"),
                Clock.systemUTC(),
                Duration.ofHours(24),
                Duration.ofDays(365));
        WebTestClient client = WebTestClient.bindToRouterFunction(RouterFunctions.route()
                        .GET(RevocationAdminHandler.PATH, oidcOnly::list)
                        .build())
                .build();
        String edgeAdmin =
                TestChain.edgeToken().claim("roles", List.of("dualcore-admin")).sign();

        client.get()
                .uri(RevocationAdminHandler.PATH)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + edgeAdmin)
                .exchange()
                .expectStatus()
                .isForbidden()
                .expectBody()
                .jsonPath("$.code")
                .isEqualTo("mode_not_allowed");
        client.get()
                .uri(RevocationAdminHandler.PATH)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + adminToken())
                .exchange()
                .expectStatus()
                .isOk();
    }

    @Test
    void logoutAndAdminWhenRealmAddedThenRemovedLiveThenFollowTheConfigurationInForce() {
        AtomicReference<VerifierChain> inForce =
                new AtomicReference<>(new VerifierChain(List.of(this.chain.realmA, this.chain.edge)));
        LogoutTokenValidators validators = LogoutTokenValidators.atStartup(
                inForce::get,
                verifier -> new LogoutTokenValidator(
                        verifier,
                        Set.of(CLIENT),
                        Clock.systemUTC(),
                        Duration.ofMinutes(5),
                        TestChain.CLOCK_SKEW,
                        TestChain.MAX_TOKEN_LENGTH,
                        1000));
        ProblemResponses errors = new ProblemResponses("dualcore-gateway", 5);
        BackchannelLogoutHandler logout = new BackchannelLogoutHandler(
                validators::forRealm,
                this.revocations,
                errors,
                Clock.systemUTC(),
                Duration.ofHours(1),
                16384,
                RevocationProperties.LogoutScope.SUBJECT);
        RevocationAdminHandler admin = new RevocationAdminHandler(
                new AdminAuthenticator(
                        this.authenticator, "dualcore-admin", Set.of(io.dualcore.gateway.auth.TestModes.OIDC)),
                this.revocations,
                errors,
                () -> {
                    Set<String> realms = new java.util.LinkedHashSet<>(validators.realms());
                    realms.add("edge");
                    return realms;
                },
                Clock.systemUTC(),
                Duration.ofHours(24),
                Duration.ofDays(365));
        WebTestClient client = WebTestClient.bindToRouterFunction(RouterFunctions.route()
                        .POST(BackchannelLogoutHandler.PATH, logout::logout)
                        .POST(RevocationAdminHandler.PATH, admin::revoke)
                        .build())
                .build();
        String realmB = this.chain.realmB.name();
        String revokeInB = "{\"kind\":\"device\",\"realm\":\"" + realmB + "\",\"value\":\"d\"}";

        postLogout(
                        client,
                        realmB,
                        LogoutTokens.logoutToken(TestChain.KEY_B, TestChain.ISSUER_B)
                                .sign())
                .isBadRequest();
        postRevocation(client, revokeInB).isBadRequest();
        assertThat(this.list.isEmpty()).isTrue();

        inForce.set(new VerifierChain(List.of(this.chain.realmA, this.chain.realmB, this.chain.edge)));

        postLogout(
                        client,
                        realmB,
                        LogoutTokens.logoutToken(TestChain.KEY_B, TestChain.ISSUER_B)
                                .sign())
                .isOk();
        assertThat(this.list.get(Revocation.Kind.SESSION, realmB, "session-1")).isNotNull();
        postRevocation(client, revokeInB).isCreated();

        inForce.set(new VerifierChain(List.of(this.chain.realmB, this.chain.edge)));

        postLogout(client, "realm-a", LogoutTokens.logoutToken().sign()).isBadRequest();
        assertThat(this.list.get(Revocation.Kind.SESSION, "realm-a", "session-1"))
                .isNull();
    }

    @Test
    void adminWhenRealmRemovedLiveThenItsHeldRevocationsListAndLiftButNoNewOneIsMade() {
        AtomicReference<Set<String>> realms = new AtomicReference<>(Set.of("realm-a", "realm-b", "edge"));
        RevocationAdminHandler admin = new RevocationAdminHandler(
                new AdminAuthenticator(
                        this.authenticator, "dualcore-admin", Set.of(io.dualcore.gateway.auth.TestModes.OIDC)),
                this.revocations,
                new ProblemResponses("dualcore-gateway", 5),
                realms::get,
                Clock.systemUTC(),
                Duration.ofHours(24),
                Duration.ofDays(365));
        WebTestClient client = WebTestClient.bindToRouterFunction(RouterFunctions.route()
                        .GET(RevocationAdminHandler.PATH, admin::list)
                        .POST(RevocationAdminHandler.PATH, admin::revoke)
                        .DELETE(RevocationAdminHandler.PATH, admin::lift)
                        .build())
                .build();
        postRevocation(client, "{\"kind\":\"sub\",\"realm\":\"realm-b\",\"value\":\"mallory\"}")
                .isCreated();

        realms.set(Set.of("realm-a", "edge"));

        client.get()
                .uri(RevocationAdminHandler.PATH)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + adminToken())
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.revocations[0].realm")
                .isEqualTo("realm-b");
        postRevocation(client, "{\"kind\":\"sub\",\"realm\":\"realm-b\",\"value\":\"eve\"}")
                .isBadRequest();
        deleteRevocation(client, "sub", "realm-b", "eve").isNotFound();
        deleteRevocation(client, "sub", "realm-b", "mallory").isOk();
        assertThat(this.list.isEmpty()).isTrue();
        // nothing held for it any more: the realm is unknown again
        deleteRevocation(client, "sub", "realm-b", "mallory").isBadRequest();
        deleteRevocation(client, "sub", "realm-x", "mallory").isBadRequest();
    }

    private static StatusAssertions deleteRevocation(WebTestClient client, String kind, String realm, String value) {
        return client.delete()
                .uri(RevocationAdminHandler.PATH + "?kind=" + kind + "&realm=" + realm + "&value=" + value)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + adminToken())
                .exchange()
                .expectStatus();
    }

    private static StatusAssertions postLogout(WebTestClient client, String realm, String token) {
        return client.post()
                .uri("/backchannel-logout/" + realm)
                .body(BodyInserters.fromFormData("logout_token", token))
                .exchange()
                .expectStatus();
    }

    private static StatusAssertions postRevocation(WebTestClient client, String body) {
        return client.post()
                .uri(RevocationAdminHandler.PATH)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + adminToken())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus();
    }

    private void assertAdminRefused(String admin, String body, int status) {
        this.client
                .post()
                .uri(RevocationAdminHandler.PATH)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + admin)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isEqualTo(status)
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    private void assertLogoutRefused(String form, int status, String code) {
        this.client
                .post()
                .uri("/backchannel-logout/realm-a")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue(form)
                .exchange()
                .expectStatus()
                .isEqualTo(status)
                .expectBody()
                .jsonPath("$.code")
                .isEqualTo(code)
                .jsonPath("$.error")
                .isEqualTo("invalid_request");
    }

    private static String form(String token) {
        return "logout_token=" + token;
    }

    private static String adminToken() {
        return TestChain.realmAToken()
                .claim("sub", "root-admin")
                .claim("realm_access", Map.of("roles", List.of("dualcore-admin")))
                .sign();
    }
}
