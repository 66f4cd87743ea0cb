package io.dualcore.gateway.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The identity-header encoding: readable common values, lossless and unambiguous for every other one. */
class HeaderValuesTests {

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

    @Property(tries = 2000)
    void encodeThenDecodeWithUrlDecoderGivesTheValue(@ForAll("text") String value) {
        String encoded = HeaderValues.encode(value);

        assertThat(URLDecoder.decode(encoded, StandardCharsets.UTF_8)).isEqualTo(value);
    }

    @Property(tries = 2000)
    void encodedValueIsSafeHeaderTextWithoutSeparators(@ForAll("text") String value) {
        String encoded = HeaderValues.encode(value);

        assertThat(encoded.chars()).allMatch(c -> c > 0x20 && c < 0x7f && c != ',' && c != '"' && c != ';');
    }

    @Property(tries = 2000)
    void differentValuesNeverEncodeAlike(@ForAll("text") String one, @ForAll("text") String other) {
        if (!one.equals(other)) {
            assertThat(HeaderValues.encode(one)).isNotEqualTo(HeaderValues.encode(other));
        }
    }

    /** Any valid Unicode text (no unpaired surrogates: ClaimValues refuses those), biased to the tricky parts. */
    @Provide
    Arbitrary<String> text() {
        Arbitrary<String> tricky =
                Arbitraries.of(" ", "\t", ",", "\"", ";", "%", "+", "%25", "%2C", "é", "😀", "\u0000");
        Arbitrary<String> any = Arbitraries.strings()
                .all()
                .ofMaxLength(40)
                .filter(s -> s.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF));
        return Arbitraries.oneOf(any, tricky.list().ofMaxSize(6).map(parts -> String.join("", parts)));
    }
}
