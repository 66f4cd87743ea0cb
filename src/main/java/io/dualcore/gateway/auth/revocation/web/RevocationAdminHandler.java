package io.dualcore.gateway.auth.revocation.web;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.revocation.Revocation;
import io.dualcore.gateway.auth.revocation.Revocations;
import io.dualcore.gateway.auth.revocation.Revocations.RevocationLimitException;
import io.dualcore.gateway.auth.web.AdminAuthenticator;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.ProblemResponses;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API of revocations on the management port, for an authenticated admin ({@link AdminAuthenticator}):
 * <ul>
 *   <li>{@code GET /admin/revocations}: the revocations in force here;
 *   <li>{@code POST /admin/revocations} with {@code {"kind": "sub|sid|device|jti", "realm": ..., "value": ...,
 *       "until": "2026-12-08T00:00:00Z" | "ttl": "2h", "issuedBefore": optional instant}}: revokes (201);
 *   <li>{@code DELETE /admin/revocations?kind=...&realm=...&value=...}: lifts (200, or 404 when none is in force);
 *       the realm is one a revocation may name, or one revocations held here still name (a realm removed live).
 * </ul>
 * Every change is audited with the admin's subject as its actor.
 */
public final class RevocationAdminHandler {

    /** The path of the admin API. */
    public static final String PATH = "/admin/revocations";

    private static final int MAX_BODY = 4096;

    private final JsonMapper json = JsonMapper.builder().build();

    private final AdminAuthenticator admins;

    private final Revocations revocations;

    private final ProblemResponses errors;

    /** The realms a revocation may name now. */
    private final Supplier<Set<String>> realms;

    private final Clock clock;

    private final Duration defaultTtl;

    private final Duration maxTtl;

    /**
     * @param realms the realms a revocation may name: the OIDC issuers' names and {@code edge} (fixed)
     */
    public RevocationAdminHandler(
            AdminAuthenticator admins,
            Revocations revocations,
            ProblemResponses errors,
            Set<String> realms,
            Clock clock,
            Duration defaultTtl,
            Duration maxTtl) {
        this(admins, revocations, errors, fixed(realms), clock, defaultTtl, maxTtl);
    }

    /**
     * @param realms the realms a revocation may name, read per request: the OIDC issuers' names of the configuration in
     *     force and {@code edge}
     */
    public RevocationAdminHandler(
            AdminAuthenticator admins,
            Revocations revocations,
            ProblemResponses errors,
            Supplier<Set<String>> realms,
            Clock clock,
            Duration defaultTtl,
            Duration maxTtl) {
        Assert.notNull(admins, "admins cannot be null");
        Assert.notNull(revocations, "revocations cannot be null");
        Assert.notNull(errors, "errors cannot be null");
        this.admins = admins;
        this.revocations = revocations;
        this.errors = errors;
        Assert.notNull(realms, "realms cannot be null");
        this.realms = realms;
        this.clock = clock;
        this.defaultTtl = defaultTtl;
        this.maxTtl = maxTtl;
    }

    public Mono<ServerResponse> list(ServerRequest request) {
        return authenticated(
                request,
                admin -> ManagementResponses.json(
                        200,
                        Map.of(
                                "revocations",
                                this.revocations.list().stream()
                                        .map(ManagementResponses::toJson)
                                        .toList()),
                        this.json));
    }

