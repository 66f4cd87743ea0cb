package io.dualcore.gateway.auth.web;

import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.ProblemResponses;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.ToIntFunction;
import org.springframework.context.ApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Refuses a bearer token in a form body (RFC 6750 §2.2): a request whose {@code Content-Type} is
 * {@code application/x-www-form-urlencoded} (any case, parameters or charset) and whose body names an
 * {@code access_token} parameter (however spelled, see {@link AccessTokenParameter}) is answered 400
 * {@code invalid_request} and never forwarded. Only such requests pay for reading the body, and only up to a bound:
 * a larger form (declared or streamed) is refused 413 {@code form_too_large} instead of forwarded unchecked, and a
 * form the gateway cannot read as sent (a {@code Content-Encoding}, an unknown charset) 415
 * {@code unsupported_form_encoding}. A form that passes reaches the upstream byte for byte; every other content type
 * is passed on untouched, its body never buffered.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-2.2">RFC 6750 §2.2</a>
 */
public final class FormCredentialsWebFilter implements WebFilter, Ordered {

    private static final String FORM = MediaType.APPLICATION_FORM_URLENCODED_VALUE;

    private static final byte[] EMPTY = new byte[0];

    /** Stands for a body over the bound (compared by identity). */
    private static final byte[] TOO_LARGE = new byte[0];

    /** The largest form body read for the exchange's configuration, in bytes. */
    private final ToIntFunction<ServerWebExchange> maxFormSize;

    private final ProblemResponses errors;

    private final AuthenticationObserver observer;

    private final ApplicationContext gatewayContext;

    /**
     * @param maxFormSize the largest form body read, in bytes
     * @param gatewayContext the context whose server is the gateway port, or {@code null} to apply everywhere
     */
    public FormCredentialsWebFilter(
            int maxFormSize,
            ProblemResponses errors,
            AuthenticationObserver observer,
            ApplicationContext gatewayContext) {
        this(fixed(maxFormSize), errors, observer, gatewayContext);
    }

    /**
     * @param maxFormSize the largest form body read for an exchange (that of the configuration it runs on), in bytes
     * @param gatewayContext the context whose server is the gateway port, or {@code null} to apply everywhere
     */
    public FormCredentialsWebFilter(
            ToIntFunction<ServerWebExchange> maxFormSize,
            ProblemResponses errors,
            AuthenticationObserver observer,
            ApplicationContext gatewayContext) {
        Assert.notNull(maxFormSize, "maxFormSize cannot be null");
        Assert.notNull(errors, "errors cannot be null");
        Assert.notNull(observer, "observer cannot be null");
        this.maxFormSize = maxFormSize;
        this.errors = errors;
        this.observer = observer;
        this.gatewayContext = gatewayContext;
    }

    private static ToIntFunction<ServerWebExchange> fixed(int maxFormSize) {
        Assert.isTrue(maxFormSize > 0, "maxFormSize must be positive");
        return exchange -> maxFormSize;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (this.gatewayContext != null && exchange.getApplicationContext() != this.gatewayContext) {
            return chain.filter(exchange);
        }
        HttpHeaders headers = exchange.getRequest().getHeaders();
        String form = formContentType(headers);
        if (form == null) {
            return chain.filter(exchange);
        }
        List<String> encodings = headers.get(HttpHeaders.CONTENT_ENCODING);
        if (encodings != null
                && !encodings.stream().allMatch(e -> e.isBlank() || e.strip().equalsIgnoreCase("identity"))) {
            return refuse(
                    exchange,
                    ErrorCode.UNSUPPORTED_FORM_ENCODING,
                    "A form body is checked for tokens and cannot carry a Content-Encoding; send it uncompressed");
        }
        Charset charset = charsetOf(form);
        if (charset == null) {
            return refuse(
                    exchange,
                    ErrorCode.UNSUPPORTED_FORM_ENCODING,
                    "The form body's charset is not supported; send it in UTF-8");
        }
        int maxFormSize = this.maxFormSize.applyAsInt(exchange);
        if (headers.getContentLength() > maxFormSize) {
            return tooLarge(exchange, maxFormSize);
        }
        return DataBufferUtils.join(exchange.getRequest().getBody(), maxFormSize)
                .map(FormCredentialsWebFilter::bytesOf)
                .defaultIfEmpty(EMPTY)
                .onErrorReturn(DataBufferLimitException.class, TOO_LARGE)
                .flatMap(body -> {
                    if (body == TOO_LARGE) {
                        return tooLarge(exchange, maxFormSize);
                    }
                    if (AccessTokenParameter.in(new String(body, charset))) {
                        return refuse(
                                exchange,
                                ErrorCode.INVALID_REQUEST,
                                "Tokens are accepted only in the Authorization header, never in a form body");
                    }
                    return chain.filter(exchange.mutate()
                            .request(new ReadForm(exchange, body))
                            .build());
                });
    }

