package io.dualcore.gateway.auth.edge;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import io.dualcore.gateway.auth.AuthProperties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * The HMAC keys that sign edge tokens, by {@code kid}. Each key is pinned to one algorithm and may carry a
 * validity window so that an old and a new key overlap during rotation. Built once at startup, failing with a
 * message that names the key and the fix when a key is unusable.
 */
public final class EdgeKeyRing {

    private static final Set<String> ALGORITHMS = Set.of("HS256", "HS384", "HS512");

    private final Map<String, EdgeKey> keys;

    private EdgeKeyRing(Map<String, EdgeKey> keys) {
        this.keys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keys));
    }

    /**
     * Loads and validates the configured keys.
     *
     * @throws InvalidEdgeKeyException naming the key and what is wrong with it
     */
    public static EdgeKeyRing of(List<AuthProperties.EdgeKey> configured) {
        List<String> origins = new ArrayList<>();
        for (int i = 0; i < configured.size(); i++) {
            origins.add("dualcore.auth.edge.keys[" + i + "]");
        }
        return of(configured, origins);
    }

    /**
     * Loads and validates keys from several origins (inline configuration, key files).
     *
     * @param origins where each key comes from (a property or a file), used in messages
     * @throws InvalidEdgeKeyException naming the origin of the key and what is wrong with it
     */
    public static EdgeKeyRing of(List<AuthProperties.EdgeKey> configured, List<String> origins) {
        Assert.isTrue(configured.size() == origins.size(), "one origin per key");
        Map<String, EdgeKey> keys = new LinkedHashMap<>();
        List<byte[]> secrets = new ArrayList<>();
        for (int i = 0; i < configured.size(); i++) {
            AuthProperties.EdgeKey key = configured.get(i);
            String where = origins.get(i);
            if (!StringUtils.hasText(key.kid())) {
                throw new InvalidEdgeKeyException(where + ": kid is required");
            }
            where = where + " (kid=" + key.kid() + ")";
            String algorithm = (key.algorithm() != null) ? key.algorithm().toUpperCase() : "HS256";
            if (!ALGORITHMS.contains(algorithm)) {
                throw new InvalidEdgeKeyException(
                        where + ": algorithm " + key.algorithm() + " is not supported; use HS256, HS384 or HS512");
            }
            byte[] secret = secretOf(key, where);
            int minimum = minimumSecretBytes(algorithm);
            if (secret.length < minimum) {
                throw new InvalidEdgeKeyException(where + ": the secret is " + secret.length + " bytes; " + algorithm
                        + " needs at least " + minimum + " bytes (RFC 7518 §3.2). Generate one with: openssl rand"
                        + " -base64 " + minimum);
            }
            for (byte[] other : secrets) {
                if (MessageDigest.isEqual(other, secret)) {
                    throw new InvalidEdgeKeyException(
                            where + ": the secret is the same as another key's; every kid needs its own secret");
                }
            }
            if (key.notBefore() != null
                    && key.notAfter() != null
                    && !key.notBefore().isBefore(key.notAfter())) {
                throw new InvalidEdgeKeyException(where + ": not-before must be earlier than not-after");
            }
            if (keys.containsKey(key.kid())) {
                throw new InvalidEdgeKeyException(where + ": the kid is configured twice; kids must be unique");
            }
            secrets.add(secret);
            keys.put(
                    key.kid(),
                    new EdgeKey(
                            key.kid(),
                            JWSAlgorithm.parse(algorithm),
                            secret,
                            key.notBefore(),
                            key.notAfter(),
                            origins.get(i)));
        }
        return new EdgeKeyRing(keys);
    }

    /**
     * The decoded secret of a configured key (for the admin command line, which mints tokens with it).
     *
     * @param where the key's origin, for messages
     * @throws InvalidEdgeKeyException when the secret is missing, unreadable or not base64
     */
    public static byte[] secretOf(AuthProperties.EdgeKey key, String where) {
        boolean inline = StringUtils.hasText(key.secret());
        if (inline == (key.secretFile() != null)) {
            throw new InvalidEdgeKeyException(
                    where + ": set exactly one of secret (base64, from an env var) or secret-file");
        }
        String encoded;
        if (inline) {
            encoded = key.secret();
        } else {
            try {
                encoded = Files.readString(key.secretFile(), StandardCharsets.US_ASCII);
            } catch (IOException | RuntimeException ex) {
                throw new InvalidEdgeKeyException(where + ": the secret file " + key.secretFile() + " cannot be read ("
                        + ex.getClass().getSimpleName() + ")");
            }
        }
        encoded = encoded.strip();
        try {
            return (encoded.indexOf('-') >= 0 || encoded.indexOf('_') >= 0)
                    ? Base64.getUrlDecoder().decode(encoded)
                    : Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException ex) {
            throw new InvalidEdgeKeyException(where + ": the secret is not valid base64");
        }
    }

    private static int minimumSecretBytes(String algorithm) {
        return Integer.parseInt(algorithm.substring(2)) / 8;
    }

    private static byte[] sha256(byte[] secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret);
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", ex);
        }
    }

    /** The keys, in configuration order. */
    public java.util.Collection<EdgeKey> keys() {
        return this.keys.values();
    }

    /** The key with this id, or {@code null}. */
    public EdgeKey get(String kid) {
        return (kid != null) ? this.keys.get(kid) : null;
    }

    public boolean isEmpty() {
        return this.keys.isEmpty();
    }

    public Set<String> keyIds() {
        return this.keys.keySet();
    }

    /** One key of the ring; its secret never appears in {@link #toString()}. */
    public static final class EdgeKey {

        private final String kid;

        private final JWSAlgorithm algorithm;

        private final MACVerifier verifier;

        private final Instant notBefore;

        private final Instant notAfter;

        private final byte[] digest;

        private final String origin;

        EdgeKey(String kid, JWSAlgorithm algorithm, byte[] secret, Instant notBefore, Instant notAfter, String origin) {
            this.kid = kid;
            this.origin = origin;
            this.digest = sha256(secret);
            this.algorithm = algorithm;
            this.notBefore = notBefore;
            this.notAfter = notAfter;
            try {
                this.verifier = new MACVerifier(secret);
            } catch (JOSEException ex) {
                throw new InvalidEdgeKeyException("kid=" + kid + ": the secret is not a usable HMAC key");
            }
        }

        public String kid() {
            return this.kid;
        }

        public JWSAlgorithm algorithm() {
            return this.algorithm;
        }

        MACVerifier verifier() {
            return this.verifier;
        }

        public Instant notBefore() {
            return this.notBefore;
        }

        public Instant notAfter() {
            return this.notAfter;
        }

        /** Whether both keys are the same secret for the same algorithm (compared by digest, in constant time). */
        public boolean sameSecretAs(EdgeKey other) {
            return this.algorithm.equals(other.algorithm) && MessageDigest.isEqual(this.digest, other.digest);
        }

        /** Where the key comes from: a property ({@code dualcore.auth.edge.keys[0]}) or a key file. */
        public String origin() {
            return this.origin;
        }

        /** Whether the secret is the published demo key ({@link DemoEdgeKey}), compared by digest. */
        public boolean isDemoKey() {
            return DemoEdgeKey.matches(this.digest);
        }

        /** Whether the key verifies tokens at this instant. */
        public boolean activeAt(Instant instant) {
            return (this.notBefore == null || !instant.isBefore(this.notBefore))
                    && (this.notAfter == null || instant.isBefore(this.notAfter));
        }

        @Override
        public String toString() {
            return "EdgeKey[kid=" + this.kid + ", algorithm=" + this.algorithm + "]";
        }
    }
}
