package io.dualcore.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.dpop.DpopMode;
import io.dualcore.gateway.auth.dpop.DpopProofVerifier;
import io.dualcore.gateway.auth.dpop.DpopProofs;
import io.dualcore.gateway.auth.dpop.DpopProperties;
import io.dualcore.gateway.auth.edge.InMemoryReplayGuard;
import io.dualcore.gateway.auth.introspection.TokenIntrospector;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import reactor.core.publisher.Mono;

/**
 * Each configuration's checks after verification: DPoP modes and introspection clients from its issuers, route checks
 * from its routes, the startup checks on every candidate, and the state an unchanged issuer keeps across reloads.
 */
class RequestChecksCompilerTests {

    private static final String A = "https://idp.test/realms/a";

    private static final String B = "https://idp.test/realms/b";

    private final AtomicInteger clientsBuilt = new AtomicInteger();

    private final RequestChecksCompiler compiler = new RequestChecksCompiler(
            new DpopProofVerifier(DpopProperties.defaults(), Clock.systemUTC()),
            new InMemoryReplayGuard(100, Clock.systemUTC()),
            null,
            Clock.systemUTC(),
            issuer -> {
                this.clientsBuilt.incrementAndGet();
                return new TokenIntrospector(issuer, Clock.systemUTC());
            });

    private static Map<String, String> issuers() {
        Map<String, String> settings = new LinkedHashMap<>();
        String[] uris = {A, B};
        for (int i = 0; i < uris.length; i++) {
            settings.put("dualcore.auth.oidc.issuers[" + i + "].name", "realm-" + (char) ('a' + i));
            settings.put("dualcore.auth.oidc.issuers[" + i + "].issuer-uri", uris[i]);
            settings.put("dualcore.auth.oidc.issuers[" + i + "].jwks-uri", uris[i] + "/certs");
            settings.put("dualcore.auth.oidc.issuers[" + i + "].audiences[0]", TestTokens.AUDIENCE);
        }
        return settings;
    }

    private static Map<String, String> introspecting(Map<String, String> settings, int issuer) {
        String prefix = "dualcore.auth.oidc.issuers[" + issuer + "].introspection.";
        settings.put(prefix + "uri", "https://idp.test/introspect");
        settings.put(prefix + "client-id", "gateway");
        settings.put(prefix + "client-secret", "not-a-real-secret");
        return settings;
    }

    private static AuthProperties auth(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("dualcore.auth", AuthProperties.class);
    }

    @Test
    void compileWhenNoIssuerNorRouteUsesDpopOrIntrospectionThenNoStepAndNoAllocationPerRoute() {
        RequestChecks checks = this.compiler.compile(auth(issuers()), Map.of());

        assertThat(checks.dpop()).isNull();
        assertThat(checks.introspections()).isNull();
        assertThat(checks.opaqueTokens()).isNull();
        assertThat(checks.route("orders")).isNull();
    }

    @Test
    void compileWhenIssuerDpopRequiredThenThatIssuersModeOnly() {
        Map<String, String> settings = issuers();
        settings.put("dualcore.auth.oidc.issuers[0].dpop", "required");

        RequestChecks checks = this.compiler.compile(auth(settings), Map.of());

        assertThat(checks.dpop().modeOf(A)).isEqualTo(DpopMode.REQUIRED);
        assertThat(checks.dpop().modeOf(B)).isEqualTo(DpopMode.OFF);
    }

    @Test
    void compileWhenOnlyARouteUsesDpopThenDpopStepForThatRoute() {
        RequestChecks checks = this.compiler.compile(
                auth(issuers()),
                Map.of(
                        "orders", new RequestChecks.RouteChecks(false, DpopMode.REQUIRED),
                        "catalog", new RequestChecks.RouteChecks(false, DpopMode.OFF)));

        assertThat(checks.dpop()).isNotNull();
        assertThat(checks.route("orders").dpop()).isEqualTo(DpopMode.REQUIRED);
        assertThat(checks.route("catalog"))
                .as("a route asking for nothing is left out")
                .isNull();
    }

    @Test
    void compileWhenIssuerIntrospectionUnchangedThenItsClientKeptAcrossConfigurations() {
        RequestChecks first = this.compiler.compile(auth(introspecting(issuers(), 0)), Map.of());
        this.compiler.retain(first);

        RequestChecks second = this.compiler.compile(
                auth(introspecting(issuers(), 0)), Map.of("orders", new RequestChecks.RouteChecks(true, DpopMode.OFF)));

        assertThat(second.introspections().introspectors().get(A))
                .isSameAs(first.introspections().introspectors().get(A));
        assertThat(this.clientsBuilt).hasValue(1);
    }

