package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.crypto.SignatureProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.util.Assert;

/**
 * {@code /actuator/info} {@code crypto}: the provider that verifies RSA and EC JWS signatures, its implementation and
 * why it was chosen (an operator asking "does this pod verify with ACCP?" needs no log search). Here, not in
 * {@code auth.crypto}: no actuator type in {@code auth}.
 */
public final class CryptoInfoContributor implements InfoContributor {

    private final SignatureProvider provider;

    public CryptoInfoContributor(SignatureProvider provider) {
        Assert.notNull(provider, "provider cannot be null");
        this.provider = provider;
    }

    @Override
    public void contribute(Info.Builder builder) {
        Map<String, Object> crypto = new LinkedHashMap<>();
        crypto.put("signatureProvider", this.provider.name());
        crypto.put("implementation", this.provider.implementation());
        crypto.put("reason", this.provider.reason());
        builder.withDetail("crypto", crypto);
    }
}
