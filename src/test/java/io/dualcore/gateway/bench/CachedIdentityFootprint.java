package io.dualcore.gateway.bench;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.VerifiedTokenCache;
import io.dualcore.gateway.identity.IdentityHeaders;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;

/**
 * Heap retained per cached identity (issue 28, "heap per 10,000 cached identities"): fills a verified-token cache
 * through the real authenticator with {@code N} distinct Keycloak-like RS256 tokens (realm and client roles, scopes,
 * e-mail and name claims), writes each identity's {@code X-Auth-*} headers once (so the precomputed header values
 * count too), drops the tokens, and compares the live heap after full collections before and after.
 *
 * <p>Run (SerialGC makes {@code System.gc()} a full, exact collection):
 * {@code java -XX:+UseSerialGC -Xmx512m -cp ... io.dualcore.gateway.bench.CachedIdentityFootprint [N]}.
 */
public final class CachedIdentityFootprint {

    private CachedIdentityFootprint() {}

    public static void main(String[] args) throws Exception {
        int n = (args.length > 0) ? Integer.parseInt(args[0]) : 10_000;
        TestChain chain = TestChain.create();
        VerifiedTokenCache cache = new VerifiedTokenCache(Math.max(100_000, n * 2L), Clock.systemUTC());
        TokenAuthenticator authenticator = new TokenAuthenticator(List.of(chain.realmA), cache, 8192);
        IdentityHeaders headers = new IdentityHeaders("X-Auth-");
        // one identity first, so that classes, JIT and the chain's own caches are in the baseline
        admit(authenticator, headers, 0);
        long before = liveHeap();
        int tokenLength = 0;
        for (int i = 1; i <= n; i++) {
            tokenLength = admit(authenticator, headers, i);
        }
        long after = liveHeap();
        long size = cache.size();
        System.out.printf(
                "identities cached: %d (token length %d chars)%nlive heap before: %d KiB, after: %d KiB%n"
                        + "retained: %.1f MiB per %d identities, %d bytes per identity%n",
                size,
                tokenLength,
                before / 1024,
                after / 1024,
                (after - before) / 1048576.0 * 10_000 / n,
                10_000,
                (after - before) / n);
        chain.keysA.close();
        chain.keysB.close();
        chain.keysEc.close();
    }

    private static int admit(TokenAuthenticator authenticator, IdentityHeaders headers, int i) {
        String token = TestChain.realmAToken()
                .claim("realm_access", Map.of("roles", List.of("user", "orders:read", "offline_access")))
                .claim("email", "user" + i + "@example.com")
                .claim("preferred_username", "user" + i)
                .claim("name", "User Number " + i)
                .claim("sid", java.util.UUID.randomUUID().toString())
                .sign();
        GatewayIdentity identity = authenticator.authenticate(token).block();
        if (identity == null) {
            throw new IllegalStateException("token " + i + " did not authenticate");
        }
        headers.write(identity, new HttpHeaders());
        return token.length();
    }

    private static long liveHeap() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
