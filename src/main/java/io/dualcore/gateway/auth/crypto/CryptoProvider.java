package io.dualcore.gateway.auth.crypto;

import java.util.Locale;

/**
 * Which JCA provider verifies RSA and EC JWS signatures, as set by {@code dualcore.crypto.provider} (README "Signature
 * verification provider").
 */
public enum CryptoProvider {

    /** Amazon Corretto Crypto Provider where its native library loaded and passed its self-tests, else the JDK's. */
    AUTO,

    /** Amazon Corretto Crypto Provider; a startup error where it cannot load (another platform, no usable tmpdir). */
    ACCP,

    /** The JDK's own providers (SunRsaSign, SunEC), even where ACCP would load. */
    JDK;

    /** The name the gateway logs and reports ({@code auto}, {@code accp}, {@code jdk}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
