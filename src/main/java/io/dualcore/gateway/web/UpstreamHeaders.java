package io.dualcore.gateway.web;

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
        try {
            writer.accept(input);
            return input;
        } catch (UnsupportedOperationException readOnly) {
            HttpHeaders copy = new HttpHeaders();
            copy.addAll(input);
            writer.accept(copy);
            return copy;
        }
    }
}
