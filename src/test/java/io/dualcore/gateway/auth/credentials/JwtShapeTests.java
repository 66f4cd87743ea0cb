package io.dualcore.gateway.auth.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JwtShapeTests {

    static final String JWS = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZW5zb3ItMSJ9.c2lnbmF0dXJlLWJ5dGVz";

    static final String JWE = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aXYtYnl0ZXM.Y2lwaGVydGV4dA.dGFn";

    @ParameterizedTest
    @ValueSource(
            strings = {
                JWS,
                JWE,
                "Bearer " + JWS,
                "Token=" + JWS,
                "\"" + JWS + "\"",
                "access_token, " + JWS,
                "a," + JWS,
                JWS + "; Path=/",
                // alg none: empty signature
                "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
                // a JOSE header with a space or a line break after the brace
                "eyAiYWxnIjoiSFMyNTYiIH0.eyJzdWIiOiJ4In0.c2ln",
                "ewoiYWxnIjoiSFMyNTYifQ.eyJzdWIiOiJ4In0.c2ln"
            })
    void inWhenValueCarriesCompactJoseThenTrue(String value) {
        assertThat(JwtShape.in(value)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
                "application/json, text/plain, */*",
                "keyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0",
                "eyJhbGciOiJIUzI1NiJ9.a.b.c",
                "eyJ.a.b",
                "they.eyes.everyone",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "1.2.3.4"
            })
    void inWhenValueHasNoCompactJoseThenFalse(String value) {
        assertThat(JwtShape.in(value)).isFalse();
    }
}
