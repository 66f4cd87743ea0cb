package io.dualcore.gateway.testsupport;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Generated inputs for property-style tests: any valid UTF-16 text, biased towards the parts that break encoders
 * (separators, quotes, percent signs, controls, non-ASCII). Each run draws a new seed, or the one given with
 * {@code -Ddualcore.test.seed=...}; {@link #describe} puts it in every assertion's description, so a failure found
 * once can be replayed exactly.
 */
public final class RandomText {

    private final long seed;

    private final SplittableRandom random;

    private RandomText(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** A generator seeded from {@code dualcore.test.seed}, or with a fresh seed. */
    public static RandomText create() {
        String given = System.getProperty("dualcore.test.seed");
        return new RandomText((given != null) ? Long.parseLong(given) : System.nanoTime());
    }

    public long seed() {
        return this.seed;
    }

    /** An assertion description naming the try, the value and how to replay the run. */
    public String describe(int attempt, Object value) {
        return "try " + attempt + " with " + printable(String.valueOf(value)) + " (replay: -Ddualcore.test.seed="
                + this.seed + ")";
    }

    /**
     * Any text of at most {@code maxLength} UTF-16 units made of valid code points (surrogates only in pairs), or
     * with {@code pairs} false no surrogate at all.
     */
    public String any(int maxLength, boolean pairs) {
        int length = this.random.nextInt(maxLength + 1);
        StringBuilder text = new StringBuilder(length);
        while (text.length() < length) {
            int codePoint = codePoint();
            if (Character.isSurrogate((char) codePoint)
                    || (Character.isSupplementaryCodePoint(codePoint) && (!pairs || text.length() + 2 > length))) {
                continue;
            }
            text.appendCodePoint(codePoint);
        }
        return text.toString();
    }

    /** Up to {@code maxParts} of the tricky pieces, joined. */
    public String joined(List<String> pieces, int maxParts) {
        int parts = this.random.nextInt(maxParts + 1);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            text.append(pieces.get(this.random.nextInt(pieces.size())));
        }
        return text.toString();
    }

    /** Letters only, exactly {@code length} of them. */
    public String letters(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int letter = this.random.nextInt(52);
            text.append((char) ((letter < 26) ? 'a' + letter : 'A' + letter - 26));
        }
        return text.toString();
    }

    /** Up to {@code maxSize} distinct values of the generator. */
    public List<String> distinct(int maxSize, Supplier<String> values) {
        int size = this.random.nextInt(maxSize + 1);
        Set<String> distinct = new LinkedHashSet<>();
        for (int tries = 0; distinct.size() < size && tries < size * 10; tries++) {
            distinct.add(values.get());
        }
        return new ArrayList<>(distinct);
    }

    /** A number in {@code [0, bound)}. */
    public int nextInt(int bound) {
        return this.random.nextInt(bound);
    }

    /** Mostly ASCII (where the separators are), then the rest of the BMP, then beyond it. */
    private int codePoint() {
        int kind = this.random.nextInt(10);
        if (kind < 5) {
            return this.random.nextInt(0x80);
        }
        if (kind < 9) {
            return this.random.nextInt(0x10000);
        }
        return 0x10000 + this.random.nextInt(Character.MAX_CODE_POINT - 0x10000 + 1);
    }

    private static String printable(String value) {
        StringBuilder out = new StringBuilder("\"");
        value.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7f && cp != '"' && cp != '\\') {
                out.appendCodePoint(cp);
            } else {
                out.append(String.format("\\u{%x}", cp));
            }
        });
        return out.append('"').toString();
    }
}
