package dualcore.bench.apps.tokens;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * DPoP-bound tokens and proofs minted ahead for {@code bench/compare.sh}'s {@code gw_dpop} case (RFC 9449): wrk
 * cannot sign, so every request takes the next proof of a file, each proof used once (the gateway's replay cache
 * refuses a second use). Written to {@code OUT_DIR/dpop/}:
 *
 * <ul>
 *   <li>{@code tokens.txt}: one RS256 access token per ES256 key, bound to it ({@code cnf.jkt} = the key's RFC 7638
 *       thumbprint), one per line;
 *   <li>{@code proofs.txt}: {@code <token line number> <proof>} per line, round robin over the keys: {@code typ}
 *       {@code dpop+jwt}, the public key in {@code jwk}, a unique {@code jti}, {@code htm} GET, {@code htu} the URL
 *       given, {@code iat} now, {@code ath} = base64url(SHA-256(token));
 *   <li>{@code probe-proofs.txt}: more of the same, for the script's probes (readiness, checks), never for wrk.
 * </ul>
 *
 * The private keys are never written.
 */
final class MintDpopProofs {

    /** Proofs signed per batch (in parallel), then written in order. */
    private static final int BATCH = 20_000;

    private final List<ECKey> keys = new ArrayList<>();

    private final List<JWSSigner> signers = new ArrayList<>();

    private final List<JWSHeader> headers = new ArrayList<>();

    private final List<String> tokenHashes = new ArrayList<>();

    private final String htu;

    private final SecureRandom random = new SecureRandom();

    private MintDpopProofs(String htu) {
        this.htu = htu;
    }

    /**
     * Writes {@code dpop/} under {@code out}.
     *
     * @param token mints an access token bound to the given thumbprint
     */
    static void write(Path out, Function<String, String> token, int keyCount, long proofs, int probes, String htu)
            throws IOException, JOSEException {
        MintDpopProofs minted = new MintDpopProofs(htu);
        Path dir = out.resolve("dpop");
        Files.createDirectories(dir);
        List<String> tokens = new ArrayList<>(keyCount);
        for (int i = 0; i < keyCount; i++) {
            ECKey key = new ECKeyGenerator(Curve.P_256).generate();
            String thumbprint = key.computeThumbprint().toString();
            String bound = token.apply(thumbprint);
            tokens.add(bound);
            minted.keys.add(key);
            minted.signers.add(new ECDSASigner(key));
            minted.headers.add(new JWSHeader.Builder(JWSAlgorithm.ES256)
                    .type(new JOSEObjectType("dpop+jwt"))
                    .jwk(key.toPublicJWK())
                    .build());
            minted.tokenHashes.add(sha256(bound));
        }
        Files.writeString(dir.resolve("tokens.txt"), String.join("\n", tokens) + "\n", StandardCharsets.US_ASCII);
        minted.writeProofs(dir.resolve("proofs.txt"), proofs);
        minted.writeProofs(dir.resolve("probe-proofs.txt"), probes);
        System.out.println("minted " + keyCount + " DPoP-bound tokens and " + proofs + " + " + probes
                + " ES256 proofs for htu " + htu);
    }

    private void writeProofs(Path file, long count) throws IOException {
        try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            for (long start = 0; start < count; start += BATCH) {
                long first = start;
                int size = (int) Math.min(BATCH, count - start);
                String[] lines = IntStream.range(0, size)
                        .parallel()
                        .mapToObj(i -> line(first + i))
                        .toArray(String[]::new);
                for (String line : lines) {
                    writer.write(line);
                    writer.write('\n');
                }
            }
        }
    }

    /** Proof number {@code n}, for the key {@code n mod keys}: {@code <token line number> <proof>}. */
    private String line(long n) {
        int key = (int) (n % this.keys.size());
        byte[] jti = new byte[16];
        this.random.nextBytes(jti);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .jwtID(Base64URL.encode(jti).toString())
                .claim("htm", "GET")
                .claim("htu", this.htu)
                .issueTime(Date.from(Instant.now()))
                .claim("ath", this.tokenHashes.get(key))
                .build();
        SignedJWT proof = new SignedJWT(this.headers.get(key), claims);
        try {
            proof.sign(this.signers.get(key));
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
        return (key + 1) + " " + proof.serialize();
    }

    /** base64url(SHA-256(ASCII(token))): the proof's {@code ath}. */
    private static String sha256(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
            return Base64URL.encode(digest).toString();
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
