package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/**
 * Precomputed headers written into the upstream request's headers: the same result as {@code HttpHeaders.put}, in the
 * upstream copy too (whose lower-case keys are then given, not computed), and the copy iterated as
 * {@code HttpHeaders.forEach} does.
 */
class HeaderBlockTests {

    private final HeaderBlock block = HeaderBlock.builder()
            .add(HeaderName.of("X-Auth-Subject"), "alice")
            .add(HeaderName.of("X-Auth-Roles"), "orders:read,user")
            .add(HeaderName.of("X-Auth-Device"), null)
            .add(HeaderName.of("X-Auth-Client"), "")
            .build();

    private final MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x"));

    /** The upstream copy a header filter hands on, of these headers (no name removed). */
    private HttpHeaders upstreamCopy(HttpHeaders client) {
        HttpHeaders copy = UpstreamHeaderCopy.without(client, this.exchange, name -> false);
        assertThat(copy).isInstanceOf(UpstreamHeaderCopy.class);
        return copy;
    }

    private static HttpHeaders client() {
        HttpHeaders client = new HttpHeaders();
        client.add("Accept", "*/*");
        client.add("x-auth-subject", "mallory");
        client.add("X-AUTH-ROLES", "admin");
        client.add("accept", "text/html");
        return client;
    }

    @Test
    void builderWhenValueNullOrEmptyThenHeaderLeftOut() {
        assertThat(this.block.names()).containsExactly("X-Auth-Subject", "X-Auth-Roles");
        assertThat(this.block.value("X-Auth-Roles")).isEqualTo("orders:read,user");
        assertThat(this.block.value("X-Auth-Device")).isNull();
    }

    @Test
    void writeToWhenPlainHeadersHoldTheNamesInAnyCaseThenReplacedByOneValueEach() {
        HttpHeaders headers = client();

        this.block.writeTo(headers);

        assertThat(headers.get("X-Auth-Subject")).containsExactly("alice");
        assertThat(headers.get("x-auth-roles")).containsExactly("orders:read,user");
        assertThat(headers.get("Accept")).containsExactly("*/*", "text/html");
    }

    @Test
    void writeToWhenUpstreamCopyThenSameHeadersAsPutAndFoundInAnySpelling() {
        HttpHeaders expected = upstreamCopy(client());
        expected.put("X-Auth-Subject", List.of("alice"));
        expected.put("X-Auth-Roles", List.of("orders:read,user"));
        HttpHeaders copy = upstreamCopy(client());

        this.block.writeTo(copy);

        assertThat(entries(copy)).isEqualTo(entries(expected));
        assertThat(entries(copy))
                .containsExactly(
                        "Accept=[*/*, text/html]", "X-Auth-Subject=[alice]", "X-Auth-Roles=[orders:read,user]");
        assertThat(copy.getFirst("x-auth-subject")).isEqualTo("alice");
        assertThat(copy.getFirst("X-AUTH-ROLES")).isEqualTo("orders:read,user");
        // the lower-case key given is the one the map keys the name with: it is found and removed in any spelling
        copy.remove("X-AUTH-SUBJECT");
        assertThat(copy.containsHeader("X-Auth-Subject")).isFalse();
        copy.set("x-auth-roles", "admin");
        assertThat(copy.get("X-Auth-Roles")).containsExactly("admin");
        assertThat(copy.headerNames()).containsExactly("Accept", "x-auth-roles");
    }

    @Test
    void writeToWhenTwoCopiesThenEachRequestIndependent() {
        HttpHeaders first = upstreamCopy(client());
        HttpHeaders second = upstreamCopy(client());

        this.block.writeTo(first);
        this.block.writeTo(second);
        second.set("X-Auth-Subject", "changed in the second request only");

        assertThat(first.get("X-Auth-Subject")).containsExactly("alice");
    }

    @Test
    void setWhenUpstreamCopyThenOneValueReplacingAnySpelling() {
        HttpHeaders copy = upstreamCopy(client());

        HeaderName.of("X-Auth-Subject").set(copy, "bob");

        assertThat(copy.get("X-AUTH-SUBJECT")).containsExactly("bob");
        assertThat(copy.headerNames()).contains("X-Auth-Subject").doesNotContain("x-auth-subject");
    }

    @Test
    void forEachWhenUpstreamCopyThenAsHttpHeadersForEachHandsThem() {
        HttpHeaders client = client();
        client.add("X-Multi", "1");
        client.add("x-multi", "2");
        HttpHeaders copy = upstreamCopy(client);
        this.block.writeTo(copy);

        List<String> viaForEach = new ArrayList<>();
        copy.forEach((name, values) -> viaForEach.add(name + "=" + values));

        assertThat(viaForEach).isEqualTo(entries(copy));
    }

    /** The headers as {@code HttpHeaders.headerSet()} hands them (what the stock {@code forEach} iterates). */
    private static List<String> entries(HttpHeaders headers) {
        List<String> entries = new ArrayList<>();
        headers.headerSet().forEach(header -> entries.add(header.getKey() + "=" + header.getValue()));
        return entries;
    }
}
