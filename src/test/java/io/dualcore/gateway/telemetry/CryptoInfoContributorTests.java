package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.crypto.CryptoProvider;
import io.dualcore.gateway.auth.crypto.SignatureProvider;
import java.security.Provider;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.info.Info;

/** {@code /actuator/info} {@code crypto}: which provider verifies signatures, its implementation, and why. */
class CryptoInfoContributorTests {

    @Test
    void contributeWhenAccpChosenThenProviderImplementationAndReason() {
        Provider loaded = new Provider("FakeNative", "1.0", "a provider that loaded") {};
        Info.Builder builder = new Info.Builder();

        new CryptoInfoContributor(SignatureProvider.choose(CryptoProvider.AUTO, () -> loaded)).contribute(builder);

        assertThat(builder.build().getDetails())
                .containsEntry(
                        "crypto",
                        Map.of(
                                "signatureProvider",
                                "accp",
                                "implementation",
                                "FakeNative 1.0",
                                "reason",
                                "auto: Amazon Corretto Crypto Provider loaded and healthy"));
    }

    @Test
    void contributeWhenFallbackThenJdkAndTheLoadingError() {
        Info.Builder builder = new Info.Builder();

        new CryptoInfoContributor(SignatureProvider.choose(CryptoProvider.AUTO, () -> {
                    throw new IllegalStateException("Unable to load native library");
                }))
                .contribute(builder);

        assertThat(builder.build().getDetails().get("crypto"))
                .isEqualTo(Map.of(
                        "signatureProvider",
                        "jdk",
                        "implementation",
                        "jdk",
                        "reason",
                        "auto: Amazon Corretto Crypto Provider not available (IllegalStateException: Unable to load "
                                + "native library)"));
    }
}
