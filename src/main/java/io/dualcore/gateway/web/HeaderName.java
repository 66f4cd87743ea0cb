package io.dualcore.gateway.web;

import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpHeaders;
import org.springframework.util.Assert;

/**
 * A header name the gateway writes on every request (an identity header, the identity assertion), with its
 * lower-case form computed once: the upstream request's header copy ({@link UpstreamHeaderCopy}) is a
 * case-insensitive map that otherwise lower-cases the name (a new string) on every write.
 */
public final class HeaderName {

    private final String name;

    /** {@code name.toLowerCase(Locale.ROOT)}, as the upstream copy's case-insensitive map keys it. */
    private final String lowerCase;

    private HeaderName(String name) {
        this.name = name;
        this.lowerCase = name.toLowerCase(Locale.ROOT);
    }

    public static HeaderName of(String name) {
        Assert.hasText(name, "name cannot be empty");
        return new HeaderName(name);
    }

    /** The name as written upstream. */
    public String name() {
        return this.name;
    }

    /** Sets the header to this one value, replacing any value of the same name (in any spelling). */
    public void set(HttpHeaders headers, String value) {
        put(headers, List.of(value));
    }

    /**
     * Puts these values (kept as they are: an unmodifiable list is shared, not copied) under this name, replacing any
     * value of the same name.
     */
    void put(HttpHeaders headers, List<String> values) {
        if (headers instanceof UpstreamHeaderCopy copy) {
            copy.put(this.name, this.lowerCase, values);
        } else {
            headers.put(this.name, values);
        }
    }

    @Override
    public String toString() {
        return this.name;
    }
}
