package io.dualcore.gateway.web;

import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.springframework.http.HttpHeaders;

/** Writing into the headers a Spring Cloud Gateway request {@code HttpHeadersFilter} passes on to the upstream. */
public final class UpstreamHeaders {

    private UpstreamHeaders() {}

    /**
     * Writes into {@code input} in place (it is normally the upstream request's own copy), or into a copy when the
     * filter before handed over read-only headers; returns the headers to pass on.
     */
    public static HttpHeaders write(HttpHeaders input, Consumer<HttpHeaders> writer) {
        return write(input, writer, (headers, consumer) -> consumer.accept(headers));
    }

    /**
     * {@link #write(HttpHeaders, Consumer)} with the writer's argument passed along, so that a writer made once
     * serves every request (no lambda capturing the request's values).
     */
    public static <T> HttpHeaders write(HttpHeaders input, T argument, BiConsumer<HttpHeaders, T> writer) {
        try {
            writer.accept(input, argument);
            return input;
        } catch (UnsupportedOperationException readOnly) {
            HttpHeaders copy = new HttpHeaders();
            copy.addAll(input);
            writer.accept(copy, argument);
            return copy;
        }
    }
}
