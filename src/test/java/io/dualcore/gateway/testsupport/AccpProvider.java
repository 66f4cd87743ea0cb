package io.dualcore.gateway.testsupport;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dualcore.gateway.auth.crypto.CryptoProvider;
import io.dualcore.gateway.auth.crypto.SignatureProvider;

/** Amazon Corretto Crypto Provider as the shipped default chooses it, for tests that compare it with the JDK's. */
public final class AccpProvider {

    private AccpProvider() {}

    /** ACCP where it loads here (glibc Linux x86_64); elsewhere the calling test is skipped, with the reason. */
    public static SignatureProvider orSkip() {
        SignatureProvider chosen = SignatureProvider.choose(CryptoProvider.AUTO);
        assumeTrue(
                SignatureProvider.ACCP.equals(chosen.name()),
                () -> "Amazon Corretto Crypto Provider is not available here: " + chosen.reason());
        return chosen;
    }
}
