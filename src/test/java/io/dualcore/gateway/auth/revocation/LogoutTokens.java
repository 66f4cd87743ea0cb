package io.dualcore.gateway.auth.revocation;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.jwk.RSAKey;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestTokens;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Logout tokens of realm A (TestChain) for the {@code dualcore-service} client: valid unless changed. */
public final class LogoutTokens {

    public static final String CLIENT = "dualcore-service";

    private LogoutTokens() {}

    public static TestTokens.Builder logoutToken() {
        return logoutToken(TestChain.KEY_A, TestChain.ISSUER_A);
    }

    /** A logout token of another realm (its signing key and issuer). */
    public static TestTokens.Builder logoutToken(RSAKey key, String issuer) {
        Instant now = Instant.now();
        return TestTokens.oidc(key, issuer)
                .without("typ")
                .without("scope")
                .without("realm_access")
                .without("resource_access")
                .without("azp")
                .header(header -> header.type(new JOSEObjectType("logout+jwt")))
                .claim("sub", "alice")
                .claim("sid", "session-1")
                .claim("aud", List.of(CLIENT))
                .claim("jti", UUID.randomUUID().toString())
                .claim("events", Map.of(LogoutTokenValidator.BACKCHANNEL_LOGOUT_EVENT, Map.of()))
                .time("iat", now)
                .time("exp", now.plusSeconds(120));
    }
}
