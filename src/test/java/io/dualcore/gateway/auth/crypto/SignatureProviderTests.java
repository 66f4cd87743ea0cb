package io.dualcore.gateway.auth.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import java.security.Provider;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The choice of the JWS signature provider: setting, fallback, fail-closed loading, and how it is reported. */
class SignatureProviderTests {

    /** Stands in for a healthy ACCP without touching the real one. */
    private static final Provider HEALTHY = new Provider("FakeNative", "1.0", "a provider that loaded") {};

    @Test
    void chooseWhenJdkThenJdkProviderAndNativeProviderNeverLoaded() {
        AtomicInteger loads = new AtomicInteger();

        SignatureProvider chosen = SignatureProvider.choose(CryptoProvider.JDK, () -> {
            loads.incrementAndGet();
            return HEALTHY;
        });

        assertThat(chosen.name()).isEqualTo(SignatureProvider.JDK);
        assertThat(chosen.provider()).as("null: the JCA's ordinary look-up").isNull();
        assertThat(chosen.reason()).isEqualTo("dualcore.crypto.provider=jdk");
        assertThat(loads).hasValue(0);
    }

    @Test
    void chooseWhenAutoAndNativeProviderHealthyThenIt() {
        SignatureProvider chosen = SignatureProvider.choose(CryptoProvider.AUTO, () -> HEALTHY);

        assertThat(chosen.name()).isEqualTo(SignatureProvider.ACCP);
        assertThat(chosen.provider()).isSameAs(HEALTHY);
        assertThat(chosen.reason()).startsWith("auto:");
        assertThat(chosen.implementation()).isEqualTo("FakeNative 1.0");
    }

    @Test
    void chooseWhenAutoAndNativeProviderFailedToLoadThenJdkWithTheReason() {
        SignatureProvider chosen = SignatureProvider.choose(CryptoProvider.AUTO, () -> {
            throw new IllegalStateException("Couldn't load native library");
        });

        assertThat(chosen.name()).isEqualTo(SignatureProvider.JDK);
        assertThat(chosen.provider()).isNull();
        assertThat(chosen.reason())
                .startsWith("auto: Amazon Corretto Crypto Provider not available")
                .contains("Couldn't load native library");
    }

    @Test
    void chooseWhenAutoAndNativeLibraryCannotLinkThenJdk() {
        Callable<Provider> unlinkable = () -> {
            throw new UnsatisfiedLinkError("no amazonCorrettoCryptoProvider in java.library.path");
        };

        SignatureProvider chosen = SignatureProvider.choose(CryptoProvider.AUTO, unlinkable);

        assertThat(chosen.name()).isEqualTo(SignatureProvider.JDK);
        assertThat(chosen.reason()).contains("UnsatisfiedLinkError");
    }

    @Test
    void chooseWhenAutoAndNoProviderReturnedThenJdk() {
        assertThat(SignatureProvider.choose(CryptoProvider.AUTO, () -> null).name())
                .isEqualTo(SignatureProvider.JDK);
    }

    @Test
    void chooseWhenAccpRequiredAndItCannotLoadThenStartupErrorNamingTheSetting() {
        assertThatIllegalStateException()
                .isThrownBy(() -> SignatureProvider.choose(CryptoProvider.ACCP, () -> {
                    throw new IllegalStateException("self-test failed");
                }))
                .withMessageContaining("dualcore.crypto.provider=accp")
                .withMessageContaining("self-test failed")
                .withMessageContaining("dualcore.crypto.provider=auto");
    }

    @Test
    void chooseWhenAccpRequiredAndHealthyThenIt() {
        SignatureProvider chosen = SignatureProvider.choose(CryptoProvider.ACCP, () -> HEALTHY);

        assertThat(chosen.provider()).isSameAs(HEALTHY);
        assertThat(chosen.reason()).isEqualTo("dualcore.crypto.provider=accp");
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void chooseWhenAutoOnLinuxX8664ThenTheShippedAccpLoadsAndIsChosen() {
        SignatureProvider chosen = SignatureProvider.choose(CryptoProvider.AUTO);

        assertThat(chosen.reason()).isEqualTo("auto: Amazon Corretto Crypto Provider loaded and healthy");
        assertThat(chosen.provider()).isSameAs(AmazonCorrettoCryptoProvider.INSTANCE);
        assertThat(AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError()).isNull();
        assertThat(java.security.Security.getProvider(AmazonCorrettoCryptoProvider.PROVIDER_NAME))
                .as("never installed globally: TLS, HMAC and key generation stay on the JDK")
                .isNull();
    }

    @Test
    void applyToWhenChosenThenNimbusFactoryUsesTheProvider() {
        DefaultJWSVerifierFactory factory = new DefaultJWSVerifierFactory();

        SignatureProvider.choose(CryptoProvider.AUTO, () -> HEALTHY).applyTo(factory.getJCAContext());
        assertThat(factory.getJCAContext().getProvider()).isSameAs(HEALTHY);

        SignatureProvider.jdk().applyTo(factory.getJCAContext());
        assertThat(factory.getJCAContext().getProvider()).isNull();
    }

    @Test
    void recordWhenProviderAndNameDisagreeThenRefused() {
        assertThatThrownBy(() -> new SignatureProvider(SignatureProvider.JDK, HEALTHY, "why"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SignatureProvider(SignatureProvider.ACCP, null, "why"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bindWhenUnsetThenAutoAndWhenSetThenThatValue() {
        assertThat(bind(Map.of()).provider()).isEqualTo(CryptoProvider.AUTO);
        assertThat(bind(Map.of("dualcore.crypto.provider", "jdk")).provider()).isEqualTo(CryptoProvider.JDK);
        assertThat(bind(Map.of("dualcore.crypto.provider", "accp")).provider()).isEqualTo(CryptoProvider.ACCP);
        assertThatThrownBy(() -> bind(Map.of("dualcore.crypto.provider", "bouncycastle")))
                .isInstanceOf(BindException.class);
    }

    private static CryptoProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values))
                .bindOrCreate("dualcore.crypto", CryptoProperties.class);
    }
}
