package io.dualcore.gateway.auth.edge;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The published demo edge key: the default of {@code EDGE_HMAC_DEMO_KEY} in {@code config/application.yml},
 * {@code docker-compose.yml} and the Kubernetes ConfigMap, printed in the README. Anyone can mint edge tokens with
 * it, so outside the {@code demo} profile it is a loud startup warning and a {@code DEGRADED} readiness. It is
 * recognized by the SHA-256 of its secret (compared in constant time), whatever kid carries it; only that digest is
 * kept here, never the secret.
 */
public final class DemoEdgeKey {

    private static final Log logger = LogFactory.getLog(DemoEdgeKey.class);

    /** SHA-256 of the demo secret's bytes (the base64 value decoded). */
    private static final byte[] SECRET_SHA256 =
            HexFormat.of().parseHex("e64f4ca0ca1d98d050f37f5b759c2412d1cfa0f8f233dc4c7e6eb1a46661b8cc");

    /** The profile in which the demo key is expected. */
    public static final String DEMO_PROFILE = "demo";

    private DemoEdgeKey() {}

    static boolean matches(byte[] secretSha256) {
        return MessageDigest.isEqual(SECRET_SHA256, secretSha256);
    }

    /** The keys of the ring whose secret is the published demo key (usually none). */
    public static List<EdgeKeyRing.EdgeKey> in(EdgeKeyRing ring) {
        List<EdgeKeyRing.EdgeKey> found = new ArrayList<>(1);
        for (EdgeKeyRing.EdgeKey key : ring.keys()) {
            if (key.isDemoKey()) {
                found.add(key);
            }
        }
        return found;
    }

    /**
     * What an operator must read when the ring holds the demo key outside the demo profile: which kid, where it comes
     * from, and the fix; never the secret. {@code null} when there is nothing to say.
     */
    public static String warning(EdgeKeyRing ring) {
        List<EdgeKeyRing.EdgeKey> keys = in(ring);
        if (keys.isEmpty()) {
            return null;
        }
        String which = keys.stream()
                .map(key -> "kid=" + key.kid() + " (" + key.origin() + ")")
                .collect(Collectors.joining(", "));
        return "The edge key " + which + " is the published demo key: anyone can mint edge tokens this gateway"
                + " accepts. Set EDGE_HMAC_DEMO_KEY to a secret of your own (openssl rand -base64 32), or replace the"
                + " key in dualcore.auth.edge.keys / dualcore.auth.edge.key-directory; the demo key is meant for the '"
                + DEMO_PROFILE + "' profile only";
    }

    /** Logs {@link #warning} once as a WARN, unless the demo profile is active. */
    public static void warnOutsideDemo(EdgeKeyRing ring, boolean demoProfile) {
        String warning = demoProfile ? null : warning(ring);
        if (warning != null) {
            logger.warn(warning);
        }
    }
}
