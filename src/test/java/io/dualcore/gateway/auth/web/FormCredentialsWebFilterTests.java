package io.dualcore.gateway.auth.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.ProblemResponses;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class FormCredentialsWebFilterTests {

    private static final int MAX = 256;

    private final List<ErrorCode> rejected = new ArrayList<>();

    private final FormCredentialsWebFilter filter = new FormCredentialsWebFilter(
            MAX,
            new ProblemResponses("dualcore-gateway", 5),
            new AuthenticationObserver() {
                @Override
                public void rejected(ServerWebExchange exchange, ErrorCode code) {
                    FormCredentialsWebFilterTests.this.rejected.add(code);
                }
            },
            null);

    /** What the rest of the chain (route, upstream) received: the exchange and the body it read. */
    private final AtomicReference<ServerWebExchange> passed = new AtomicReference<>();

    private final AtomicReference<byte[]> forwardedBody = new AtomicReference<>();

    private final WebFilterChain upstream = exchange -> {
        this.passed.set(exchange);
        return DataBufferUtils.join(exchange.getRequest().getBody())
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .defaultIfEmpty(new byte[0])
                .doOnNext(this.forwardedBody::set)
                .then();
    };

    private MockServerWebExchange run(MockServerHttpRequest request) {
        MockServerWebExchange exchange = MockServerWebExchange.from(request);
        this.filter.filter(exchange, this.upstream).block(TestClients.TIMEOUT);
        return exchange;
    }

    private static MockServerHttpRequest form(String contentType, byte[] body) {
        return MockServerHttpRequest.post("/api/orders")
                .header(HttpHeaders.CONTENT_TYPE, contentType)
                .body(Flux.<DataBuffer>just(DefaultDataBufferFactory.sharedInstance.wrap(body)));
    }

    private void assertRefused(MockServerWebExchange exchange, ErrorCode code) {
        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(code.status());
        assertThat(exchange.getResponse().getBodyAsString().block(TestClients.TIMEOUT))
                .contains("\"code\":\"" + code.code() + "\"");
        assertThat(this.passed.get()).as("nothing reaches the upstream").isNull();
        assertThat(this.rejected).containsExactly(code);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "access_token=eyJ.a.b",
                "item=1&Access_Token=x",
                "item=1&%61ccess_token=x",
                "ACCESS%5FTOKEN",
                "a=1;access_token=x&b=2"
            })
    void filterWhenFormBodyCarriesAccessTokenThenInvalidRequestAndNotForwarded(String body) {
        MockServerWebExchange exchange =
                run(form("application/x-www-form-urlencoded", body.getBytes(StandardCharsets.US_ASCII)));

        assertRefused(exchange, ErrorCode.INVALID_REQUEST);
        assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                .contains("error=\"invalid_request\"");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Application/X-WWW-Form-URLEncoded",
                " application/x-www-form-urlencoded ; Charset=\"UTF-8\"",
                "application/x-www-form-urlencoded;charset=ISO-8859-1;foo=bar",
                "application/x-www-form-urlencoded; charset",
                "application/x-www-form-urlencoded, text/plain"
            })
    void filterWhenFormContentTypeInAnySpellingThenChecked(String contentType) {
        MockServerWebExchange exchange = run(form(contentType, "access_token=x".getBytes(StandardCharsets.US_ASCII)));

        assertRefused(exchange, ErrorCode.INVALID_REQUEST);
    }

    @Test
    void filterWhenFormInUtf16ThenDecodedAndChecked() {
        MockServerWebExchange exchange = run(form(
                "application/x-www-form-urlencoded; charset=UTF-16LE",
                "a=1&access_token=x".getBytes(StandardCharsets.UTF_16LE)));

        assertRefused(exchange, ErrorCode.INVALID_REQUEST);
    }

    @Test
    void filterWhenSecondContentTypeIsFormThenChecked() {
        MockServerWebExchange exchange = run(MockServerHttpRequest.post("/api/orders")
                .header(HttpHeaders.CONTENT_TYPE, "application/json", "application/x-www-form-urlencoded")
                .body("access_token=x"));

        assertRefused(exchange, ErrorCode.INVALID_REQUEST);
    }

    @Test
    void filterWhenFormWithoutTokenThenForwardedByteForByte() {
        byte[] body = "name=J%C3%BCrgen&note=a+b%26c&raw=\u00e9&token_type=x&empty=&&=v"
                .getBytes(StandardCharsets.ISO_8859_1);

        run(form("application/x-www-form-urlencoded; charset=UTF-8", body));

        assertThat(this.forwardedBody.get()).isEqualTo(body);
        assertThat(this.rejected).isEmpty();
    }

    @Test
    void filterWhenFormBodyEmptyThenForwarded() {
        MockServerWebExchange exchange = run(MockServerHttpRequest.post("/api/orders")
                .header(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded")
                .build());

        assertThat(this.passed.get()).isNotNull();
        assertThat(this.forwardedBody.get()).isEmpty();
        assertThat(exchange.getResponse().getStatusCode()).isNull();
    }

    @Test
    void filterWhenOtherContentTypeThenBodyNeitherReadNorReplaced() {
        AtomicBoolean read = new AtomicBoolean();
        MockServerHttpRequest request = MockServerHttpRequest.post("/api/orders")
                .header(HttpHeaders.CONTENT_TYPE, "application/json")
                .body(Flux.<DataBuffer>empty().doOnSubscribe(s -> read.set(true)));
        MockServerWebExchange exchange = MockServerWebExchange.from(request);

        this.filter
                .filter(exchange, passed -> {
                    this.passed.set(passed);
                    return Mono.empty();
                })
                .block(TestClients.TIMEOUT);

        assertThat(this.passed.get()).isSameAs(exchange);
        assertThat(read).isFalse();
    }

    @Test
    void filterWhenDeclaredLengthOverLimitThenTooLargeWithoutReading() {
        AtomicBoolean read = new AtomicBoolean();
        MockServerWebExchange exchange = run(MockServerHttpRequest.post("/api/orders")
                .header(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded")
                .contentLength(MAX + 1)
                .body(Flux.<DataBuffer>empty().doOnSubscribe(s -> read.set(true))));

        assertRefused(exchange, ErrorCode.FORM_TOO_LARGE);
        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
        assertThat(exchange.getResponse().getHeaders().containsHeader(HttpHeaders.WWW_AUTHENTICATE))
                .isFalse();
        assertThat(read).isFalse();
    }

    @Test
    void filterWhenStreamedBodyOverLimitThenTooLarge() {
        // no Content-Length: the token hides after the bound
        Flux<DataBuffer> chunks = Flux.range(0, 10)
                .<DataBuffer>map(i -> DefaultDataBufferFactory.sharedInstance.wrap(
                        ("pad" + i + "=" + "x".repeat(40) + "&").getBytes(StandardCharsets.US_ASCII)))
                .concatWith(Mono.<DataBuffer>fromSupplier(() -> DefaultDataBufferFactory.sharedInstance.wrap(
                        "access_token=x".getBytes(StandardCharsets.US_ASCII))));
        MockServerWebExchange exchange = run(MockServerHttpRequest.post("/api/orders")
                .header(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(chunks));

        assertRefused(exchange, ErrorCode.FORM_TOO_LARGE);
    }

    @Test
    void filterWhenFormAtLimitThenForwarded() {
        byte[] body = ("a=" + "x".repeat(MAX - 2)).getBytes(StandardCharsets.US_ASCII);

        run(form("application/x-www-form-urlencoded", body));

        assertThat(this.forwardedBody.get()).isEqualTo(body);
    }

    @Test
    void filterWhenFormCompressedThenUnsupportedEncoding() {
        MockServerWebExchange exchange = run(MockServerHttpRequest.post("/api/orders")
                .header(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(HttpHeaders.CONTENT_ENCODING, "gzip")
                .body("compressed"));

        assertRefused(exchange, ErrorCode.UNSUPPORTED_FORM_ENCODING);
        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
    }

    @Test
    void filterWhenFormCharsetUnknownThenUnsupportedEncoding() {
        MockServerWebExchange exchange =
                run(form("application/x-www-form-urlencoded; charset=x-no-such-charset", new byte[] {'a'}));

        assertRefused(exchange, ErrorCode.UNSUPPORTED_FORM_ENCODING);
    }

    @Test
    void filterWhenTheExchangesConfigurationHasAnotherMaxFormSizeThenThatBoundApplies() {
        String bound = "max-form-size";
        FormCredentialsWebFilter live = new FormCredentialsWebFilter(
                exchange -> exchange.getAttributeOrDefault(bound, MAX),
                new ProblemResponses("dualcore-gateway", 5),
                new AuthenticationObserver() {
                    @Override
                    public void rejected(ServerWebExchange exchange, ErrorCode code) {
                        FormCredentialsWebFilterTests.this.rejected.add(code);
                    }
                },
                null);
        byte[] body = ("item=" + "x".repeat(100)).getBytes(java.nio.charset.StandardCharsets.UTF_8);

        MockServerWebExchange wide = MockServerWebExchange.from(form("application/x-www-form-urlencoded", body));
        live.filter(wide, this.upstream).block(TestClients.TIMEOUT);
        assertThat(this.passed.get()).isNotNull();
        this.passed.set(null);
        MockServerWebExchange narrow = MockServerWebExchange.from(form("application/x-www-form-urlencoded", body));
        narrow.getAttributes().put(bound, 64);
        live.filter(narrow, this.upstream).block(TestClients.TIMEOUT);

        assertRefused(narrow, ErrorCode.FORM_TOO_LARGE);
        assertThat(narrow.getResponse().getBodyAsString().block(TestClients.TIMEOUT))
                .contains("up to 64 bytes");
    }
}
