package io.dualcore.gateway.auth.credentials;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A set of header or cookie names matched however a client spells them: case-insensitively, with the separators a
 * framework may treat alike folded into one ({@code _} as {@code -} in header names, {@code -}, {@code .} and space
 * as {@code _} in cookie names), surrounding whitespace ignored. An entry ending in {@code *} matches every name
 * starting with it ({@code X-Ms-Token-*}). Compiled once; a lookup folds the name on the fly against precomputed
 * hashes and allocates nothing.
 */
final class CredentialNames {

    /** How names of a kind are folded before they are compared. */
    enum Kind {
        /** Header names: {@code _} is read as {@code -} (CGI, nginx and others map one onto the other). */
        HEADER,
        /** Cookie names: {@code -}, {@code .} and space are read as {@code _} (PHP rewrites them so). */
        COOKIE;

        char fold(char c) {
            if (this == HEADER) {
                return (c == '_') ? '-' : Character.toLowerCase(c);
            }
            return (c == '-' || c == '.' || c == ' ') ? '_' : Character.toLowerCase(c);
        }
    }

    private final Kind kind;

    /** Hashes of the exact names, sorted; {@link #names} in the same order. */
    private final int[] hashes;

    private final String[] names;

    private final String[] prefixes;

    private CredentialNames(Kind kind, int[] hashes, String[] names, String[] prefixes) {
        this.kind = kind;
        this.hashes = hashes;
        this.names = names;
        this.prefixes = prefixes;
    }

    /**
     * @param kind how names are folded
     * @param entries names, or prefixes ending in {@code *}; blank entries are the caller's to refuse
     */
    static CredentialNames of(Kind kind, Collection<String> entries) {
        Set<String> exact = new TreeSet<>();
        Set<String> prefixes = new TreeSet<>();
        for (String entry : entries) {
            String name = fold(kind, entry.strip());
            if (name.endsWith("*")) {
                prefixes.add(name.substring(0, name.length() - 1));
            } else {
                exact.add(name);
            }
        }
        List<String> sorted = new ArrayList<>(exact);
        sorted.sort((a, b) -> Integer.compare(a.hashCode(), b.hashCode()));
        int[] hashes = new int[sorted.size()];
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = sorted.get(i).hashCode();
        }
        return new CredentialNames(kind, hashes, sorted.toArray(String[]::new), prefixes.toArray(String[]::new));
    }

    static String fold(Kind kind, String name) {
        StringBuilder folded = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            folded.append(kind.fold(name.charAt(i)));
        }
        return folded.toString();
    }

    boolean isEmpty() {
        return this.names.length == 0 && this.prefixes.length == 0;
    }

    boolean matches(CharSequence name) {
        return matches(name, 0, name.length());
    }

    /** Whether {@code name[from, to)}, without surrounding whitespace, is in the set. */
    boolean matches(CharSequence name, int from, int to) {
        while (from < to && isWhitespace(name.charAt(from))) {
            from++;
        }
        while (to > from && isWhitespace(name.charAt(to - 1))) {
            to--;
        }
        if (from == to) {
            return false;
        }
        for (String prefix : this.prefixes) {
            if (startsWith(name, from, to, prefix)) {
                return true;
            }
        }
        if (this.hashes.length == 0) {
            return false;
        }
        int hash = 0;
        for (int i = from; i < to; i++) {
            hash = 31 * hash + this.kind.fold(name.charAt(i));
        }
        int at = Arrays.binarySearch(this.hashes, hash);
        if (at < 0) {
            return false;
        }
        while (at > 0 && this.hashes[at - 1] == hash) {
            at--;
        }
        for (; at < this.hashes.length && this.hashes[at] == hash; at++) {
            String candidate = this.names[at];
            if (candidate.length() == to - from && startsWith(name, from, to, candidate)) {
                return true;
            }
        }
        return false;
    }

    private boolean startsWith(CharSequence name, int from, int to, String folded) {
        if (to - from < folded.length()) {
            return false;
        }
        for (int i = 0; i < folded.length(); i++) {
            if (this.kind.fold(name.charAt(from + i)) != folded.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }

    @Override
    public String toString() {
        List<String> all = new ArrayList<>(Arrays.asList(this.names));
        for (String prefix : this.prefixes) {
            all.add(prefix + "*");
        }
        all.sort(null);
        return all.toString();
    }
}
