package io.dualcore.gateway.auth.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import com.nimbusds.jose.jca.JCAContext;
import java.security.Provider;
import java.util.concurrent.Callable;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.Assert;

/**
 * The JCA provider that verifies RSA and EC JWS signatures, and why it was chosen: what the gateway logs at start and
 * reports in {@code /actuator/info} {@code crypto}. Only the verifiers it is {@linkplain #applyTo applied to} and the
 * identity assertions' signer ({@code identity.IdentityAssertionSigner}, given {@link #provider()}) use it: it is never
 * installed in {@link java.security.Security}, so TLS, HMAC and key generation stay on the JDK.
 *
 * <p>Amazon Corretto Crypto Provider (ACCP, over AWS-LC) verifies ES256 about 15 times and RS256 about 1.3 times
 * faster than JDK 17 (issue 28). Its jar carries the native library for Linux x86_64 only; elsewhere it reports a
 * loading error and the JDK's provider is used. A provider that failed to load or its self-tests is never used.
 *
 * @param name {@code accp} or {@code jdk}
 * @param provider the provider, or {@code null} for the JDK's (the JCA's ordinary look-up)
 * @param reason why this provider: the setting that asked for it, or why ACCP is not available
 */
public record SignatureProvider(String name, Provider provider, String reason) {

    private static final Log logger = LogFactory.getLog(SignatureProvider.class);

    /** The name of Amazon Corretto Crypto Provider. */
    public static final String ACCP = "accp";

    /** The name of the JDK's providers. */
    public static final String JDK = "jdk";

    public SignatureProvider {
        Assert.isTrue(ACCP.equals(name) == (provider != null), "only accp names a provider; jdk uses the JCA look-up");
        Assert.hasText(reason, "reason cannot be empty");
    }

    /** The JDK's providers: what every verifier uses unless given another. */
    public static SignatureProvider jdk(String reason) {
        return new SignatureProvider(JDK, null, reason);
    }

    /** The JDK's providers, for verifiers built without a choice (tests, the CLI). */
    public static SignatureProvider jdk() {
        return jdk("the JDK's providers (no choice made)");
    }

    /** Chooses the provider {@code setting} asks for, ACCP as this jar ships it. */
    public static SignatureProvider choose(CryptoProvider setting) {
        return choose(setting, SignatureProvider::healthyAccp);
    }

    /**
     * Chooses the provider {@code setting} asks for.
     *
     * @param accp returns ACCP once it is healthy, or throws why it is not
     * @throws IllegalStateException when {@code accp} is asked for and cannot load (the cause named in the message)
     */
    public static SignatureProvider choose(CryptoProvider setting, Callable<Provider> accp) {
        Assert.notNull(setting, "setting cannot be null");
        Assert.notNull(accp, "accp cannot be null");
        if (setting == CryptoProvider.JDK) {
            return jdk("dualcore.crypto.provider=jdk");
        }
        Provider loaded;
        String unavailable;
        try {
            loaded = accp.call();
            unavailable = (loaded != null) ? null : "no provider";
        } catch (Exception | LinkageError ex) {
            // never used when it failed to load or its self-tests: fail closed to the JDK's provider
            loaded = null;
            unavailable = ex.getClass().getSimpleName() + ": " + ex.getMessage();
        }
        if (setting == CryptoProvider.ACCP) {
            if (loaded == null) {
                throw new IllegalStateException("dualcore.crypto.provider=accp: Amazon Corretto Crypto Provider is "
                        + "not available here (" + unavailable + "); set dualcore.crypto.provider=auto to fall back "
                        + "to the JDK's provider, or run on Linux x86_64 (glibc) with a writable, executable "
                        + "java.io.tmpdir");
            }
            return new SignatureProvider(ACCP, loaded, "dualcore.crypto.provider=accp");
        }
        if (loaded == null) {
            return jdk("auto: Amazon Corretto Crypto Provider not available (" + unavailable + ")");
        }
        return new SignatureProvider(ACCP, loaded, "auto: Amazon Corretto Crypto Provider loaded and healthy");
    }

    /** ACCP, once its native library loaded and its self-tests passed. */
    static Provider healthyAccp() {
        AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
        accp.assertHealthy();
        return accp;
    }

    /** Makes a Nimbus verifier (or verifier factory) verify with this provider. */
    public void applyTo(JCAContext context) {
        context.setProvider(this.provider);
    }

    /** The provider's own name and version, as the JCA reports them ({@code jdk} for the JCA look-up). */
    public String implementation() {
        return (this.provider != null) ? this.provider.getName() + " " + this.provider.getVersionStr() : JDK;
    }

    /** Logs the choice once at start. */
    public void log() {
        logger.info("JWS signature verification provider " + this.name + " (" + implementation() + "; " + this.reason
                + ")");
    }
}
