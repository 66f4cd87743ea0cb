package io.dualcore.gateway.pipeline;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.credentials.ClientCredentials;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.web.UpstreamHeaders;
import java.util.List;
import java.util.function.BiConsumer;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

/**
 * The last step before the upstream: writes what the engine's route step decided to hand over (the identity
 * headers, the identity assertion, the client's {@code Authorization} only where the route forwards it) into the
 * request headers Spring Cloud Gateway sends upstream, and removes from them the other credentials the client sent
 * that the gateway did not verify (credential headers and cookies, see {@link CredentialCarriers}) unless the route
 * forwards them by name.
 *
 * <p>A Spring Cloud Gateway request {@link HttpHeadersFilter}, after its hop-by-hop filter: the headers it receives
 * are already the copy that goes upstream, so the identity is written into that copy instead of into another
 * mutated copy of the whole request. Written last, so a route's own filters cannot replace an identity header;
 * what is removed of {@code Authorization} is what the client sent (a value a route's filter set for the upstream,
 * {@code SetRequestHeader=Authorization, Basic ...}, goes along; likewise for the other credentials). Fails closed:
 * an exchange the route pipeline did not hand over (there is none on a routed request; a filter placed before the
 * pipeline could make one) gets no identity, no {@code Authorization} and no credential header or cookie at all.
 *
 * <p>Applies to every request Spring Cloud Gateway sends to an upstream (HTTP and WebSocket routing: both pass the
 * headers through the request {@code HttpHeadersFilter}s); a
 * {@code forward:} route is served inside the gateway, which reads the identity from the exchange.
 */
public final class IdentityHandOver implements HttpHeadersFilter, Ordered {

    /** The exchange attribute holding the {@link Decision} of the route pipeline. */
    static final String ATTRIBUTE = IdentityHandOver.class.getName();

    private final IdentityHeaders identityHeaders;

    private final CredentialCarriers credentials;

    /** The settings of the request's configuration, for an exchange the route pipeline did not hand over. */
    private final ConfigurationPin pin;

    private final int order;

    /** {@link #write} for a decided exchange (every routed request): made once, so nothing is captured per request. */
    private final BiConsumer<HttpHeaders, Decision> writeDecided = (headers, decision) ->
            write(headers, decision.identity(), decision, decision.authorization(), decision.clientCredentials());

    /** A hand-over with the default credential carriers ({@code dualcore.credentials} unset). */
    public IdentityHandOver(IdentityHeaders identityHeaders, int order) {
        this(identityHeaders, CredentialCarriers.of(CredentialsProperties.defaults()), order);
    }

    /**
     * @param credentials the gateway-wide credential carriers, stripped entirely from an exchange the route pipeline
     *     did not hand over
     */
    public IdentityHandOver(IdentityHeaders identityHeaders, CredentialCarriers credentials, int order) {
        this(identityHeaders, credentials, ConfigurationPin.NONE, order);
    }

    /**
     * @param identityHeaders the startup identity header names, for a decision that recorded none
     * @param credentials the startup gateway-wide credential carriers, stripped entirely from an exchange the route
     *     pipeline did not hand over (unless its configuration has its own)
     * @param pin the configuration each request runs on
     */
    public IdentityHandOver(
            IdentityHeaders identityHeaders, CredentialCarriers credentials, ConfigurationPin pin, int order) {
        Assert.notNull(identityHeaders, "identityHeaders cannot be null");
        Assert.notNull(credentials, "credentials cannot be null");
        Assert.notNull(pin, "pin cannot be null");
        this.identityHeaders = identityHeaders;
        this.credentials = credentials;
        this.pin = pin;
        this.order = order;
    }

    /** Records, on the exchange, what goes upstream with it (before the route's own filters run). */
    public static void decide(
            ServerWebExchange exchange, GatewayIdentity identity, String assertion, boolean authorization) {
        decide(exchange, identity, assertion, authorization, null);
    }

    /**
     * Records, on the exchange, what goes upstream with it (before the route's own filters run).
     *
     * @param credentials the route's credential carriers, or {@code null} to strip no other credential
     */
    public static void decide(
            ServerWebExchange exchange,
            GatewayIdentity identity,
            String assertion,
            boolean authorization,
            CredentialCarriers credentials) {
        decide(exchange, identity, assertion, authorization, credentials, null);
    }

