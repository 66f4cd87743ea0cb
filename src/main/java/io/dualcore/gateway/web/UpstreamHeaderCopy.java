package io.dualcore.gateway.web;

import java.io.Serial;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.util.CollectionUtils;
import org.springframework.util.LinkedCaseInsensitiveMap;
import org.springframework.web.server.ServerWebExchange;

/**
 * The copy of the headers a Spring Cloud Gateway header filter hands on, without some of them, made as the stock
 * filters make it (a new {@code HttpHeaders}; the kept names in their order, first spelling, every value) but read
 * without copying the input first: the stock filters read it through {@code headerSet()}, which copies every name
 * into a new case-insensitive map per call. Read here from Reactor Netty's header lines when the input is the
 * request's headers as received ({@link ReceivedHeaders}), else through {@code headerSet()} as the stock filters do;
 * a copy made here, handed to the next of these filters, is changed in place. Its names are already unique
 * case-insensitively, so it is iterated as it is ({@link #forEach}: Spring Cloud Gateway's routing filter copies the
 * headers into Netty's that way), and the gateway's own header names are put with their lower-case form computed
 * once ({@link HeaderName}).
 */
final class UpstreamHeaderCopy extends HttpHeaders {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Room for what the gateway adds after the copies (identity headers, assertion, traceparent). */
    private static final int ADDED_HEADERS = 12;

    private final Names names;

    private UpstreamHeaderCopy(int expectedSize) {
        this(new Names(expectedSize + ADDED_HEADERS));
    }

    private UpstreamHeaderCopy(Names names) {
        super(CollectionUtils.toMultiValueMap(names));
        this.names = names;
    }

    /**
     * Every header, as {@code HttpHeaders.forEach} hands them (first spelling of each name, all its values, in order)
     * without its copy of every name into a new case-insensitive set: the names here are unique already.
     */
    @Override
    public void forEach(BiConsumer<? super String, ? super List<String>> action) {
        this.names.forEach(action);
    }

    /** {@code put(name, values)} with the name's lower-case form known. */
    void put(String name, String lowerCase, List<String> values) {
        this.names.put(name, lowerCase, values);
    }

    /**
     * {@code input} without the headers whose name {@code removed} accepts (asked once per name, or once per header
     * line of Reactor Netty's headers: the test must not depend on the spelling): a new copy, or {@code input}
     * itself, changed in place, when it is a copy made here or Spring Cloud Gateway's own copy of the upstream
     * response's headers ({@link #isUpstreamResponseCopy}). Such a copy belongs to the chain of header filters that
     * is making it (each filter hands its result to the next one only, as {@code IdentityHandOver} relies on too), so
     * the stock filters' copy at each step would only be thrown away.
     */
    static HttpHeaders without(HttpHeaders input, ServerWebExchange exchange, Predicate<String> removed) {
        if (input instanceof UpstreamHeaderCopy copy) {
            copy.names.keySet().removeIf(removed);
            return copy;
        }
        if (isUpstreamResponseCopy(input, exchange)) {
            // the names of a plain HttpHeaders are unique case-insensitively: each asked once, as in a copy
            input.asMultiValueMap().keySet().removeIf(removed);
            return input;
        }
        io.netty.handler.codec.http.HttpHeaders received =
                (input == exchange.getRequest().getHeaders()) ? ReceivedHeaders.of(exchange.getRequest()) : null;
        if (received != null) {
            // line by line: a name's first spelling keeps its place, the values of all its spellings follow in
            // order, as headerSet() (first spelling, getAll of every spelling) hands them to the stock filters
            UpstreamHeaderCopy filtered = new UpstreamHeaderCopy(received.size());
            Iterator<Map.Entry<CharSequence, CharSequence>> lines = received.iteratorCharSequence();
            while (lines.hasNext()) {
                Map.Entry<CharSequence, CharSequence> line = lines.next();
                String name = line.getKey().toString();
                if (!removed.test(name)) {
                    filtered.add(name, line.getValue().toString());
                }
            }
            return filtered;
        }
        UpstreamHeaderCopy filtered = new UpstreamHeaderCopy(8);
        for (Map.Entry<String, List<String>> header : input.headerSet()) {
            if (!removed.test(header.getKey())) {
                filtered.addAll(header.getKey(), header.getValue());
            }
        }
        return filtered;
    }

    /**
     * Whether {@code headers} are the upstream response's headers as Spring Cloud Gateway's routing filter copies them
     * for its response header filters: a plain, writable {@code HttpHeaders} of its own (not the request's nor the
     * client response's), made after the upstream answered, which only the chain of header filters reads (each filter
     * hands its result to the next one). Such a copy is changed in place, with the same result as a copy without the
     * removed headers (the others keep their order, spelling and values); anything else (the request's headers, a
     * read-only view such as a {@code WebClient} response's) is copied.
     */
    private static boolean isUpstreamResponseCopy(HttpHeaders headers, ServerWebExchange exchange) {
        return headers.getClass() == HttpHeaders.class
                && exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR) != null
                && headers != exchange.getRequest().getHeaders()
                && headers != exchange.getResponse().getHeaders();
    }

    /** Whether {@code name.toLowerCase(Locale.ROOT)} equals {@code lowerCase}, without lower-casing ASCII names. */
    static boolean equalsLowerCase(String name, String lowerCase) {
        if (!isAscii(name)) {
            return name.toLowerCase(Locale.ROOT).equals(lowerCase);
        }
        return name.length() == lowerCase.length() && asciiRegionEqualsLowerCase(name, lowerCase, lowerCase.length());
    }

    /** Whether {@code name.toLowerCase(Locale.ROOT)} starts with {@code lowerCase}, likewise. */
    static boolean startsWithLowerCase(String name, String lowerCase) {
        if (!isAscii(name)) {
            return name.toLowerCase(Locale.ROOT).startsWith(lowerCase);
        }
        return name.length() >= lowerCase.length() && asciiRegionEqualsLowerCase(name, lowerCase, lowerCase.length());
    }

    /** An ASCII name's first {@code length} characters, lower-cased, against a lower-case string (of any script). */
    private static boolean asciiRegionEqualsLowerCase(String asciiName, String lowerCase, int length) {
        for (int i = 0; i < length; i++) {
            char c = asciiName.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c != lowerCase.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAscii(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /**
     * The case-insensitive map of the copy: for a name whose lower-case form the caller knows ({@link HeaderName}),
     * that form instead of a new lower-cased string. Confined to the one filter chain making the copy, as the copy.
     */
    private static final class Names extends LinkedCaseInsensitiveMap<List<String>> {

        @Serial
        private static final long serialVersionUID = 1L;

        /** The name being put by {@link #put(String, String, List)} (the same instance), and its lower-case form. */
        private transient String known;

        private transient String knownLowerCase;

        Names(int expectedSize) {
            super(expectedSize, Locale.ROOT);
        }

        void put(String name, String lowerCase, List<String> values) {
            this.known = name;
            this.knownLowerCase = lowerCase;
            try {
                put(name, values);
            } finally {
                this.known = null;
                this.knownLowerCase = null;
            }
        }

        @Override
        protected String convertKey(String key) {
            return (key == this.known) ? this.knownLowerCase : super.convertKey(key);
        }
    }
}
