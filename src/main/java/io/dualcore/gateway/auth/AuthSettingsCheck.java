package io.dualcore.gateway.auth;

import com.nimbusds.jose.JWSAlgorithm;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
        }
        return problems;
    }
}
