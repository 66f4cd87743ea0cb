package io.dualcore.gateway.auth.revocation.web;

import io.dualcore.gateway.auth.revocation.LogoutTokenValidator;
import io.dualcore.gateway.auth.revocation.LogoutTokenValidator.InvalidLogoutTokenException;
import io.dualcore.gateway.auth.revocation.Revocation;
import io.dualcore.gateway.auth.revocation.RevocationProperties;
import io.dualcore.gateway.auth.revocation.Revocations;
import io.dualcore.gateway.auth.revocation.Revocations.RevocationLimitException;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.ProblemResponses;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.codec.FormHttpMessageReader;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.Assert;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The OpenID Connect Back-Channel Logout 1.0 receiver: {@code POST /backchannel-logout/{realm}} with a
 * {@code logout_token} form parameter. A valid logout token revokes its session's (or subject's) tokens issued up to
 * the logout, answered {@code 200} with {@code Cache-Control: no-store}; anything else is a {@code 4xx} (a bad token:
 * {@code 400} with {@code error: invalid_request}, §2.8), never a {@code 5xx}, and changes nothing.
 *
 * @see <a href="https://openid.net/specs/openid-connect-backchannel-1_0.html#BCResponse">Back-Channel Logout 1.0
 *     §2.8</a>
 */
public final class BackchannelLogoutHandler {

    /** The path, with the realm's name (the issuer's {@code name}) as its variable. */
    public static final String PATH = "/backchannel-logout/{realm}";

    private static final Log logger = LogFactory.getLog(BackchannelLogoutHandler.class);

    private static final String INVALID_REQUEST = "invalid_request";

    private final Map<String, LogoutTokenValidator> validators;

    private final Revocations revocations;

    private final ProblemResponses errors;

    private final Clock clock;

    private final Duration tokenLifetime;

    private final int maxBodySize;

    private final RevocationProperties.LogoutScope scope;

    private final FormHttpMessageReader forms = new FormHttpMessageReader();

    /**
     * @param validators by realm name
     * @param tokenLifetime how long a logout's revocations last after the logout
     * @param maxBodySize largest body accepted, in bytes
     * @param scope what a logout token naming a session and a subject takes back
     */
    public BackchannelLogoutHandler(
            Map<String, LogoutTokenValidator> validators,
            Revocations revocations,
            ProblemResponses errors,
            Clock clock,
            Duration tokenLifetime,
            int maxBodySize,
            RevocationProperties.LogoutScope scope) {
        Assert.notNull(validators, "validators cannot be null");
        Assert.notNull(revocations, "revocations cannot be null");
        Assert.notNull(errors, "errors cannot be null");
        Assert.notNull(scope, "scope cannot be null");
        this.validators = Map.copyOf(validators);
        this.revocations = revocations;
        this.errors = errors;
        this.clock = clock;
        this.tokenLifetime = tokenLifetime;
        this.maxBodySize = maxBodySize;
        this.scope = scope;
        this.forms.setMaxInMemorySize(maxBodySize);
    }

    public Mono<ServerResponse> logout(ServerRequest request) {
        String realm = request.pathVariable("realm");
        LogoutTokenValidator validator = this.validators.get(realm);
        if (validator == null) {
            // the path's text is the client's: never echoed into audit lines or metrics
            return refused("unknown", ErrorCode.INVALID_LOGOUT_TOKEN, "No realm of that name accepts logouts here");
        }
        ServerHttpRequest raw = request.exchange().getRequest();
        MediaType type = raw.getHeaders().getContentType();
        if (type == null || !MediaType.APPLICATION_FORM_URLENCODED.equalsTypeAndSubtype(type)) {
            return refused(
                    realm,
                    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "A logout request is an application/x-www-form-urlencoded POST");
        }
        if (ManagementResponses.declaredTooLarge(raw, this.maxBodySize)) {
            return refused(realm, ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large");
        }
        return this.forms
                .readMono(ManagementResponses.FORM, raw, Map.of())
                .map(form -> logoutToken(form))
                .flatMap(validator::validate)
                .flatMap(this::apply)
                .onErrorResume(ex -> refusal(realm, ex));
    }

    private static String logoutToken(MultiValueMap<String, String> form) {
        List<String> values = form.get("logout_token");
        if (values == null
                || values.size() != 1
                || values.get(0) == null
                || values.get(0).isEmpty()) {
            throw new BadRequest("The request must carry exactly one logout_token parameter");
        }
        return values.get(0);
    }

    private Mono<ServerResponse> apply(LogoutTokenValidator.Logout logout) {
        Instant until = logout.issuedAt().plus(this.tokenLifetime);
        if (!until.isAfter(this.clock.instant())) {
            // every token the logout could take back has expired already
            this.revocations.observer().logoutAccepted(logout.realm());
            return ok();
        }
        for (Revocation revocation : logout.revocations(until, this.scope)) {
            this.revocations.revoke(revocation);
        }
        this.revocations.observer().logoutAccepted(logout.realm());
        return ok();
    }

    private static Mono<ServerResponse> ok() {
        return ServerResponse.ok().cacheControl(CacheControl.noStore()).build();
    }

    private Mono<ServerResponse> refusal(String realm, Throwable ex) {
        if (ex instanceof InvalidLogoutTokenException || ex instanceof BadRequest) {
            return refused(realm, ErrorCode.INVALID_LOGOUT_TOKEN, ex.getMessage());
        }
        if (ManagementResponses.isTooLarge(ex)) {
            return refused(realm, ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large");
        }
        if (ex instanceof RevocationLimitException) {
            return refused(realm, ErrorCode.REVOCATION_LIMIT_REACHED, ex.getMessage());
        }
        // a malformed form (bad %-encoding, an unknown charset): the client's fault, never a 5xx
        logger.debug("Back-channel logout request refused: " + ex.getClass().getName());
        return refused(realm, ErrorCode.INVALID_LOGOUT_TOKEN, "The logout request could not be read");
    }

    private Mono<ServerResponse> refused(String realm, ErrorCode code, String description) {
        this.revocations.observer().logoutRefused(realm, description);
        return ManagementResponses.oauthProblem(this.errors, code, description, INVALID_REQUEST);
    }

    /** The request's parameters are not a logout request. */
    private static final class BadRequest extends RuntimeException {

        BadRequest(String description) {
            super(description, null, false, false);
        }
    }
}
