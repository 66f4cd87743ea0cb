package io.dualcore.gateway.auth.dpop;

import com.nimbusds.jose.util.Base64URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * Stateless server nonces for DPoP proofs (RFC 9449 §8): the nonce of a time window is base64url(HMAC-SHA256(secret,
 * window number)), truncated to 128 bits. The current and the previous window's nonce are accepted, so a client that
 * just fetched a nonce is not refused at a window's boundary. Nothing is stored; gateways that share the secret
 * share the nonces.
 */
public final class DpopNonces {

    private static final int MIN_SECRET_BYTES = 32;

    private final SecretKeySpec key;

    private final Clock clock;

    private final long rotationMillis;

    /** The last window computed and its nonce: most requests of a window reuse it. */
    private volatile Window last = new Window(Long.MIN_VALUE, "");

    private record Window(long number, String nonce) {}

    /**
     * @param settings the nonce settings; {@code secret} empty means a random secret of this instance
     */
    public DpopNonces(DpopProperties.Nonce settings, Clock clock) {
        Assert.notNull(settings, "settings cannot be null");
        Assert.notNull(clock, "clock cannot be null");
        Duration rotation = settings.rotation();
        Assert.isTrue(
                rotation != null && rotation.toMillis() >= 1000,
                "dualcore.auth.dpop.nonce.rotation must be at least 1s");
        byte[] secret;
        if (StringUtils.hasText(settings.secret())) {
            try {
                secret = Base64.getDecoder().decode(settings.secret().trim());
            } catch (IllegalArgumentException ex) {
                throw new IllegalStateException("dualcore.auth.dpop.nonce.secret is not base64; generate one with"
                        + " `openssl rand -base64 32`");
            }
            if (secret.length < MIN_SECRET_BYTES) {
                throw new IllegalStateException("dualcore.auth.dpop.nonce.secret has " + secret.length
                        + " bytes; it needs at least " + MIN_SECRET_BYTES + " (generate one with"
                        + " `openssl rand -base64 32`)");
            }
        } else {
            secret = new byte[MIN_SECRET_BYTES];
            new SecureRandom().nextBytes(secret);
        }
        this.key = new SecretKeySpec(secret, "HmacSHA256");
        this.clock = clock;
        this.rotationMillis = rotation.toMillis();
    }

    /** The nonce clients must use now. */
    public String current() {
        long window = Math.floorDiv(this.clock.millis(), this.rotationMillis);
        Window known = this.last;
        if (known.number() == window) {
            return known.nonce();
        }
        String nonce = nonce(window);
        this.last = new Window(window, nonce);
        return nonce;
    }

    /** Whether a proof's nonce is the current or the previous window's. */
    public boolean accepts(String nonce) {
        if (nonce == null || nonce.isEmpty() || nonce.length() > 64) {
            return false;
        }
        long window = Math.floorDiv(this.clock.millis(), this.rotationMillis);
        return same(nonce, current()) || same(nonce, nonce(window - 1));
    }

    private static boolean same(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }

    private String nonce(long window) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(this.key);
            byte[] digest =
                    mac.doFinal(ByteBuffer.allocate(Long.BYTES).putLong(window).array());
            byte[] truncated = new byte[16];
            System.arraycopy(digest, 0, truncated, 0, truncated.length);
            return Base64URL.encode(truncated).toString();
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HmacSHA256 is not available", ex);
        }
    }
}
