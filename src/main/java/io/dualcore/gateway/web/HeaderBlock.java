package io.dualcore.gateway.web;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.util.Assert;

/**
 * Headers computed once and written on many requests in one pass (an identity's headers, kept with the identity):
 * the names with their lower-case forms ({@link HeaderName}) and one unmodifiable value list each, so writing them
 * allocates no list and lower-cases no name. Immutable.
 */
public final class HeaderBlock {

    @SuppressWarnings("unchecked")
    private static final HeaderBlock EMPTY = new HeaderBlock(new HeaderName[0], new List[0]);

    private final HeaderName[] names;

    /** One unmodifiable list per name (arrays, not lists: a block is kept with every cached identity). */
    private final List<String>[] values;

    private HeaderBlock(HeaderName[] names, List<String>[] values) {
        this.names = names;
        this.values = values;
    }

    /** A block builder; the headers are written in the order they were added. */
    public static Builder builder() {
        return new Builder();
    }

    /** Writes every header of the block, each replacing any value of the same name (in any spelling). */
    public void writeTo(HttpHeaders headers) {
        for (int i = 0; i < this.names.length; i++) {
            this.names[i].put(headers, this.values[i]);
        }
    }

    /** The names, in writing order. */
    public List<String> names() {
        List<String> names = new ArrayList<>(this.names.length);
        for (HeaderName name : this.names) {
            names.add(name.name());
        }
        return Collections.unmodifiableList(names);
    }

    /** The value of the header named exactly {@code name}, or {@code null}. */
    public String value(String name) {
        for (int i = 0; i < this.names.length; i++) {
            if (this.names[i].name().equals(name)) {
                return this.values[i].get(0);
            }
        }
        return null;
    }

    public static final class Builder {

        private final List<HeaderName> names = new ArrayList<>();

        private final List<List<String>> values = new ArrayList<>();

        private Builder() {}

        /** Adds a header with one value; a {@code null} or empty value adds nothing. */
        public Builder add(HeaderName name, String value) {
            Assert.notNull(name, "name cannot be null");
            if (value != null && !value.isEmpty()) {
                this.names.add(name);
                this.values.add(List.of(value));
            }
            return this;
        }

        public HeaderBlock build() {
            if (this.names.isEmpty()) {
                return EMPTY;
            }
            @SuppressWarnings("unchecked")
            List<String>[] values = this.values.toArray(new List[0]);
            return new HeaderBlock(this.names.toArray(HeaderName[]::new), values);
        }
    }
}
