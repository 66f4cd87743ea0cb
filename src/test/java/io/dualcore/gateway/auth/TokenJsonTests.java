package io.dualcore.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.dualcore.gateway.testsupport.RandomText;
import io.dualcore.gateway.web.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TokenJson} against the parser it replaces (Nimbus' {@code JSONObjectUtils.parse}): the same values, of the
 * same classes, for every document both accept; nothing accepted that Nimbus' parser refuses.
 */
class TokenJsonTests {

    private static final List<String> NUMBERS = List.of(
            "0",
            "-0",
            "1",
            "-1",
            "42",
            "2147483648",
            "-2147483649",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "12345678901234567890123",
            "1.0",
            "-0.0",
            "0.5",
            "1e2",
            "1E2",
            "1e+2",
            "1.5e-3",
            "-2.5E10",
            "1700000000",
            "1.7e9",
            "3.141592653589793238462643383279");

    private static final List<String> STRINGS = List.of(
            "\"\"",
            "\"a\"",
            "\"user,admin\"",
            "\" leading\"",
            "\"\\u0061\"",
            "\"\\\"quoted\\\"\"",
            "\"tab\\there\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud800\"",
            "\"é ü\"",
            "\"\\/slash\"",
            "\"back\\\\slash\"",
            "\"line\\nbreak\"");

    @Test
    void parseWhenRandomDocumentsThenSameValuesAndClassesAsNimbus() throws ParseException {
        RandomText seeded = RandomText.create();
        SplittableRandom random = new SplittableRandom(seeded.seed());
        for (int attempt = 0; attempt < 1_000; attempt++) {
            String json = object(random, 0);
            Map<String, Object> expected = JSONObjectUtils.parse(json);
            Map<String, Object> actual = TokenJson.parse(json);
            assertThat(actual).as(seeded.describe(attempt, json)).isEqualTo(expected);
            assertSameClasses(actual, expected, seeded.describe(attempt, json));
        }
    }

    @Test
    void parseWhenRandomlyCorruptedThenNeverAcceptsWhatNimbusRefuses() {
        RandomText seeded = RandomText.create();
        SplittableRandom random = new SplittableRandom(seeded.seed());
        List<String> inserts = List.of(
                "{",
                "}",
                "[",
                "]",
                ",",
                ":",
                "\"",
                "\\",
                "'",
                "/*",
                "//",
                "NaN",
                "Infinity",
                "1e400",
                "0x1",
                "01",
                "\u0000",
                "\u0001",
                "\n",
                "\ufeff",
                "\\'",
                "true",
                "nul",
                "-",
                ".",
                "e");
        int accepted = 0;
        for (int attempt = 0; attempt < 3_000; attempt++) {
            String valid = object(random, 0);
            int at = random.nextInt(valid.length() + 1);
            String corrupted = switch (random.nextInt(3)) {
                case 0 -> valid.substring(0, at);
                case 1 -> valid.substring(0, at) + inserts.get(random.nextInt(inserts.size())) + valid.substring(at);
                default -> valid.substring(0, at) + valid.substring(Math.min(valid.length(), at + 1));
            };
            Map<String, Object> ours;
            try {
                ours = TokenJson.parse(corrupted);
            } catch (RuntimeException refused) {
                continue;
            }
            accepted++;
            Map<String, Object> nimbus;
            try {
                nimbus = JSONObjectUtils.parse(corrupted);
            } catch (ParseException ex) {
                throw new AssertionError("accepted what Nimbus refuses: " + seeded.describe(attempt, corrupted), ex);
            }
            assertThat(ours).as(seeded.describe(attempt, corrupted)).isEqualTo(nimbus);
        }
        // the corruption keeps some documents valid (a removed space, a number shortened): the comparison ran
        assertThat(accepted).isPositive();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "[]",
                "[1]",
                "\"text\"",
                "1",
                "null",
                "{} {}",
                "{}x",
                "{\"a\":1,}",
                "{'a':1}",
                "{a:1}",
                "{\"a\":NaN}",
                "{\"a\":Infinity}",
                "{\"a\":1e400}",
                "{\"a\":-1e400}",
                "{\"a\":01}",
                "{\"a\":0x10}",
                "{\"a\":\"\\'\"}",
                "{\"a\":1 /* c */}",
                "{\"a\":1",
                "{\"a\":[1,2}",
                "{\"a\":\"\u0001\"}",
                "\ufeff{\"a\":1}",
                "{\"a\":1}\u0000"
            })
    void parseWhenNotOneStrictObjectThenRefusedLikeNimbusOrStricter(String json) {
        assertThatThrownBy(() -> TokenJson.parse(json)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void parseWhenDuplicateNameAtAnyDepthThenRefused() throws ParseException {
        assertThatThrownBy(() -> TokenJson.parse("{\"iss\":\"a\",\"iss\":\"b\"}"))
                .isInstanceOf(RuntimeException.class);
        String nested = "{\"realm_access\":{\"roles\":[\"user\"],\"roles\":[\"admin\"]}}";
        assertThatThrownBy(() -> TokenJson.parse(nested)).isInstanceOf(RuntimeException.class);
        // Nimbus' parser reads the nested one last-wins: why the duplicate check exists
        assertThat(JSONObjectUtils.parse(nested).get("realm_access")).isEqualTo(Map.of("roles", List.of("admin")));
        String escaped = "{\"sub\":\"a\",\"\\u0073ub\":\"admin\"}";
        assertThatThrownBy(() -> TokenJson.parse(escaped)).isInstanceOf(RuntimeException.class);
        String inArray = "{\"a\":[{\"x\":1,\"x\":2}]}";
        assertThatThrownBy(() -> TokenJson.parse(inArray)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void parseWhenNestedToTheLimitThenAcceptedAndDeeperRefused() throws ParseException {
        String atLimit = nestedObjects(TokenJson.MAX_DEPTH);
        assertThat(TokenJson.parse(atLimit)).isEqualTo(JSONObjectUtils.parse(atLimit));
        String deeper = nestedObjects(TokenJson.MAX_DEPTH + 1);
        assertThatThrownBy(() -> TokenJson.parse(deeper)).isInstanceOf(RuntimeException.class);
        String deepArrays = "{\"a\":" + "[".repeat(TokenJson.MAX_DEPTH) + "]".repeat(TokenJson.MAX_DEPTH) + "}";
        assertThatThrownBy(() -> TokenJson.parse(deepArrays)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void parseObjectWhenPartIsNotBase64OfAnObjectThenMalformedTokenNamingThePart() {
        String array = Base64.getUrlEncoder().withoutPadding().encodeToString("[1]".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> TokenJson.parseObject(array, "payload"))
                .isInstanceOfSatisfying(TokenRejectedException.class, ex -> {
                    assertThat(ex.errorCode()).isEqualTo(ErrorCode.MALFORMED_TOKEN);
                    assertThat(ex.getMessage()).contains("payload");
                });
        // five characters: no base64 of any byte string
        assertThatThrownBy(() -> TokenJson.parseObject("eyJhb", "header"))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.MALFORMED_TOKEN));
    }

    @Test
    void parseObjectWhenInvalidUtf8ThenReadAsNimbusReadsTheDecodedText() throws ParseException {
        byte[] bytes = "{\"sub\":\"a\u00ffb\"}".getBytes(StandardCharsets.ISO_8859_1);
        String part = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        String decoded = new String(bytes, StandardCharsets.UTF_8);
        assertThat(TokenJson.parseObject(part, "payload")).isEqualTo(JSONObjectUtils.parse(decoded));
    }

    @Test
    void parseWhenMembersThenMutableAndInDocumentOrder() {
        Map<String, Object> parsed = TokenJson.parse("{\"z\":1,\"a\":2,\"m\":null}");
        assertThat(parsed.keySet()).containsExactly("z", "a", "m");
        assertThat(parsed).containsEntry("m", null);
        parsed.remove("z");
        assertThat(parsed).doesNotContainKey("z");
    }

    private static String nestedObjects(int depth) {
        return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
    }

    private static void assertSameClasses(Object actual, Object expected, String description) {
        if (expected == null) {
            assertThat(actual).as(description).isNull();
            return;
        }
        if (expected instanceof Map<?, ?> map) {
            assertThat(actual).as(description).isInstanceOf(Map.class);
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                assertSameClasses(((Map<?, ?>) actual).get(entry.getKey()), entry.getValue(), description);
            }
        } else if (expected instanceof List<?> list) {
            assertThat(actual).as(description).isInstanceOf(List.class);
            for (int i = 0; i < list.size(); i++) {
                assertSameClasses(((List<?>) actual).get(i), list.get(i), description);
            }
        } else {
            assertThat(actual.getClass()).as(description).isEqualTo(expected.getClass());
        }
    }

    private static String object(SplittableRandom random, int depth) {
        int members = random.nextInt((depth == 0) ? 1 : 0, 6);
        Set<String> names = new HashSet<>();
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < members; i++) {
            String name = "n" + random.nextInt(20);
            if (!names.add(name)) {
                continue;
            }
            if (json.length() > 1) {
                json.append(',');
            }
            json.append(space(random))
                    .append('"')
                    .append(name)
                    .append('"')
                    .append(space(random))
                    .append(':');
            json.append(space(random)).append(value(random, depth + 1)).append(space(random));
        }
        return json.append('}').toString();
    }

    private static String value(SplittableRandom random, int depth) {
        int kind = random.nextInt((depth < 4) ? 8 : 6);
        return switch (kind) {
            case 0, 1 -> NUMBERS.get(random.nextInt(NUMBERS.size()));
            case 2, 3 -> STRINGS.get(random.nextInt(STRINGS.size()));
            case 4 -> List.of("true", "false", "null").get(random.nextInt(3));
            case 5 -> "\"s" + random.nextInt(1000) + "\"";
            case 6 -> object(random, depth);
            default -> array(random, depth);
        };
    }

    private static String array(SplittableRandom random, int depth) {
        int items = random.nextInt(4);
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < items; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(space(random)).append(value(random, depth + 1));
        }
        return json.append(']').toString();
    }

    private static String space(SplittableRandom random) {
        return List.of("", "", "", " ", "\n", "\t", " \r\n ").get(random.nextInt(7));
    }
}
