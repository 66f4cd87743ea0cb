package io.dualcore.gateway.auth.dpop;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.crypto.SignatureProvider;
import io.dualcore.gateway.web.ErrorCode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.util.Assert;

/**
 * Verifies a DPoP proof JWT (RFC 9449 §4.3) with Nimbus: {@code typ} {@code dpop+jwt}, an asymmetric {@code alg}
 * from the allow-list, a public {@code jwk} only, the signature with that key, {@code jti}, {@code htm} equal to the
 * request method, {@code htu} equal to the request's canonical external URL without query and fragment, {@code iat}
 * within the proof lifetime (and the clock skew), and {@code ath} equal to base64url(SHA-256(access token)). The
 * replay check of {@code jti} and the key binding are the caller's ({@link DpopBinding}). Thread-safe.
 */
public final class DpopProofVerifier {

    private static final JOSEObjectType DPOP_TYPE = new JOSEObjectType("dpop+jwt");

    /** The asymmetric algorithms a proof may use (no EdDSA: it needs an optional dependency). */
    private static final Set<JWSAlgorithm> SUPPORTED = Set.of(
            JWSAlgorithm.ES256,
            JWSAlgorithm.ES384,
            JWSAlgorithm.ES512,
            JWSAlgorithm.PS256,
            JWSAlgorithm.PS384,
            JWSAlgorithm.PS512,
            JWSAlgorithm.RS256,
            JWSAlgorithm.RS384,
            JWSAlgorithm.RS512);

    private static final int MAX_JTI_LENGTH = 256;

    private final Set<JWSAlgorithm> algorithms;

    private final String algs;

    private final Clock clock;

    private final Duration lifetime;

    private final Duration skew;

    private final int maxProofLength;

    /** The server nonces every proof must carry, or {@code null} when nonces are off. */
    private final DpopNonces nonces;

    /** The JCA provider that verifies the proofs' signatures. */
    private final SignatureProvider signatureProvider;

    public DpopProofVerifier(DpopProperties properties, Clock clock) {
        this(properties, clock, SignatureProvider.jdk());
    }

    /**
     * @param properties the DPoP settings
     * @param clock the clock of {@code iat}
     * @param signatureProvider the JCA provider that verifies the proofs' RSA and EC signatures
     */
    public DpopProofVerifier(DpopProperties properties, Clock clock, SignatureProvider signatureProvider) {
        Assert.notNull(properties, "properties cannot be null");
        Assert.notNull(signatureProvider, "signatureProvider cannot be null");
        this.signatureProvider = signatureProvider;
        Assert.notEmpty(properties.algorithms(), "dualcore.auth.dpop.algorithms cannot be empty");
        Set<JWSAlgorithm> allowed = new LinkedHashSet<>();
        for (String name : properties.algorithms()) {
            JWSAlgorithm algorithm = JWSAlgorithm.parse(name);
            if (!SUPPORTED.contains(algorithm)) {
                throw new IllegalStateException("dualcore.auth.dpop.algorithms: " + name
                        + " is not a supported asymmetric algorithm; use some of " + SUPPORTED);
            }
            allowed.add(algorithm);
        }
        Assert.isTrue(
                !properties.proofLifetime().isNegative()
                        && !properties.proofLifetime().isZero(),
                "dualcore.auth.dpop.proof-lifetime must be positive");
        Assert.isTrue(!properties.clockSkew().isNegative(), "dualcore.auth.dpop.clock-skew cannot be negative");
        Assert.isTrue(properties.maxProofLength() > 0, "dualcore.auth.dpop.max-proof-length must be positive");
        this.algorithms = Set.copyOf(allowed);
        this.algs = String.join(" ", allowed.stream().map(JWSAlgorithm::getName).toList());
        this.clock = clock;
        this.lifetime = properties.proofLifetime();
        this.skew = properties.clockSkew();
        this.maxProofLength = properties.maxProofLength();
        this.nonces = properties.nonce().enabled() ? new DpopNonces(properties.nonce(), clock) : null;
    }

    /** The server nonces, or {@code null} when proofs need none. */
    public DpopNonces nonces() {
        return this.nonces;
    }

    /** The accepted algorithms, space-separated, as the challenge's {@code algs} (RFC 9449 §7.1). */
    public String algs() {
        return this.algs;
    }

    /** How long a proof's {@code jti} must be remembered after its {@code iat}. */
    public Duration replayWindow() {
        return this.lifetime.plus(this.skew);
    }

