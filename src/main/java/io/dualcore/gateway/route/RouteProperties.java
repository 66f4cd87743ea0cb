package io.dualcore.gateway.route;

import io.dualcore.gateway.auth.dpop.DpopMode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Per-route settings of the gateway, keyed by the Spring Cloud Gateway route id: who may use the route and what
 * the upstream receives.
 *
 * @param routes settings by route id; a route without an entry is denied
 */
@ConfigurationProperties("dualcore")
public record RouteProperties(@DefaultValue Map<String, RouteSettings> routes) {

    /**
     * @param access who may use the route
     * @param forwardAuthorization whether the client's {@code Authorization} header reaches the upstream (default:
     *     stripped, the upstream relies on the identity headers)
     * @param identityAssertion whether the upstream receives a short-lived gateway-signed JWT of the identity
     * @param rateLimit the rate-limit plan per mode: a plan name of {@code dualcore.rate-limit.plans} by registered
     *     mode name ({@code oidc}: per issuer and subject, {@code edge}: per device) or {@code anonymous} (per client
     *     address); a mode without a plan is not limited
     * @param forwardCredentials credential headers and cookies that reach this route's upstream as the client sent
     *     them (default: every one of {@code dualcore.credentials} is stripped)
     * @param introspect whether a token must also be found active by its issuer's introspection endpoint (RFC 7662)
     *     on this route, after its local verification (the issuer must configure {@code introspection})
     * @param dpop DPoP on this route (RFC 9449): {@code off} (the issuer's mode applies), {@code allowed} (a bound
     *     token needs its proof) or {@code required} (only bound tokens with a proof); the stricter of the issuer's
     *     and the route's mode applies
     */
    public record RouteSettings(
            @DefaultValue Access access,
            @DefaultValue("false") boolean forwardAuthorization,
            @DefaultValue("false") boolean identityAssertion,
            @DefaultValue Map<String, String> rateLimit,
            @DefaultValue ForwardCredentials forwardCredentials,
            @DefaultValue("false") boolean introspect,
            @DefaultValue("off") DpopMode dpop) {

        @ConstructorBinding
        public RouteSettings {
            forwardCredentials = (forwardCredentials != null) ? forwardCredentials : ForwardCredentials.NONE;
            dpop = (dpop != null) ? dpop : DpopMode.OFF;
            rateLimit = (rateLimit != null) ? Collections.unmodifiableMap(new LinkedHashMap<>(rateLimit)) : Map.of();
        }

        /** Settings without online introspection or route DPoP. */
        public RouteSettings(
                Access access,
                boolean forwardAuthorization,
                boolean identityAssertion,
                Map<String, String> rateLimit,
                ForwardCredentials forwardCredentials) {
            this(access, forwardAuthorization, identityAssertion, rateLimit, forwardCredentials, false, DpopMode.OFF);
        }

        /** Settings that forward no credential header or cookie. */
        public RouteSettings(
                Access access, boolean forwardAuthorization, boolean identityAssertion, Map<String, String> rateLimit) {
            this(access, forwardAuthorization, identityAssertion, rateLimit, ForwardCredentials.NONE);
        }
    }

    /**
     * Credentials the gateway does not verify that a route still hands to its upstream, by name (matched however
     * the client spells it).
     *
     * @param headers request headers forwarded as sent, although listed in {@code dualcore.credentials.strip-headers}
     *     or carrying a JWS/JWE ({@code Authorization} has {@code forward-authorization})
     * @param cookies cookies forwarded as sent, although listed in {@code dualcore.credentials.strip-cookies} or
     *     carrying a JWS/JWE
     */
    public record ForwardCredentials(
            @DefaultValue List<String> headers,
            @DefaultValue List<String> cookies) {

        public ForwardCredentials {
            headers = (headers != null) ? List.copyOf(headers) : List.of();
            cookies = (cookies != null) ? List.copyOf(cookies) : List.of();
        }

        /** Forwards nothing. */
        public static final ForwardCredentials NONE = new ForwardCredentials(List.of(), List.of());
    }

    /**
     * Access rules of one route. Every non-empty rule must hold.
     *
     * @param modes accepted modes: {@code oidc}, {@code edge}, {@code anonymous}
     * @param anyRole the identity needs at least one of these roles
     * @param allRoles the identity needs every one of these roles
     * @param scopes the identity needs every one of these scopes
     * @param issuers accepted OIDC realms, by configured name or issuer URI
     * @param edgeKeyIds accepted edge key ids
     * @param deviceIds accepted edge device ids, as glob patterns ({@code *} and {@code ?})
     * @param expression a CEL expression that must be {@code true}, evaluated after the lists, over {@code mode},
     *     {@code realm}, {@code subject}, {@code roles}, {@code scopes}, {@code claims}, {@code method}, {@code path}
     *     and {@code headers}; false or an evaluation error is 403 {@code policy_denied}
     * @param expressionDescription the problem detail of a {@code policy_denied} answer, written for the caller
     * @param expressionHeaders request headers the expression may read as {@code headers['name']} (lower-case);
     *     credentials headers ({@code Authorization}, {@code Cookie} and {@code dualcore.credentials.strip-headers})
     *     are refused
     */
    public record Access(
            @DefaultValue List<String> modes,
            @DefaultValue List<String> anyRole,
            @DefaultValue List<String> allRoles,
            @DefaultValue List<String> scopes,
            @DefaultValue List<String> issuers,
            @DefaultValue List<String> edgeKeyIds,
            @DefaultValue List<String> deviceIds,
            String expression,
            String expressionDescription,
            @DefaultValue List<String> expressionHeaders) {

        /**
         * A verification mode's own access list by its property name ({@code issuers}, {@code edge-key-ids},
         * {@code device-ids}): how a mode reads its settings without this record naming the mode.
         *
         * @return the list, empty when not set or when no such list exists
         */
        public List<String> list(String property) {
            List<String> values = switch (property) {
                case "issuers" -> this.issuers;
                case "edge-key-ids" -> this.edgeKeyIds;
                case "device-ids" -> this.deviceIds;
                default -> List.of();
            };
            return (values != null) ? values : List.of();
        }
    }
}
