package io.dualcore.gateway.auth;

import com.nimbusds.jose.JWSAlgorithm;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.util.StringUtils;

/**
 * The startup checks of {@link AuthProperties} that do not need a key or a network: shared by the gateway (which
 * stops at the first problem) and {@code config check} (which reports them all).
 */
public final class AuthSettingsCheck {

    private static final Set<JWSAlgorithm> ASYMMETRIC = Stream.of(
                    JWSAlgorithm.Family.RSA, JWSAlgorithm.Family.EC, JWSAlgorithm.Family.ED)
            .flatMap(Set::stream)
            .collect(Collectors.toUnmodifiableSet());

    /**
     * Claims of the verified token that UserInfo must never replace: they are what the token was verified against, or
     * what roles, scopes and the client are mapped from.
     */
    private static final Set<String> PROTECTED_CLAIMS = Set.of(
            "iss",
            "sub",
            "aud",
            "exp",
            "nbf",
            "iat",
            "jti",
            "azp",
            "client_id",
            "typ",
            "scope",
            "realm_access",
            "resource_access",
            "cnf",
            "auth_time",
            "nonce",
            "acr",
            "amr",
            "sid");

    /** A UserInfo claim name must make a header name (see the identity headers). */
    private static final Pattern CLAIM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private AuthSettingsCheck() {}

    /** Every problem of the OIDC issuer settings, each naming its property and the fix. */
    public static List<String> issuerProblems(AuthProperties properties) {
        List<String> problems = new ArrayList<>();
        List<AuthProperties.Issuer> issuers = properties.oidc().issuers();
        for (int i = 0; i < issuers.size(); i++) {
            AuthProperties.Issuer issuer = issuers.get(i);
            String where = "dualcore.auth.oidc.issuers[" + i + "]";
            if (!StringUtils.hasText(issuer.name()) || !StringUtils.hasText(issuer.issuerUri())) {
                problems.add(where + ": name and issuer-uri are required");
                continue;
            }
            if (issuer.audiences().isEmpty()) {
                problems.add(where + " (" + issuer.name()
                        + "): audiences is empty; list the aud values this gateway accepts (e.g. dualcore-gateway)");
            }
            for (String algorithm : issuer.algorithms()) {
                JWSAlgorithm parsed = JWSAlgorithm.parse(algorithm);
                if (!ASYMMETRIC.contains(parsed)) {
                    problems.add(where + ".algorithms (" + issuer.name() + "): " + algorithm + " is not an asymmetric"
                            + " JWS algorithm; OIDC issuers accept RS*, PS*, ES* or EdDSA");
                }
            }
            AuthProperties.Jwks jwks = issuer.jwks();
            if (jwks.refreshAhead().plus(jwks.refreshTimeout()).compareTo(jwks.cacheTtl()) > 0) {
                problems.add(where + " (" + issuer.name() + "): jwks.refresh-ahead (" + jwks.refreshAhead()
                        + ") + jwks.refresh-timeout (" + jwks.refreshTimeout() + ") must not exceed jwks.cache-ttl ("
                        + jwks.cacheTtl() + ")");
            }
            userInfoProblems(where + ".userinfo", issuer, problems);
        }
        return problems;
    }

    private static void userInfoProblems(String where, AuthProperties.Issuer issuer, List<String> problems) {
        AuthProperties.UserInfo userInfo = issuer.userinfo();
        if (userInfo == null || !userInfo.enabled()) {
            return;
        }
        String name = " (" + issuer.name() + ")";
        if (userInfo.claims().isEmpty()) {
            problems.add(where + ".claims" + name
                    + ": is empty; list the UserInfo claims to add to the identity (e.g. email, preferred_username)");
        }
        Map<String, String> headers = new HashMap<>();
        for (String claim : userInfo.claims()) {
            if (claim == null || !CLAIM_NAME.matcher(claim).matches()) {
                problems.add(where + ".claims" + name + ": '" + claim + "' is not a usable claim name; use letters,"
                        + " digits, '_', '.' or '-' (it names an identity header)");
                continue;
            }
            if (PROTECTED_CLAIMS.contains(claim)) {
                problems.add(where + ".claims" + name + ": '" + claim + "' is a claim of the verified token that"
                        + " UserInfo may not replace; remove it");
            }
            String header = claim.toLowerCase(Locale.ROOT).replace('_', '-').replace('.', '-');
            String other = headers.putIfAbsent(header, claim);
            if (other != null) {
                problems.add(where + ".claims" + name + ": '" + other + "' and '" + claim
                        + "' would share one identity header; keep one");
            }
        }
        if (userInfo.timeout() == null
                || userInfo.timeout().isZero()
                || userInfo.timeout().isNegative()) {
            problems.add(where + ".timeout" + name + ": must be positive (e.g. 2s)");
        }
        if (userInfo.degradedCacheTtl() == null || userInfo.degradedCacheTtl().isNegative()) {
            problems.add(where + ".degraded-cache-ttl" + name + ": must not be negative (0 caches nothing)");
        }
        if (userInfo.sizeLimit() <= 0) {
            problems.add(where + ".size-limit" + name + ": must be positive (bytes)");
        }
        AuthProperties.UserInfo.CircuitBreaker breaker = userInfo.circuitBreaker();
        if (breaker.failureRateThreshold() <= 0 || breaker.failureRateThreshold() > 100) {
            problems.add(where + ".circuit-breaker.failure-rate-threshold" + name
                    + ": must be a percentage above 0 and at most 100 (e.g. 50)");
        }
        if (breaker.minimumCalls() < 1) {
            problems.add(where + ".circuit-breaker.minimum-calls" + name + ": must be at least 1 (e.g. 5)");
        }
        if (breaker.openFor() == null
                || breaker.openFor().isZero()
                || breaker.openFor().isNegative()) {
            problems.add(where + ".circuit-breaker.open-for" + name + ": must be positive (e.g. 10s)");
        }
        if (userInfo.failureLogInterval() == null
                || userInfo.failureLogInterval().isNegative()) {
            problems.add(where + ".failure-log-interval" + name + ": must not be negative (0 logs every failure)");
        }
        if (StringUtils.hasText(userInfo.uri())) {
            URI uri;
            try {
                uri = URI.create(userInfo.uri());
            } catch (IllegalArgumentException ex) {
                uri = null;
            }
            if (uri == null
                    || uri.getHost() == null
                    || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
                problems.add(
                        where + ".uri" + name + ": '" + userInfo.uri()
                                + "' is not an absolute http(s) URL; set the UserInfo endpoint or leave it empty to discover it");
            }
        }
    }
}
