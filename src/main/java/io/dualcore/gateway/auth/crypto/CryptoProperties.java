package io.dualcore.gateway.auth.crypto;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The cryptography behind token verification.
 *
 * @param provider the JCA provider of RSA and EC JWS signature verification (OIDC access and logout tokens, DPoP
 *     proofs): {@code auto} (Amazon Corretto Crypto Provider where it loads, else the JDK's), {@code accp} (it, or a
 *     startup error) or {@code jdk}; HMAC (edge tokens, assertions), TLS and key generation always stay on the JDK
 */
@ConfigurationProperties("dualcore.crypto")
public record CryptoProperties(@DefaultValue("auto") CryptoProvider provider) {}
