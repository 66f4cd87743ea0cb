package io.dualcore.gateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import io.dualcore.gateway.web.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Map;
import java.util.Set;
import org.springframework.util.Assert;

/**
 * A bearer token that passed the structural checks every verifier relies on: a compact JWS (RFC 7515 §7.1) with
 * a signature, an allowed-looking header and a JSON claims set with an {@code iss}. No signature has been checked
 * yet; verifiers claim a parsed token by its issuer and algorithm.
 */
public final class ParsedToken {

    /** Header parameters that carry or point to keys: a token never chooses its own verification key. */
    private static final Set<String> KEY_CARRYING_HEADERS = Set.of("jwk", "jku", "x5u", "x5c");

    private static final int MAX_KID_LENGTH = 256;

    /** RFC 4648 §5 without padding, as RFC 7515 §2 requires: a look-up per character of a token of ~1 KB. */
    private static final boolean[] BASE64URL_ALPHABET = base64UrlAlphabet();

    /** The compact serialization as received. */
    private final String serialized;

    /** Where the signing input (RFC 7515 §5.2: the header and payload parts with their dot) ends. */
    private final int signingInputEnd;

    private final JWSHeader header;

    private final Base64URL signature;

    private final JWTClaimsSet claims;

    /** Whether {@code sub} is absent or a JSON string (Nimbus turns a JSON number into text; RFC 7519 does not). */
    private final boolean subjectIsText;

    private ParsedToken(
            String serialized,
            int signingInputEnd,
            JWSHeader header,
            Base64URL signature,
            JWTClaimsSet claims,
            boolean subjectIsText) {
        this.serialized = serialized;
        this.signingInputEnd = signingInputEnd;
        this.header = header;
        this.signature = signature;
        this.claims = claims;
        this.subjectIsText = subjectIsText;
    }

