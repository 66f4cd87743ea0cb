package io.dualcore.gateway.web;

import org.springframework.http.HttpStatus;
import org.springframework.security.oauth2.server.resource.BearerTokenErrorCodes;

/**
 * The stable codes of every refusal (request path, authentication, authorization, rate limit, upstream), with the
 * HTTP status and the RFC 6750 error each maps to. The code is what clients and dashboards key on; descriptions may change, codes do not.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-3.1">RFC 6750 §3.1</a>
 */
public enum ErrorCode {
    /** The request path is refused before any route is matched (see {@link PathCanonicalizer}). */
    INVALID_PATH("invalid_path", HttpStatus.BAD_REQUEST, null, "Invalid request path"),
    /**
     * The request-target or its {@code Host} is refused: absolute-form disagreeing with {@code Host}, asterisk or
     * authority form, several or no {@code Host} headers, and a target that is not a URI at all (answered by the HTTP
     * server before any filter runs, with {@code Connection: close}).
     */
    INVALID_REQUEST_TARGET("invalid_request_target", HttpStatus.BAD_REQUEST, null, "Invalid request target"),
    /**
     * An {@code application/x-www-form-urlencoded} body larger than {@code dualcore.credentials.max-form-size}: it
     * could hide an {@code access_token} parameter and is not forwarded unchecked.
     */
    FORM_TOO_LARGE("form_too_large", HttpStatus.CONTENT_TOO_LARGE, null, "Form body too large"),
    /** A form body the gateway cannot check for tokens as sent: a {@code Content-Encoding}, an unknown charset. */
    UNSUPPORTED_FORM_ENCODING(
            "unsupported_form_encoding", HttpStatus.UNSUPPORTED_MEDIA_TYPE, null, "Form body encoding not supported"),
    /**
     * The HTTP server could not parse the request (a malformed request line, header line or chunk framing): answered
     * before any filter runs, and the connection is closed.
     */
    MALFORMED_REQUEST("malformed_request", HttpStatus.BAD_REQUEST, null, "Malformed request"),
    /** The request line is longer than the HTTP server reads; the connection is closed. */
    REQUEST_LINE_TOO_LONG("request_line_too_long", HttpStatus.URI_TOO_LONG, null, "Request line too long"),
    /** The request's header section is larger than the HTTP server reads; the connection is closed. */
    REQUEST_HEADERS_TOO_LARGE(
            "request_headers_too_large",
            HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            null,
            "Request header fields too large"),
    /**
     * The request had started but its head did not arrive within {@code header-read-timeout}, or its body stalled
     * for {@code body-read-timeout} (RFC 9110 §15.5.9); the connection is closed.
     */
    REQUEST_TIMEOUT("request_timeout", HttpStatus.REQUEST_TIMEOUT, null, "Request timeout"),
    MISSING_TOKEN("missing_token", HttpStatus.UNAUTHORIZED, null, "Authentication required"),
    INVALID_REQUEST(
            "invalid_request", HttpStatus.BAD_REQUEST, BearerTokenErrorCodes.INVALID_REQUEST, "Invalid request"),
    MALFORMED_TOKEN("malformed_token", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Malformed token"),
    UNSUPPORTED_TOKEN(
            "unsupported_token", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Unsupported token"),
    ALGORITHM_NOT_ALLOWED(
            "algorithm_not_allowed",
            HttpStatus.UNAUTHORIZED,
            BearerTokenErrorCodes.INVALID_TOKEN,
            "Algorithm not allowed"),
    UNTRUSTED_ISSUER(
            "untrusted_issuer", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Untrusted issuer"),
    UNKNOWN_KEY("unknown_key", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Unknown signing key"),
    INVALID_SIGNATURE(
            "invalid_signature", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Invalid signature"),
    TOKEN_EXPIRED("token_expired", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Token expired"),
    TOKEN_NOT_YET_VALID(
            "token_not_yet_valid", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Token not yet valid"),
    TOKEN_LIFETIME_TOO_LONG(
            "token_lifetime_too_long",
            HttpStatus.UNAUTHORIZED,
            BearerTokenErrorCodes.INVALID_TOKEN,
            "Token lifetime too long"),
    AUDIENCE_MISMATCH(
            "audience_mismatch", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Audience mismatch"),
    CLIENT_NOT_ALLOWED(
            "client_not_allowed", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Client not allowed"),
    MISSING_CLAIM("missing_claim", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Missing claim"),
    /**
     * A claim the gateway would hand over has a value it cannot carry exactly: not a string where one is required, a
     * control character, an unpaired surrogate, too long, an empty list member (see {@code auth.ClaimValues}).
     */
    INVALID_CLAIM("invalid_claim", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Invalid claim value"),
    WRONG_TOKEN_TYPE(
            "wrong_token_type", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Wrong token type"),
    /**
     * The token's subject, session ({@code sid}), device or {@code jti} was revoked (back-channel logout or an
     * admin), and the token was issued before that.
     */
    TOKEN_REVOKED("token_revoked", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Token revoked"),
    /**
     * An OIDC Back-Channel Logout request whose {@code logout_token} is missing or invalid (answered 400 with
     * {@code error: invalid_request}, Back-Channel Logout 1.0 §2.8).
     */
    INVALID_LOGOUT_TOKEN("invalid_logout_token", HttpStatus.BAD_REQUEST, null, "Invalid logout token"),
    /** A management request whose body or parameters are not what the endpoint accepts. */
    INVALID_MANAGEMENT_REQUEST(
            "invalid_management_request", HttpStatus.BAD_REQUEST, null, "Invalid management request"),
    /** A management request body larger than the endpoint accepts. */
    PAYLOAD_TOO_LARGE("payload_too_large", HttpStatus.CONTENT_TOO_LARGE, null, "Request body too large"),
    /** A management request body of a media type the endpoint does not accept. */
    UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", HttpStatus.UNSUPPORTED_MEDIA_TYPE, null, "Unsupported media type"),
    /** No revocation of that kind, realm and value is in force. */
    REVOCATION_NOT_FOUND("revocation_not_found", HttpStatus.NOT_FOUND, null, "No such revocation"),
    /** The revocation list holds its maximum number of entries: no more can be added until some lapse. */
    REVOCATION_LIMIT_REACHED("revocation_limit_reached", HttpStatus.TOO_MANY_REQUESTS, null, "Too many revocations"),
    /**
     * A configuration reload asked for on the management port was refused by a check (bad CEL, unknown plan, malformed
     * file, invalid key, ...): the configuration in force keeps serving; the detail names the property and the problem.
     */
    CONFIG_REFUSED("config_refused", HttpStatus.UNPROCESSABLE_CONTENT, null, "Configuration refused"),
    /** An {@code OAuth2TokenValidator} the deployment registered refused the token; its description is the detail. */
    TOKEN_REJECTED_BY_VALIDATOR(
            "token_rejected_by_validator",
            HttpStatus.UNAUTHORIZED,
            BearerTokenErrorCodes.INVALID_TOKEN,
            "Token rejected"),
    /**
     * The issuer's UserInfo endpoint answered for another subject than the token's {@code sub} (OpenID Connect Core
     * §5.3.2): its claims cannot be trusted for this token, which is refused whatever the failure policy.
     */
    USERINFO_SUBJECT_MISMATCH(
            "userinfo_subject_mismatch",
            HttpStatus.UNAUTHORIZED,
            BearerTokenErrorCodes.INVALID_TOKEN,
            "UserInfo subject mismatch"),
    /**
     * The request's DPoP proof (RFC 9449 §4.3) is missing, several, malformed, or fails a check: {@code typ},
     * {@code alg}, public {@code jwk}, signature, {@code htm}, {@code htu}, {@code iat}, {@code ath}. Challenged with
     * the {@code DPoP} scheme and {@code error="invalid_dpop_proof"}.
     */
    INVALID_DPOP_PROOF("invalid_dpop_proof", HttpStatus.UNAUTHORIZED, "invalid_dpop_proof", "Invalid DPoP proof"),
    /** The DPoP proof's {@code jti} was seen before within the proof lifetime: a replayed proof. */
    DPOP_PROOF_REPLAYED("dpop_proof_replayed", HttpStatus.UNAUTHORIZED, "invalid_dpop_proof", "DPoP proof replayed"),
    /** The DPoP proof's key is not the one the token is bound to ({@code cnf.jkt}), or the token is not bound. */
    DPOP_KEY_MISMATCH(
            "dpop_key_mismatch", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "DPoP key mismatch"),
    /** A DPoP-bound token ({@code cnf.jkt}) presented with the {@code Bearer} scheme (RFC 9449 §7.1). */
    DPOP_BOUND_TOKEN(
            "dpop_bound_token",
            HttpStatus.UNAUTHORIZED,
            BearerTokenErrorCodes.INVALID_TOKEN,
            "DPoP-bound token presented as Bearer"),
    /** The issuer requires DPoP ({@code dpop: required}) and the request has an unbound token or no proof. */
    DPOP_REQUIRED("dpop_required", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "DPoP required"),
    /**
     * The issuer's introspection endpoint (RFC 7662) answered that the token is not active: revoked, expired, or
     * unknown to it (an opaque token, or a JWT on a route or issuer that introspects).
     */
    TOKEN_INACTIVE("token_inactive", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Token inactive"),
    /**
     * The issuer uses DPoP server nonces (RFC 9449 §8) and the proof carries no nonce or not a current one: the
     * answer's {@code DPoP-Nonce} header holds the nonce to put in a new proof.
     */
    USE_DPOP_NONCE("use_dpop_nonce", HttpStatus.UNAUTHORIZED, "use_dpop_nonce", "DPoP nonce required"),
    TOKEN_REPLAYED("token_replayed", HttpStatus.UNAUTHORIZED, BearerTokenErrorCodes.INVALID_TOKEN, "Token replayed"),
    MODE_NOT_ALLOWED(
            "mode_not_allowed", HttpStatus.FORBIDDEN, BearerTokenErrorCodes.INSUFFICIENT_SCOPE, "Mode not allowed"),
    ISSUER_NOT_ALLOWED(
            "issuer_not_allowed", HttpStatus.FORBIDDEN, BearerTokenErrorCodes.INSUFFICIENT_SCOPE, "Issuer not allowed"),
    KEY_NOT_ALLOWED(
            "key_not_allowed", HttpStatus.FORBIDDEN, BearerTokenErrorCodes.INSUFFICIENT_SCOPE, "Edge key not allowed"),
    DEVICE_NOT_ALLOWED(
            "device_not_allowed", HttpStatus.FORBIDDEN, BearerTokenErrorCodes.INSUFFICIENT_SCOPE, "Device not allowed"),
    INSUFFICIENT_ROLE(
            "insufficient_role", HttpStatus.FORBIDDEN, BearerTokenErrorCodes.INSUFFICIENT_SCOPE, "Insufficient role"),
    INSUFFICIENT_SCOPE(
            "insufficient_scope", HttpStatus.FORBIDDEN, BearerTokenErrorCodes.INSUFFICIENT_SCOPE, "Insufficient scope"),
    /** The route's access expression ({@code access.expression}) is not {@code true} for this request. */
    POLICY_DENIED("policy_denied", HttpStatus.FORBIDDEN, BearerTokenErrorCodes.INSUFFICIENT_SCOPE, "Policy denied"),
    NO_ROUTE_POLICY(
            "no_route_policy",
            HttpStatus.FORBIDDEN,
            BearerTokenErrorCodes.INSUFFICIENT_SCOPE,
            "Route has no access policy"),
    RATE_LIMITED("rate_limited", HttpStatus.TOO_MANY_REQUESTS, null, "Too many requests"),
    /** A fail-closed plan while its shared backend is out: refused like an exhausted limit, never a 5xx. */
    RATE_LIMIT_UNAVAILABLE(
            "rate_limit_unavailable", HttpStatus.TOO_MANY_REQUESTS, null, "Rate limits temporarily unavailable"),
    /** No route matches the request's path: answered by the gateway itself, never by an upstream. */
    NO_ROUTE("no_route", HttpStatus.NOT_FOUND, null, "No route"),
    /** A decision request (forward-auth, ext_authz) that does not say which original request it is about. */
    ORIGINAL_REQUEST_MISSING(
            "original_request_missing", HttpStatus.BAD_REQUEST, null, "Original request missing or invalid"),
    /** A decision request from a peer outside {@code dualcore.decision-api.trusted-proxies}. */
    UNTRUSTED_PROXY("untrusted_proxy", HttpStatus.FORBIDDEN, null, "Not a trusted proxy"),
    UPSTREAM_UNAVAILABLE("upstream_unavailable", HttpStatus.BAD_GATEWAY, null, "Upstream unavailable"),
    UPSTREAM_TIMEOUT("upstream_timeout", HttpStatus.GATEWAY_TIMEOUT, null, "Upstream timeout"),
    /** The upstream's TLS handshake failed (certificate not trusted, expired, wrong host, no common protocol). */
    UPSTREAM_TLS_FAILED("upstream_tls_failed", HttpStatus.BAD_GATEWAY, null, "Upstream TLS handshake failed"),
    ISSUER_UNAVAILABLE(
            "issuer_unavailable", HttpStatus.SERVICE_UNAVAILABLE, null, "Token issuer temporarily unavailable"),
    /**
     * UserInfo enrichment with {@code failure-policy: deny}: the issuer's UserInfo endpoint did not answer in time or
     * answered with an error, so the identity cannot be completed (fail closed).
     */
    USERINFO_UNAVAILABLE(
            "userinfo_unavailable", HttpStatus.SERVICE_UNAVAILABLE, null, "UserInfo temporarily unavailable"),
    /**
     * Token introspection (RFC 7662) with {@code failure-policy: deny}: the introspection endpoint did not answer in
     * time, answered with an error, or its circuit breaker is open, so the token cannot be checked (fail closed).
     */
    INTROSPECTION_UNAVAILABLE(
            "introspection_unavailable",
            HttpStatus.SERVICE_UNAVAILABLE,
            null,
            "Token introspection temporarily unavailable"),
    REPLAY_CHECK_UNAVAILABLE(
            "replay_check_unavailable", HttpStatus.SERVICE_UNAVAILABLE, null, "Replay check temporarily unavailable");

    private final String code;

    private final HttpStatus status;

    private final String bearerError;

    private final String title;

    ErrorCode(String code, HttpStatus status, String bearerError, String title) {
        this.code = code;
        this.status = status;
        this.bearerError = bearerError;
        this.title = title;
    }

    /** The stable machine-readable code, as in the problem body's {@code code} member. */
    public String code() {
        return this.code;
    }

    public HttpStatus status() {
        return this.status;
    }

    /** The RFC 6750 {@code error} attribute of the challenge, or {@code null} for a bare challenge. */
    public String bearerError() {
        return this.bearerError;
    }

    public String title() {
        return this.title;
    }
}