    /** The form {@code Content-Type} value of a request, or {@code null} when it has none (the usual case). */
    private static String formContentType(HttpHeaders headers) {
        String first = headers.getFirst(HttpHeaders.CONTENT_TYPE);
        if (first == null) {
            return null;
        }
        if (isForm(first)) {
            return first;
        }
        List<String> all = headers.get(HttpHeaders.CONTENT_TYPE);
        if (all.size() > 1) {
            // several Content-Type headers: an upstream may read any of them
            for (String value : all) {
                if (isForm(value)) {
                    return value;
                }
            }
        }
        return null;
    }

    static boolean isForm(String contentType) {
        int start = 0;
        while (start < contentType.length() && Character.isWhitespace(contentType.charAt(start))) {
            start++;
        }
        int end = start + FORM.length();
        if (!contentType.regionMatches(true, start, FORM, 0, FORM.length())) {
            return false;
        }
        if (end == contentType.length()) {
            return true;
        }
        char next = contentType.charAt(end);
        return next == ';' || next == ',' || Character.isWhitespace(next);
    }

    /** The declared charset (UTF-8 when none), or {@code null} when the JVM does not know it. */
    private static Charset charsetOf(String contentType) {
        for (String parameter : contentType.split(";")) {
            int equals = parameter.indexOf('=');
            if (equals < 0 || !parameter.substring(0, equals).strip().equalsIgnoreCase("charset")) {
                continue;
            }
            String name = parameter.substring(equals + 1).strip();
            if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
                name = name.substring(1, name.length() - 1);
            }
            try {
                return Charset.forName(name);
            } catch (IllegalArgumentException unknown) {
                // IllegalCharsetNameException, UnsupportedCharsetException, empty name
                return null;
            }
        }
        return StandardCharsets.UTF_8;
    }

    private static byte[] bytesOf(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        } finally {
            DataBufferUtils.release(buffer);
        }
    }

    private Mono<Void> tooLarge(ServerWebExchange exchange, int maxFormSize) {
        return refuse(
                exchange,
                ErrorCode.FORM_TOO_LARGE,
                "A form body is checked for tokens up to " + maxFormSize + " bytes; this one is larger");
    }

    private Mono<Void> refuse(ServerWebExchange exchange, ErrorCode code, String description) {
        this.observer.rejected(exchange, code);
        return this.errors.write(exchange, code, description, null);
    }

    @Override
    public int getOrder() {
        return FilterOrders.FORM_CREDENTIALS_WEB_FILTER;
    }

    /** The request with the form body already read, supplied again as it came (each subscriber gets a new copy). */
    private static final class ReadForm extends ServerHttpRequestDecorator {

        private final ServerWebExchange exchange;

        private final byte[] body;

        ReadForm(ServerWebExchange exchange, byte[] body) {
            super(exchange.getRequest());
            this.exchange = exchange;
            this.body = body;
        }

        @Override
        public Flux<DataBuffer> getBody() {
            if (this.body.length == 0) {
                return Flux.empty();
            }
            return Flux.defer(
                    () -> Flux.just(this.exchange.getResponse().bufferFactory().wrap(this.body)));
        }
    }
}
