package io.dualcore.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.testsupport.ReactorNettyExchanges;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.ProblemResponses;
import io.dualcore.gateway.web.ReceivedHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.context.support.StaticApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/** Authentication before route matching: what reaches the chain, what is refused, and where it does not apply. */
class AuthenticationWebFilterTests {

    private final TestChain chain = TestChain.create();

    private final RecordingObserver observer = new RecordingObserver();

    private final AuthenticationWebFilter filter = filter(null);

    private ServerWebExchange passed;

    private final WebFilterChain next = exchange -> {
        this.passed = exchange;
        return Mono.empty();
    };

    private AuthenticationWebFilter filter(StaticApplicationContext gatewayContext) {
        return ProxyDoors.authenticationFilter(
                this.chain.authenticator,
                name -> name.toLowerCase().replace('_', '-').startsWith("x-auth-"),
                new ProblemResponses("dualcore-gateway", 5),
                this.observer,
                gatewayContext,
                Set.of("/.well-known/jwks.json"),
                null);
    }

    @Test
    void filterWhenValidTokenThenIdentityInExchangeAndChainCalled() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/edge/x")
                .header(
                        HttpHeaders.AUTHORIZATION,
                        "Bearer " + TestChain.edgeToken().sign()));

        this.filter.filter(exchange, this.next).block();

        assertThat(this.passed).isNotNull();
        GatewayIdentity identity = GatewayIdentity.from(this.passed);
        assertThat(identity).isNotNull();
        assertThat(identity.realm()).isEqualTo("edge");
        assertThat(this.observer.events).containsExactly("authenticated");
    }

    @Test
    void filterWhenBadSignatureThenUnauthorizedAndChainNeverCalled() {
        String token = TestChain.edgeToken().sign();
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/no/route/at/all")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token.substring(0, token.length() - 4) + "AAAA"));

        this.filter.filter(exchange, this.next).block();

        assertThat(this.passed).as("never reaches route matching").isNull();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(401);
        assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                .contains("invalid_token");
        assertThat(this.observer.events).containsExactly("rejected:" + ErrorCode.INVALID_SIGNATURE.code());
    }

    @Test
    void filterWhenNoTokenThenAnonymousForThePolicyToJudge() {
        this.filter
                .filter(exchange(MockServerHttpRequest.get("/api/orders")), this.next)
                .block();

        assertThat(this.passed).isNotNull();
        assertThat(GatewayIdentity.from(this.passed)).isNull();
        assertThat(this.observer.events).isEmpty();
    }

    @Test
    void filterWhenClientSendsReservedHeadersThenRemovedWithConnectionTokensNamingThem() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/api/public/x")
                .header("X-Auth-Subject", "admin")
                .header("x_auth_roles", "admin")
                .header(HttpHeaders.CONNECTION, "X-Auth-Subject, keep-alive"));

        this.filter.filter(exchange, this.next).block();

        HttpHeaders headers = this.passed.getRequest().getHeaders();
        assertThat(headers.containsHeader("X-Auth-Subject")).isFalse();
        assertThat(headers.containsHeader("x_auth_roles")).isFalse();
        assertThat(headers.get(HttpHeaders.CONNECTION)).containsExactly("keep-alive");
    }

    @Test
    void filterWhenReactorNettyRequestSendsReservedHeadersThenRemovedWithConnectionTokensNamingThem() {
        List<String> seen = ReactorNettyExchanges.apply(
                List.of(this.filter),
                exchange -> headerLines(exchange.getRequest().getHeaders()),
                "X-Auth-Subject: admin",
                "x_auth_roles: admin",
                "X-AUTH-REALM: partners",
                "Connection: X-Auth-Subject, keep-alive",
                "X-Kept: 1");

        assertThat(seen).containsExactlyInAnyOrder("Host=[gateway.test]", "X-Kept=[1]", "Connection=[keep-alive]");
    }

    @Test
    void filterWhenReactorNettyRequestWithoutReservedHeadersThenPassedUnchanged() {
        boolean received = ReactorNettyExchanges.apply(
                List.of(this.filter),
                exchange -> ReceivedHeaders.of(exchange.getRequest()) != null,
                "Accept: */*",
                "X-Authentic: not reserved",
                "Connection: keep-alive, X-Authentic");

        assertThat(received)
                .as("the request Reactor Netty received, not a mutated copy")
                .isTrue();
    }

    @Test
    void filterWhenConnectionNamesNoReservedHeaderThenSameExchange() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/api/public/x")
                .header(HttpHeaders.CONNECTION, "keep-alive,  Upgrade")
                .header(HttpHeaders.CONNECTION, "x-other"));

        this.filter.filter(exchange, this.next).block();

        assertThat(this.passed).as("nothing to remove: the request as it came").isSameAs(exchange);
        assertThat(this.passed.getRequest().getHeaders().get(HttpHeaders.CONNECTION))
                .containsExactly("keep-alive,  Upgrade", "x-other");
    }

    @Test
    void filterWhenSecondConnectionLineNamesReservedHeaderThenRemoved() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/api/public/x")
                .header(HttpHeaders.CONNECTION, "keep-alive")
                .header(HttpHeaders.CONNECTION, " ,x_AUTH_subject "));

        this.filter.filter(exchange, this.next).block();

        assertThat(this.passed.getRequest().getHeaders().get(HttpHeaders.CONNECTION))
                .containsExactly("keep-alive");
    }

    @Test
    void filterWhenEarlierFilterAddedReservedHeaderThenRemoved() {
        WebFilter forging = (exchange, next) -> next.filter(exchange.mutate()
                .request(request -> request.header("X-Auth-Subject", "admin"))
                .build());

        List<String> seen = ReactorNettyExchanges.apply(
                List.of(forging, this.filter),
                exchange -> headerLines(exchange.getRequest().getHeaders()),
                "X-Kept: 1");

        assertThat(seen).containsExactly("Host=[gateway.test]", "X-Kept=[1]");
    }

    private static List<String> headerLines(HttpHeaders headers) {
        List<String> lines = new ArrayList<>();
        headers.forEach((name, values) -> lines.add(name + "=" + values));
        return lines;
    }

    @Test
    void filterWhenAssertionKeySetPathThenAnonymousEvenWithBadToken() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/.well-known/jwks.json")
                .header(HttpHeaders.AUTHORIZATION, "Bearer not-a-token"));

        this.filter.filter(exchange, this.next).block();

        assertThat(this.passed).isSameAs(exchange);
        assertThat(exchange.getResponse().getStatusCode()).isNull();
    }

    @Test
    void filterWhenServedByAnotherContextThenNotApplied() {
        AuthenticationWebFilter gatewayOnly = filter(new StaticApplicationContext());
        MockServerWebExchange managementExchange = exchange(
                MockServerHttpRequest.get("/actuator/health").header(HttpHeaders.AUTHORIZATION, "Bearer not-a-token"));

        gatewayOnly.filter(managementExchange, this.next).block();

        assertThat(this.passed)
                .as("the management server is not the gateway port")
                .isSameAs(managementExchange);
        assertThat(managementExchange.getResponse().getStatusCode()).isNull();
    }

    private static MockServerWebExchange exchange(MockServerHttpRequest.BaseBuilder<?> request) {
        return MockServerWebExchange.from(request);
    }

    private static final class RecordingObserver implements AuthenticationObserver {

        final List<String> events = new ArrayList<>();

        @Override
        public void authenticated(ServerWebExchange exchange, GatewayIdentity identity) {
            this.events.add("authenticated");
        }

        @Override
        public void rejected(ServerWebExchange exchange, ErrorCode code) {
            this.events.add("rejected:" + code.code());
        }
    }
}
