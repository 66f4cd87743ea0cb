package io.dualcore.gateway.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.testsupport.RandomText;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The identity-header encoding: readable common values, lossless and unambiguous for every other one. */
class HeaderValuesTests {

    private static final int TRIES = 2000;

    private static final List<String> TRICKY =
            List.of(" ", "\t", ",", "\"", ";", "%", "+", "%25", "%2C", "é", "😀", "\u0000");

    @Test
    void encodeWhenCommonValueThenUnchanged() {
        assertThat(HeaderValues.encode("7f3c0e1a-55aa-4c1e-9d7e-0b1c2d3e4f50"))
                .isEqualTo("7f3c0e1a-55aa-4c1e-9d7e-0b1c2d3e4f50");
        assertThat(HeaderValues.encode("http://localhost:8180/realms/dualcore"))
                .isEqualTo("http://localhost:8180/realms/dualcore");
        assertThat(HeaderValues.encode("dualcore-gateway:orders.read")).isEqualTo("dualcore-gateway:orders.read");
        assertThat(HeaderValues.encode("alice@example.com")).isEqualTo("alice@example.com");
    }

    @Test
    void encodeWhenWhitespaceSeparatorsQuotesOrNonAsciiThenPercentEncoded() {
        assertThat(HeaderValues.encode(" alice ")).isEqualTo("%20alice%20");
        assertThat(HeaderValues.encode("user,admin")).isEqualTo("user%2Cadmin");
        assertThat(HeaderValues.encode("José")).isEqualTo("Jos%C3%A9");
        assertThat(HeaderValues.encode("a\"b;c=d")).isEqualTo("a%22b%3Bc%3Dd");
        assertThat(HeaderValues.encode("100%")).isEqualTo("100%25");
        assertThat(HeaderValues.encode("a+b")).isEqualTo("a%2Bb");
        assertThat(HeaderValues.encode("😀")).isEqualTo("%F0%9F%98%80");
    }

    @Test
    void encodeThenDecodeWithUrlDecoderGivesTheValue() {
        RandomText random = RandomText.create();
        for (int i = 0; i < TRIES; i++) {
            String value = text(random);

            String encoded = HeaderValues.encode(value);

            assertThat(URLDecoder.decode(encoded, StandardCharsets.UTF_8))
                    .as(random.describe(i, value))
                    .isEqualTo(value);
        }
    }

    @Test
    void encodedValueIsSafeHeaderTextWithoutSeparators() {
        RandomText random = RandomText.create();
        for (int i = 0; i < TRIES; i++) {
            String value = text(random);

            String encoded = HeaderValues.encode(value);

            assertThat(encoded.chars())
                    .as(random.describe(i, value))
                    .allMatch(c -> c > 0x20 && c < 0x7f && c != ',' && c != '"' && c != ';');
        }
    }

    @Test
    void differentValuesNeverEncodeAlike() {
        RandomText random = RandomText.create();
        for (int i = 0; i < TRIES; i++) {
            String one = text(random);
            String other = text(random);
            if (!one.equals(other)) {
                assertThat(HeaderValues.encode(one))
                        .as(random.describe(i, one + " / " + other))
                        .isNotEqualTo(HeaderValues.encode(other));
            }
        }
    }

    /** Any valid Unicode text (no unpaired surrogates: ClaimValues refuses those), half of it made of tricky parts. */
    private static String text(RandomText random) {
        return (random.nextInt(2) == 0) ? random.any(40, true) : random.joined(TRICKY, 6);
    }
}