    @Test
    void compileWhenIssuerIntrospectionChangedThenNewClientAndOldOneDroppedOnceNotInForce() {
        RequestChecks first = this.compiler.compile(auth(introspecting(issuers(), 0)), Map.of());
        this.compiler.retain(first);
        Map<String, String> changed = introspecting(issuers(), 0);
        changed.put("dualcore.auth.oidc.issuers[0].introspection.cache-ttl", "10s");

        RequestChecks second = this.compiler.compile(auth(changed), Map.of());
        this.compiler.retain(second);
        RequestChecks back = this.compiler.compile(auth(introspecting(issuers(), 0)), Map.of());

        assertThat(second.introspections().introspectors().get(A))
                .isNotSameAs(first.introspections().introspectors().get(A));
        assertThat(back.introspections().introspectors().get(A))
                .as("dropped once the configuration in force no longer held it")
                .isNotSameAs(first.introspections().introspectors().get(A));
        assertThat(this.clientsBuilt).hasValue(3);
    }

    @Test
    void compileWhenIssuerTakesOpaqueTokensThenOpaqueVerifierIsItsIntrospection() {
        Map<String, String> settings = introspecting(issuers(), 1);
        settings.put("dualcore.auth.oidc.issuers[1].introspection.opaque-tokens", "true");

        RequestChecks checks = this.compiler.compile(auth(settings), Map.of());

        assertThat(checks.opaqueTokens()).isSameAs(checks.introspections());
    }

    @Test
    void compileWhenTwoIssuersTakeOpaqueTokensThenRefused() {
        Map<String, String> settings = introspecting(introspecting(issuers(), 0), 1);
        settings.put("dualcore.auth.oidc.issuers[0].introspection.opaque-tokens", "true");
        settings.put("dualcore.auth.oidc.issuers[1].introspection.opaque-tokens", "true");

        assertThatIllegalStateException()
                .isThrownBy(() -> this.compiler.compile(auth(settings), Map.of()))
                .withMessageContaining("opaque-tokens is true for more than one issuer");
    }

    @Test
    void compileWhenOpaqueTokensWithoutClientThenRefusedNamingTheIssuer() {
        Map<String, String> settings = issuers();
        settings.put("dualcore.auth.oidc.issuers[1].introspection.opaque-tokens", "true");

        assertThatIllegalStateException()
                .isThrownBy(() -> this.compiler.compile(auth(settings), Map.of()))
                .withMessageContaining("dualcore.auth.oidc.issuers[realm-b].introspection needs a client-id");
    }

    @Test
    void compileWhenRouteIntrospectsAndNoIssuerDoesThenRefused() {
        assertThatIllegalStateException()
                .isThrownBy(() -> this.compiler.compile(
                        auth(issuers()), Map.of("orders", new RequestChecks.RouteChecks(true, DpopMode.OFF))))
                .withMessageContaining("introspect: true");
    }

    private static final ECKey KEY = DpopProofs.ecKey();

    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";

    private static final String URL = "https://api.example.com/api/orders";

    private static GatewayIdentity bound() {
        return new GatewayIdentity(
                OidcVerificationMode.MODE,
                A,
                "realm-a",
                "alice",
                "app",
                Set.of(),
                Set.of(),
                null,
                "kid",
                Instant.now().plusSeconds(600),
                Map.of("iss", A, "sub", "alice", "cnf", Map.of("jkt", DpopProofs.thumbprint(KEY))));
    }

    private static MockServerHttpRequest request(String proof) {
        return MockServerHttpRequest.get(URL).header(DpopBinding.HEADER, proof).build();
    }

    private RequestChecks dpopAllowed(String route) {
        Map<String, String> settings = issuers();
        settings.put("dualcore.auth.oidc.issuers[0].dpop", "allowed");
        return this.compiler.compile(
                auth(settings), Map.of(route, new RequestChecks.RouteChecks(false, DpopMode.ALLOWED)));
    }

    @Test
    void compileWhenProofUsedUnderOneConfigurationThenReplayRefusedUnderTheNext() {
        String proof = DpopProofs.proof(KEY, "GET", URL, TOKEN, Instant.now()).sign();
        RequestChecks before = dpopAllowed("orders");
        RequestChecks after = dpopAllowed("invoices");

        assertThat(before.dpop().check(request(proof), true, TOKEN, bound()).block())
                .isNotNull();

        assertThatThrownBy(() ->
                        after.dpop().check(request(proof), true, TOKEN, bound()).block())
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.DPOP_PROOF_REPLAYED));
    }

    @Test
    void withReplayGuardWhenProofExplainedThenItsJtiIsNotSpentForTheRunningChecks() {
        String proof = DpopProofs.proof(KEY, "GET", URL, TOKEN, Instant.now()).sign();
        RequestChecks running = dpopAllowed("orders");
        RequestChecks explaining = running.withReplayGuard((issuer, jti, expiresAt) -> Mono.just(true));

        assertThat(explaining.dpop().check(request(proof), true, TOKEN, bound()).block())
                .isNotNull();
        assertThat(explaining.route("orders")).isEqualTo(running.route("orders"));

        assertThat(running.dpop().check(request(proof), true, TOKEN, bound()).block())
                .isNotNull();
    }
}
