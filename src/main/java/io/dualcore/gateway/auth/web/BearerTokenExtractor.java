package io.dualcore.gateway.auth.web;

import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.web.ErrorCode;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Finds the bearer token of a request (RFC 6750 §2.1) without regular expressions: only the {@code Authorization}
 * header carries tokens, the scheme is matched case-insensitively, and a token in the query string (an
 * {@code access_token} parameter however spelled, see {@link AccessTokenParameter}) or several credentials at once
 * are refused. A token in a form body is refused by {@link FormCredentialsWebFilter}.
 */
public final class BearerTokenExtractor {

    private static final String SCHEME = "Bearer";

    /** RFC 9449 §7.1: a DPoP-bound token is sent with this scheme (and a proof in the {@code DPoP} header). */
    private static final String DPOP_SCHEME = "DPoP";

    private final boolean dpop;

    /** An extractor of {@code Bearer} tokens only. */
    public BearerTokenExtractor() {
        this(false);
    }

    /** @param dpop whether the {@code DPoP} scheme is understood too (some issuer has DPoP on) */
    public BearerTokenExtractor(boolean dpop) {
        this.dpop = dpop;
    }

    /** Whether the request's token is sent with the {@code DPoP} scheme (call after {@link #extract}). */
    public static boolean dpopScheme(ServerHttpRequest request) {
        String authorization = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        return authorization != null && hasScheme(authorization, DPOP_SCHEME);
    }

    private static boolean hasScheme(String authorization, String scheme) {
        return authorization.length() > scheme.length()
                && authorization.regionMatches(true, 0, scheme, 0, scheme.length())
                && authorization.charAt(scheme.length()) == ' ';
    }

    /**
     * @return the token, or {@code null} when the request carries no credentials
     * @throws TokenRejectedException when the credentials are unusable
     */
    public String extract(ServerHttpRequest request) {
        List<String> authorizations = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (AccessTokenParameter.in(request.getURI().getRawQuery())) {
            throw new TokenRejectedException(
                    ErrorCode.INVALID_REQUEST,
                    "Tokens are accepted only in the Authorization header, never in the query string");
        }
        if (authorizations == null || authorizations.isEmpty()) {
            return null;
        }
        if (authorizations.size() > 1) {
            throw new TokenRejectedException(
                    ErrorCode.INVALID_REQUEST, "The request carries several Authorization headers");
        }
        String authorization = authorizations.get(0);
        String scheme = SCHEME;
        if (this.dpop && hasScheme(authorization, DPOP_SCHEME)) {
            scheme = DPOP_SCHEME;
        } else if (!hasScheme(authorization, SCHEME)) {
            throw new TokenRejectedException(
                    ErrorCode.MISSING_TOKEN, "The Authorization header does not carry a Bearer token");
        }
        int start = scheme.length();
        while (start < authorization.length() && authorization.charAt(start) == ' ') {
            start++;
        }
        String token = authorization.substring(start);
        if (token.isEmpty()) {
            throw new TokenRejectedException(ErrorCode.MALFORMED_TOKEN, "The token is empty");
        }
        if (token.indexOf(',') >= 0 || token.indexOf(' ') >= 0) {
            throw new TokenRejectedException(
                    ErrorCode.INVALID_REQUEST, "The Authorization header carries several credentials");
        }
        return token;
    }
}
