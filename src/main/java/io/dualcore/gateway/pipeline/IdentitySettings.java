package io.dualcore.gateway.pipeline;

import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.identity.IdentityProperties;
import java.util.List;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

/**
 * What one configuration hands over with and strips ({@code dualcore.identity}, {@code dualcore.credentials}): the
 * identity header contract (names, and the reserved namespace: its prefix and those earlier reloads retired), the
 * gateway-wide credential carriers, the identity assertion's issuer and lifetime, and the largest form body read for
 * a token. Part of the configuration a request is pinned to ({@link ConfigurationPin#identitySettings}), so a reload
 * changes them for whole requests only.
 *
 * @param headers the identity header names and the reserved namespace
 * @param credentials the gateway-wide credential carriers (a route narrows them by what it forwards)
 * @param assertion the identity assertion's issuer and lifetime (its signing key rotation is the startup one)
 * @param maxFormSize the largest form body read for an {@code access_token} parameter, in bytes
 */
public record IdentitySettings(
        IdentityHeaders headers,
        CredentialCarriers credentials,
        IdentityProperties.Assertion assertion,
        int maxFormSize) {

    public IdentitySettings {
        Assert.notNull(headers, "headers cannot be null");
        Assert.notNull(credentials, "credentials cannot be null");
        Assert.notNull(assertion, "assertion cannot be null");
        Assert.isTrue(maxFormSize > 0, "maxFormSize must be positive");
    }

    /**
     * Checks and compiles the settings.
     *
     * @param previous the settings of the configuration in force, or {@code null} at startup: an unchanged prefix
     *     keeps its {@link IdentityHeaders} (and the header blocks memoized on cached identities); a changed one is
     *     retired but stays reserved, with every prefix retired before, until a restart
     * @throws IllegalStateException naming the property and the problem
     */
    public static IdentitySettings of(
            IdentityProperties identity, CredentialsProperties credentials, IdentitySettings previous) {
        Assert.notNull(identity, "identity cannot be null");
        Assert.notNull(credentials, "credentials cannot be null");
        String prefix = identity.headerPrefix();
        if (!StringUtils.hasText(prefix) || !prefix.equals(prefix.strip())) {
            throw new IllegalStateException("dualcore.identity.header-prefix must be a header name prefix without"
                    + " spaces (the default is X-Auth-), not '" + prefix + "'");
        }
        IdentityProperties.Assertion assertion = identity.assertion();
        if (assertion.ttl() == null
                || assertion.ttl().isNegative()
                || assertion.ttl().isZero()) {
            throw new IllegalStateException("dualcore.identity.assertion.ttl must be positive, not " + assertion.ttl()
                    + "; the default is 60s");
        }
        if (!StringUtils.hasText(assertion.issuer())) {
            throw new IllegalStateException(
                    "dualcore.identity.assertion.issuer is empty; the default is dualcore-gateway");
        }
        return new IdentitySettings(
                headers(prefix, previous), CredentialCarriers.of(credentials), assertion, maxFormSize(credentials));
    }

    private static IdentityHeaders headers(String prefix, IdentitySettings previous) {
        if (previous == null) {
            return new IdentityHeaders(prefix);
        }
        IdentityHeaders before = previous.headers();
        if (before.prefix().equals(prefix)) {
            return before;
        }
        // the old prefixes stay reserved: an upstream still reading one must never get a client's header as identity
        List<String> retired = before.reservedPrefixes();
        return new IdentityHeaders(prefix, retired);
    }

    /**
     * {@code dualcore.credentials.max-form-size} in bytes.
     *
     * @throws IllegalStateException when it is not between 1 byte and 2 GB
     */
    public static int maxFormSize(CredentialsProperties credentials) {
        DataSize size = credentials.maxFormSize();
        long bytes = size.toBytes();
        if (bytes <= 0 || bytes > Integer.MAX_VALUE) {
            throw new IllegalStateException("dualcore.credentials.max-form-size must be between 1B and 2GB, not " + size
                    + "; the default is 64KB");
        }
        return (int) bytes;
    }
}