    public Mono<ServerResponse> revoke(ServerRequest request) {
        ServerHttpRequest raw = request.exchange().getRequest();
        return authenticated(request, admin -> {
            MediaType type = raw.getHeaders().getContentType();
            if (type == null || !MediaType.APPLICATION_JSON.equalsTypeAndSubtype(type)) {
                return problem(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "A revocation is posted as application/json");
            }
            if (ManagementResponses.declaredTooLarge(raw, MAX_BODY)) {
                return problem(ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large");
            }
            return ManagementResponses.body(raw, MAX_BODY)
                    .map(body -> toRevocation(body, admin))
                    .map(revocation -> this.revocations.revoke(revocation))
                    .flatMap(revocation ->
                            ManagementResponses.json(201, ManagementResponses.toJson(revocation), this.json))
                    .onErrorResume(this::refusal);
        });
    }

    public Mono<ServerResponse> lift(ServerRequest request) {
        return authenticated(request, admin -> {
            try {
                Revocation.Kind kind = Revocation.Kind.of(single(request, "kind"));
                String realm = liftable(single(request, "realm"));
                String value = value(single(request, "value"));
                Revocation lifted = this.revocations.lift(kind, realm, value, admin.subject());
                return (lifted != null)
                        ? ManagementResponses.json(200, ManagementResponses.toJson(lifted), this.json)
                        : problem(ErrorCode.REVOCATION_NOT_FOUND, "No such revocation is in force here");
            } catch (IllegalArgumentException ex) {
                return problem(ErrorCode.INVALID_MANAGEMENT_REQUEST, ex.getMessage());
            }
        });
    }

    private Mono<ServerResponse> authenticated(
            ServerRequest request, Function<GatewayIdentity, Mono<ServerResponse>> then) {
        return this.admins
                .authenticate(request.exchange().getRequest())
                .flatMap(then)
                .onErrorResume(TokenRejectedException.class, ex -> problem(ex.errorCode(), ex.description()));
    }

    private Revocation toRevocation(byte[] body, GatewayIdentity admin) {
        Map<?, ?> fields;
        try {
            fields = this.json.readValue(body, Map.class);
        } catch (JacksonException ex) {
            throw new IllegalArgumentException("The body is not a JSON object");
        }
        if (fields == null) {
            throw new IllegalArgumentException("The body is not a JSON object");
        }
        for (Object name : fields.keySet()) {
            if (!List.of("kind", "realm", "value", "until", "ttl", "issuedBefore")
                    .contains(name)) {
                throw new IllegalArgumentException(
                        "Unknown member; expected kind, realm, value, until or ttl, issuedBefore");
            }
        }
        Revocation.Kind kind = Revocation.Kind.of(text(fields, "kind", true));
        String realm = realm(text(fields, "realm", true));
        String value = value(text(fields, "value", true));
        Instant now = this.clock.instant();
        String until = text(fields, "until", false);
        String ttl = text(fields, "ttl", false);
        if (until != null && ttl != null) {
            throw new IllegalArgumentException("Give until or ttl, not both");
        }
        Instant lapse;
        try {
            lapse = (until != null)
                    ? Instant.parse(until)
                    : now.plus((ttl != null) ? DurationStyle.detectAndParse(ttl) : this.defaultTtl);
        } catch (DateTimeParseException | IllegalArgumentException | ArithmeticException ex) {
            throw new IllegalArgumentException(
                    "until must be an ISO-8601 instant (2026-12-08T00:00:00Z), ttl a duration (2h, PT2H)");
        }
        if (!lapse.isAfter(now)) {
            throw new IllegalArgumentException("The revocation would lapse at once (until is not in the future)");
        }
        if (lapse.isAfter(now.plus(this.maxTtl))) {
            throw new IllegalArgumentException(
                    "A revocation lasts at most " + this.maxTtl + " (dualcore.revocation.max-ttl)");
        }
        String issuedBefore = text(fields, "issuedBefore", false);
        Instant before;
        try {
            before = (issuedBefore != null) ? Instant.parse(issuedBefore) : null;
        } catch (DateTimeParseException ex) {
            throw new IllegalArgumentException("issuedBefore must be an ISO-8601 instant");
        }
        return new Revocation(kind, realm, value, before, false, lapse, admin.subject());
    }

    private static Supplier<Set<String>> fixed(Set<String> realms) {
        Set<String> copy = Set.copyOf(realms);
        return () -> copy;
    }

    /**
     * A realm a revocation may be lifted in: one a revocation may name, or one that revocations held here still name
     * (a realm removed by a live reload: its revocations stay in force until they lapse, and an admin can lift them).
     */
    private String liftable(String realm) {
        if (this.realms.get().contains(realm)) {
            return realm;
        }
        for (Revocation held : this.revocations.list()) {
            if (held.realm().equals(realm)) {
                return realm;
            }
        }
        return realm(realm);
    }

    private String realm(String realm) {
        Set<String> realms = this.realms.get();
        if (!realms.contains(realm)) {
            throw new IllegalArgumentException(
                    "Unknown realm; expected one of " + realms.stream().sorted().toList());
        }
        return realm;
    }

    private static String value(String value) {
        if (value.length() > Revocation.MAX_LENGTH) {
            throw new IllegalArgumentException("value is longer than " + Revocation.MAX_LENGTH + " characters");
        }
        return value;
    }

    private static String text(Map<?, ?> fields, String name, boolean required) {
        Object value = fields.get(name);
        if (value == null) {
            if (required) {
                throw new IllegalArgumentException(name + " is required");
            }
            return null;
        }
        if (!(value instanceof String text) || text.isEmpty()) {
            throw new IllegalArgumentException(name + " must be a non-empty string");
        }
        return text;
    }

    private static String single(ServerRequest request, String name) {
        List<String> values = request.queryParams().get(name);
        if (values == null
                || values.size() != 1
                || values.get(0) == null
                || values.get(0).isEmpty()) {
            throw new IllegalArgumentException("The query must carry exactly one " + name);
        }
        return values.get(0);
    }

    private Mono<ServerResponse> refusal(Throwable ex) {
        if (ManagementResponses.isTooLarge(ex)) {
            return problem(ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large");
        }
        if (ex instanceof RevocationLimitException) {
            return problem(ErrorCode.REVOCATION_LIMIT_REACHED, ex.getMessage());
        }
        if (ex instanceof IllegalArgumentException) {
            return problem(ErrorCode.INVALID_MANAGEMENT_REQUEST, ex.getMessage());
        }
        return problem(ErrorCode.INVALID_MANAGEMENT_REQUEST, "The request could not be read");
    }

    private Mono<ServerResponse> problem(ErrorCode code, String description) {
        return ManagementResponses.problem(this.errors, code, description);
    }
}