    /**
     * Parses a bearer token, rejecting anything that is not a plain signed compact JWS.
     *
     * @throws TokenRejectedException with the precise reason
     */
    public static ParsedToken parse(String token, int maxLength) {
        Assert.notNull(token, "token cannot be null");
        if (token.length() > maxLength) {
            throw reject(ErrorCode.MALFORMED_TOKEN, "The token is longer than " + maxLength + " characters");
        }
        int dots = 0;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c == '.') {
                dots++;
            } else if (!isBase64Url(c)) {
                throw reject(
                        ErrorCode.MALFORMED_TOKEN,
                        c == '{'
                                ? "JWS JSON serialization is not accepted; send a compact JWS"
                                : "The token is not a compact JWS (unexpected character)");
            }
        }
        if (dots == 4) {
            throw reject(ErrorCode.UNSUPPORTED_TOKEN, "Encrypted tokens (JWE) are not accepted");
        }
        if (dots != 2) {
            throw reject(ErrorCode.MALFORMED_TOKEN, "The token is not a compact JWS (expected three parts)");
        }
        int first = token.indexOf('.');
        int second = token.indexOf('.', first + 1);
        if (first == 0 || second == first + 1) {
            throw reject(ErrorCode.MALFORMED_TOKEN, "The token has an empty header or payload");
        }
        Base64URL headerPart = new Base64URL(token.substring(0, first));
        Map<String, Object> headerJson = TokenJson.parseObject(headerPart.toString(), "header");
        checkHeader(headerJson);
        if (second == token.length() - 1) {
            throw reject(ErrorCode.INVALID_SIGNATURE, "The token is not signed");
        }
        JWSHeader header;
        try {
            // from the one parse above: Nimbus' SignedJWT would decode and parse the header again
            header = JWSHeader.parse(headerJson, headerPart);
        } catch (ParseException ex) {
            throw reject(ErrorCode.MALFORMED_TOKEN, "The token header is not a valid JWS header");
        }
        Map<String, Object> payload = TokenJson.parseObject(token.substring(first + 1, second), "payload");
        Object subject = payload.get("sub");
        boolean subjectIsText = subject == null || subject instanceof String;
        if (!subjectIsText) {
            // Nimbus would turn a number into text and refuse other types as malformed; the verifier refuses it as
            // invalid_claim after the signature (subject())
            payload.remove("sub");
        }
        JWTClaimsSet claims;
        try {
            claims = JWTClaimsSet.parse(payload);
        } catch (ParseException ex) {
            throw reject(ErrorCode.MALFORMED_TOKEN, "The token payload is not a valid JWT claims set");
        }
        Object issuer = claims.getClaim("iss");
        if (!(issuer instanceof String text) || text.isEmpty()) {
            throw reject(ErrorCode.MISSING_CLAIM, "The token has no iss claim");
        }
        return new ParsedToken(
                token, second, header, new Base64URL(token.substring(second + 1)), claims, subjectIsText);
    }

    private static void checkHeader(Map<String, Object> header) {
        Object alg = header.get("alg");
        if (!(alg instanceof String algorithm) || algorithm.isEmpty()) {
            throw reject(ErrorCode.MALFORMED_TOKEN, "The token header has no alg");
        }
        if (algorithm.trim().equalsIgnoreCase("none")) {
            throw reject(ErrorCode.ALGORITHM_NOT_ALLOWED, "Unsigned tokens (alg none) are never accepted");
        }
        if (header.containsKey("enc")) {
            throw reject(ErrorCode.UNSUPPORTED_TOKEN, "Encrypted tokens (JWE) are not accepted");
        }
        for (String name : KEY_CARRYING_HEADERS) {
            if (header.containsKey(name)) {
                throw reject(
                        ErrorCode.UNSUPPORTED_TOKEN,
                        "Tokens that carry or point to their own keys (jwk, jku, x5u, x5c) are not accepted");
            }
        }
        if (header.containsKey("crit") || header.containsKey("b64")) {
            throw reject(ErrorCode.UNSUPPORTED_TOKEN, "Critical header extensions (crit, b64) are not accepted");
        }
        Object kid = header.get("kid");
        if (kid != null && !(kid instanceof String text && isValidKeyId(text))) {
            throw reject(ErrorCode.MALFORMED_TOKEN, "The kid header is not a valid key id");
        }
    }

    private static boolean isValidKeyId(String kid) {
        if (kid.isEmpty() || kid.length() > MAX_KID_LENGTH) {
            return false;
        }
        for (int i = 0; i < kid.length(); i++) {
            char c = kid.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static boolean isBase64Url(char c) {
        return c < BASE64URL_ALPHABET.length && BASE64URL_ALPHABET[c];
    }

    private static boolean[] base64UrlAlphabet() {
        boolean[] alphabet = new boolean[128];
        for (char c = 'A'; c <= 'Z'; c++) {
            alphabet[c] = true;
            alphabet[Character.toLowerCase(c)] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            alphabet[c] = true;
        }
        alphabet['-'] = true;
        alphabet['_'] = true;
        return alphabet;
    }

    private static TokenRejectedException reject(ErrorCode code, String description) {
        return new TokenRejectedException(code, description);
    }

    /**
     * Checks the signature with a verifier for one key, as Nimbus' {@code JWSObject.verify} does: the verifier sees
     * the parsed header, the signing input (the header and payload parts as received: {@code b64} is refused, so the
     * payload part is always the base64url encoding the signature covers) and the signature part.
     *
     * @return whether the signature is valid for the verifier's key
     * @throws JOSEException when the verifier cannot check it (an algorithm its key does not fit, an unusable key)
     */
    public boolean verify(JWSVerifier verifier) throws JOSEException {
        byte[] signingInput = this.serialized.substring(0, this.signingInputEnd).getBytes(StandardCharsets.US_ASCII);
        try {
            return verifier.verify(this.header, signingInput, this.signature);
        } catch (JOSEException ex) {
            throw ex;
        } catch (RuntimeException ex) {
            throw new JOSEException(ex.getMessage(), ex);
        }
    }

    /** The token as received (its compact serialization). */
    public String serialized() {
        return this.serialized;
    }

    public JWSHeader header() {
        return this.header;
    }

    public JWSAlgorithm algorithm() {
        return this.header.getAlgorithm();
    }

    /** The {@code kid} header, or {@code null}. */
    public String keyId() {
        return this.header.getKeyID();
    }

    public JWTClaimsSet claims() {
        return this.claims;
    }

    /**
     * The {@code sub} claim: a non-empty JSON string (RFC 7519 §4.1.2), checked after the signature by the verifiers.
     *
     * @throws TokenRejectedException {@code missing_claim} when absent or empty, {@code invalid_claim} when not a string
     */
    public String subject() {
        if (!this.subjectIsText) {
            throw ClaimValues.notString("sub");
        }
        return ClaimChecks.requireString(this.claims, "sub");
    }

    public String issuer() {
        return this.claims.getIssuer();
    }
}
