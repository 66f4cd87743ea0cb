package io.dualcore.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jose.JWSAlgorithm;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.revocation.Revocation;
import io.dualcore.gateway.auth.revocation.RevocationCheck;
import io.dualcore.gateway.auth.revocation.RevocationProperties;
import io.dualcore.gateway.auth.revocation.Revocations;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.support.redis.RedisProperties;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** Revocation is wired into the verification chain by default, and {@code dualcore.revocation.enabled=false} removes it. */
class RevocationConfigurationTests {

    private static final String KEY_32 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(Properties.class, AuthenticationConfiguration.class, RevocationConfiguration.class)
            .withBean(IdentityHeaders.class, () -> new IdentityHeaders("X-Auth-"))
            .withPropertyValues(
                    "dualcore.auth.edge.issuer=dualcore-edge",
                    "dualcore.auth.edge.audiences=gw",
                    "dualcore.auth.edge.keys[0].kid=k1",
                    "dualcore.auth.edge.keys[0].secret=" + KEY_32);

    @Test
    void startWhenDefaultThenRevokedDeviceRefusedByTheChain() {
        this.runner.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(RevocationCheck.class);
            String token = edgeToken("sensor-1");
            TokenAuthenticator authenticator = context.getBean(TokenAuthenticator.class);
            GatewayIdentity identity = authenticator.authenticate(token).block();
            assertThat(identity).isNotNull();

            context.getBean(Revocations.class)
                    .revoke(new Revocation(
                            Revocation.Kind.DEVICE,
                            "edge",
                            "sensor-1",
                            null,
                            false,
                            Instant.now().plusSeconds(60),
                            "admin"));

            assertThat(catchThrowableOfType(TokenRejectedException.class, () -> authenticator.authenticateNow(token))
                            .errorCode())
                    .isEqualTo(ErrorCode.TOKEN_REVOKED);
        });
    }

    @Test
    void startWhenDisabledThenNoCheckAndNoRevocations() {
        this.runner.withPropertyValues("dualcore.revocation.enabled=false").run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(RevocationCheck.class);
            assertThat(context).doesNotHaveBean(Revocations.class);
            assertThat(context.getBean(TokenAuthenticator.class)
                            .authenticate(edgeToken("sensor-1"))
                            .block())
                    .isNotNull();
        });
    }

    private static String edgeToken(String device) {
        return TestTokens.edge("k1", Base64.getDecoder().decode(KEY_32), JWSAlgorithm.HS256, "dualcore-edge")
                .claim("aud", "gw")
                .claim("device_id", device)
                .sign();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({AuthProperties.class, RedisProperties.class, RevocationProperties.class})
    static class Properties {}
}
