package io.dualcore.gateway.auth.dpop;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;

/** Builds DPoP proofs as a client would (RFC 9449 §4.2), with every part open to a hostile tweak. */
public final class DpopProofs {

    private DpopProofs() {}

    public static ECKey ecKey() {
        return ecKey(Curve.P_256);
    }

    public static ECKey ecKey(Curve curve) {
        try {
            return new ECKeyGenerator(curve).generate();
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    public static RSAKey rsaKey() {
        try {
            return new RSAKeyGenerator(2048).generate();
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** The RFC 7638 thumbprint a token's {@code cnf.jkt} carries for this key. */
    public static String thumbprint(JWK key) {
        try {
            return key.computeThumbprint().toString();
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** A proof for the request, signed with {@code key} (ES256 for EC keys, RS256 for RSA keys). */
    public static Builder proof(JWK key, String method, String htu, String accessToken, Instant iat) {
        return new Builder(key)
                .claim("jti", UUID.randomUUID().toString())
                .claim("htm", method)
                .claim("htu", htu)
                .claim("iat", Date.from(iat))
                .claim("ath", DpopProofVerifier.accessTokenHash(accessToken));
    }

    public static final class Builder {

        private final Map<String, Object> claims = new LinkedHashMap<>();

        private JWK signingKey;

        private JWSHeader.Builder header;

        Builder(JWK key) {
            this.signingKey = key;
            JWSAlgorithm algorithm = (key instanceof ECKey) ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
            this.header = new JWSHeader.Builder(algorithm)
                    .type(new JOSEObjectType("dpop+jwt"))
                    .jwk(key.toPublicJWK());
        }

        public Builder claim(String name, Object value) {
            if (value == null) {
                this.claims.remove(name);
            } else {
                this.claims.put(name, value);
            }
            return this;
        }

        public Builder header(UnaryOperator<JWSHeader.Builder> customizer) {
            this.header = customizer.apply(this.header);
            return this;
        }

        /** Signs with another key than the header's {@code jwk}. */
        public Builder signedBy(JWK key) {
            this.signingKey = key;
            return this;
        }

        public String sign() {
            JWTClaimsSet.Builder set = new JWTClaimsSet.Builder();
            this.claims.forEach(set::claim);
            SignedJWT jwt = new SignedJWT(this.header.build(), set.build());
            try {
                JWSSigner signer = (this.signingKey instanceof ECKey ec)
                        ? new ECDSASigner(ec)
                        : new RSASSASigner((RSAKey) this.signingKey);
                jwt.sign(signer);
            } catch (JOSEException ex) {
                throw new IllegalStateException(ex);
            }
            return jwt.serialize();
        }
    }
}