    /**
     * Verifies a proof for one request.
     *
     * @param proof the {@code DPoP} header's value
     * @param method the request method
     * @param htu the request's canonical external URL, without query and fragment
     * @param accessToken the access token the request carries
     * @throws TokenRejectedException {@code invalid_dpop_proof} when any check fails
     */
    public DpopProof verify(String proof, String method, String htu, String accessToken) {
        if (proof == null || proof.isEmpty()) {
            throw invalid("The request carries no DPoP proof");
        }
        if (proof.length() > this.maxProofLength) {
            throw invalid("The DPoP proof is too long");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(proof);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException | RuntimeException ex) {
            throw invalid("The DPoP proof is not a signed JWT");
        }
        JWSHeader header = jwt.getHeader();
        if (!DPOP_TYPE.equals(header.getType())) {
            throw invalid("The DPoP proof's typ is not dpop+jwt");
        }
        if (!this.algorithms.contains(header.getAlgorithm())) {
            throw invalid("The DPoP proof's algorithm is not accepted");
        }
        JWK jwk = header.getJWK();
        if (jwk == null) {
            throw invalid("The DPoP proof has no jwk header");
        }
        if (jwk.isPrivate()) {
            throw invalid("The DPoP proof's jwk is not a public key");
        }
        verifySignature(jwt, header.getAlgorithm(), jwk);
        String jti = text(claims, "jti");
        if (jti == null || jti.isEmpty() || jti.length() > MAX_JTI_LENGTH) {
            throw invalid("The DPoP proof has no valid jti");
        }
        String htm = text(claims, "htm");
        if (htm == null || !htm.equals(method)) {
            throw invalid("The DPoP proof's htm is not the request method");
        }
        String claimedHtu = text(claims, "htu");
        if (claimedHtu == null || !htu.equals(normalized(claimedHtu))) {
            throw invalid("The DPoP proof's htu is not the request URL");
        }
        Instant issuedAt = issuedAt(claims);
        Instant now = this.clock.instant();
        if (issuedAt.isAfter(now.plus(this.skew))) {
            throw invalid("The DPoP proof is issued in the future");
        }
        if (issuedAt.isBefore(now.minus(this.lifetime).minus(this.skew))) {
            throw invalid("The DPoP proof is too old");
        }
        String ath = text(claims, "ath");
        if (ath == null
                || !MessageDigest.isEqual(
                        ath.getBytes(StandardCharsets.US_ASCII),
                        accessTokenHash(accessToken).getBytes(StandardCharsets.US_ASCII))) {
            throw invalid("The DPoP proof's ath does not match the access token");
        }
        // last: a proof that is wrong otherwise is not worth a retry with a nonce (RFC 9449 §8)
        if (this.nonces != null && !this.nonces.accepts(text(claims, "nonce"))) {
            throw new TokenRejectedException(
                    ErrorCode.USE_DPOP_NONCE, "The DPoP proof must carry the server's current nonce (DPoP-Nonce)");
        }
        String thumbprint;
        try {
            thumbprint = jwk.computeThumbprint("SHA-256").toString();
        } catch (JOSEException ex) {
            throw invalid("The DPoP proof's jwk has no thumbprint");
        }
        return new DpopProof(thumbprint, jti, issuedAt);
    }

    private void verifySignature(SignedJWT jwt, JWSAlgorithm algorithm, JWK jwk) {
        boolean valid;
        try {
            JWSVerifier verifier;
            if (JWSAlgorithm.Family.EC.contains(algorithm) && jwk instanceof ECKey ec) {
                verifier = new ECDSAVerifier(ec);
            } else if (JWSAlgorithm.Family.RSA.contains(algorithm) && jwk instanceof RSAKey rsa) {
                verifier = new RSASSAVerifier(rsa);
            } else {
                throw invalid("The DPoP proof's jwk does not fit its algorithm");
            }
            this.signatureProvider.applyTo(verifier.getJCAContext());
            valid = jwt.verify(verifier);
        } catch (JOSEException | RuntimeException ex) {
            if (ex instanceof TokenRejectedException rejected) {
                throw rejected;
            }
            throw invalid("The DPoP proof's signature cannot be verified");
        }
        if (!valid) {
            throw invalid("The DPoP proof's signature is invalid");
        }
    }

    private static String text(JWTClaimsSet claims, String name) {
        Object value = claims.getClaim(name);
        return (value instanceof String string) ? string : null;
    }

    private static Instant issuedAt(JWTClaimsSet claims) {
        Object value = claims.getClaim("iat");
        if (!(value instanceof Date date)) {
            throw invalid("The DPoP proof has no valid iat");
        }
        return date.toInstant();
    }

    /** base64url(SHA-256(ASCII(token))), the {@code ath} of RFC 9449 §4.2. */
    public static String accessTokenHash(String accessToken) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            return Base64URL.encode(sha256.digest(accessToken.getBytes(StandardCharsets.US_ASCII)))
                    .toString();
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * The URL a proof names, normalized as RFC 9449 §4.3 asks (RFC 3986 §6.2.2–6.2.3): scheme and host in lower case,
     * the default port dropped, an empty path as {@code /}, query and fragment ignored.
     *
     * @return the normalized URL, or {@code ""} when it is not an absolute http(s) URL (matching nothing)
     */
    public static String normalized(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException ex) {
            return "";
        }
        return canonical(uri.getScheme(), uri.getHost(), uri.getPort(), uri.getRawPath());
    }

    /**
     * A canonical external URL: {@code scheme://host[:port]path}, lower-case scheme and host, no default port.
     *
     * @return the URL, or {@code ""} when scheme or host is missing or the scheme is not http(s)
     */
    public static String canonical(String scheme, String host, int port, String rawPath) {
        if (scheme == null || host == null || host.isEmpty()) {
            return "";
        }
        String lowerScheme = scheme.toLowerCase(Locale.ROOT);
        boolean https = "https".equals(lowerScheme);
        if (!https && !"http".equals(lowerScheme)) {
            return "";
        }
        StringBuilder out =
                new StringBuilder(64).append(lowerScheme).append("://").append(host.toLowerCase(Locale.ROOT));
        if (port >= 0 && port != (https ? 443 : 80)) {
            out.append(':').append(port);
        }
        out.append((rawPath == null || rawPath.isEmpty()) ? "/" : rawPath);
        return out.toString();
    }

    private static TokenRejectedException invalid(String description) {
        return new TokenRejectedException(ErrorCode.INVALID_DPOP_PROOF, description);
    }

    /** The accepted algorithms. */
    public List<String> algorithms() {
        return this.algorithms.stream().map(JWSAlgorithm::getName).toList();
    }
}
