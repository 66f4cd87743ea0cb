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
 * The startup checks of {@link AuthProperties} that Jakarta constraints on the record cannot express (across
 * components, or against a library's own list) and that need no key or network: shared by the gateway (which stops
 * at the first problem), a live reload and {@code config check} (which reports them all). Single values (required,
 * positive, a range, a claim name's form) are constraints on the record, checked when it is bound.
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

    private static final Pattern CLAIM_NAME = Pattern.compile(AuthProperties.UserInfo.CLAIM_NAME);

    private AuthSettingsCheck() {}

    /** Every problem of the OIDC issuer settings, each naming its property and the fix. */
    public static List<String> issuerProblems(AuthProperties properties) {
        List<String> problems = new ArrayList<>();
        List<AuthProperties.Issuer> issuers = properties.oidc().issuers();
        for (int i = 0; i < issuers.size(); i++) {
            AuthProperties.Issuer issuer = issuers.get(i);
            String where = "dualcore.auth.oidc.issuers[" + i + "]";
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
                continue; // a constraint on the record
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