    /**
     * Records, on the exchange, what goes upstream with it (before the route's own filters run).
     *
     * @param credentials the route's credential carriers, or {@code null} to strip no other credential
     * @param headers the identity header names of the request's configuration, or {@code null} for the startup ones
     */
    public static void decide(
            ServerWebExchange exchange,
            GatewayIdentity identity,
            String assertion,
            boolean authorization,
            CredentialCarriers credentials,
            IdentityHeaders headers) {
        HttpHeaders client = exchange.getRequest().getHeaders();
        List<String> sent = authorization ? null : client.get(HttpHeaders.AUTHORIZATION);
        ClientCredentials found = (credentials != null) ? credentials.find(exchange.getRequest()) : null;
        exchange.getAttributes().put(ATTRIBUTE, new Decision(identity, assertion, authorization, sent, found, headers));
    }

    /** What was recorded on the exchange to go upstream with it, or {@code null} when nothing was. */
    public static Decision recorded(ServerWebExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE);
    }

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        Decision decision = exchange.getAttribute(ATTRIBUTE);
        boolean authorization = decision != null && decision.authorization();
        GatewayIdentity identity = (decision != null) ? decision.identity() : null;
        ClientCredentials credentials = (decision != null)
                ? decision.clientCredentials()
                : gatewayCredentials(exchange).find(input);
        if (identity == null
                && credentials == null
                && (authorization || !input.containsHeader(HttpHeaders.AUTHORIZATION))) {
            return input;
        }
        if (decision != null) {
            return UpstreamHeaders.write(input, decision, this.writeDecided);
        }
        return UpstreamHeaders.write(input, headers -> write(headers, null, null, false, credentials));
    }

    private void write(
            HttpHeaders headers,
            GatewayIdentity identity,
            Decision decision,
            boolean authorization,
            ClientCredentials credentials) {
        if (!authorization) {
            removeClientAuthorization(headers, decision);
        }
        if (credentials != null) {
            credentials.removeFrom(headers);
        }
        if (identity != null) {
            IdentityHeaders names = (decision.headers() != null) ? decision.headers() : this.identityHeaders;
            names.write(identity, headers);
            if (decision.assertion() != null) {
                names.writeAssertion(decision.assertion(), headers);
            }
        }
    }

    /** The gateway-wide credential carriers of the exchange's configuration (else the startup ones). */
    private CredentialCarriers gatewayCredentials(ServerWebExchange exchange) {
        IdentitySettings pinned = this.pin.identitySettings(exchange);
        return (pinned != null) ? pinned.credentials() : this.credentials;
    }

    /** Removes the client's {@code Authorization} values; with no decision, every value. */
    private static void removeClientAuthorization(HttpHeaders headers, Decision decision) {
        if (decision == null) {
            headers.remove(HttpHeaders.AUTHORIZATION);
            return;
        }
        List<String> sent = decision.clientAuthorization();
        if (sent != null) {
            ClientCredentials.removeValues(headers, HttpHeaders.AUTHORIZATION, sent);
        }
    }

    @Override
    public boolean supports(Type type) {
        return type == Type.REQUEST;
    }

    @Override
    public int getOrder() {
        return this.order;
    }

    /**
     * What goes upstream with a request.
     *
     * @param identity the verified identity, or {@code null} for an anonymous request
     * @param assertion the signed identity assertion, or {@code null} when the route has none
     * @param authorization whether the client's {@code Authorization} header goes upstream as it came
     * @param clientAuthorization the client's {@code Authorization} values (removed unless {@code authorization}),
     *     or {@code null}
     * @param clientCredentials the client's other credential headers and cookies the route does not forward, or
     *     {@code null} when there are none
     * @param headers the identity header names of the configuration the decision ran on, or {@code null} for the
     *     hand-over's own (startup) ones
     */
    public record Decision(
            GatewayIdentity identity,
            String assertion,
            boolean authorization,
            List<String> clientAuthorization,
            ClientCredentials clientCredentials,
            IdentityHeaders headers) {}
}
