package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RequestTargetTests {

    private static final List<String> HOST = List.of("gateway.example:8080");

    @Test
    void problemWhenOriginFormThenAccepted() {
        assertThat(RequestTarget.problem("/api/orders?x=1", HOST, true)).isNull();
        assertThat(RequestTarget.problem("//api/orders", HOST, true)).isNull();
        assertThat(RequestTarget.problem("/", List.of("[::1]:8080"), true)).isNull();
        assertThat(RequestTarget.problem("/", List.of("127.0.0.1"), true)).isNull();
    }

    @Test
    void problemWhenAbsoluteFormForTheSameHostThenAccepted() {
        assertThat(RequestTarget.problem("http://gateway.example:8080/api/x", HOST, true))
                .isNull();
        assertThat(RequestTarget.problem("HTTP://Gateway.Example:8080/api/x", HOST, true))
                .isNull();
    }

    @Test
    void problemWhenAbsoluteFormForAnotherHostThenRefused() {
        assertThat(RequestTarget.problem("http://other-host/api/admin/users", HOST, true))
                .contains("another host");
        assertThat(RequestTarget.problem("http://gateway.example/api/x", HOST, true))
                .contains("another host");
        assertThat(RequestTarget.problem("http://other-host/api/x", List.of(), false))
                .contains("another host");
        assertThat(RequestTarget.problem("http://user@gateway.example:8080/api/x", HOST, true))
                .contains("invalid authority");
        assertThat(RequestTarget.problem("http://gateway.example:8080", HOST, true))
                .contains("without a path");
        assertThat(RequestTarget.problem("ftp://gateway.example:8080/x", HOST, true))
                .contains("authority-form");
    }

    @Test
    void problemWhenAsteriskOrAuthorityFormThenRefused() {
        assertThat(RequestTarget.problem("*", HOST, true)).contains("asterisk");
        assertThat(RequestTarget.problem("gateway.example:443", HOST, true)).contains("authority-form");
        assertThat(RequestTarget.problem("api/orders", HOST, true)).contains("authority-form");
        assertThat(RequestTarget.problem("", HOST, true)).contains("empty");
        assertThat(RequestTarget.problem("/api/public/health#/../admin", HOST, true))
                .contains("fragment");
    }

    @Test
    void problemWhenHostHeadersWrongThenRefused() {
        assertThat(RequestTarget.problem("/api", List.of("a.example", "b.example"), true))
                .contains("several Host");
        assertThat(RequestTarget.problem("/api", List.of(), true)).contains("no Host");
        assertThat(RequestTarget.problem("/api", List.of(), false)).isNull();
        for (String bad : new String[] {
            "",
            "a.example, b.example",
            "a.example/evil",
            "user@a.example",
            "a.example:",
            "a.example:123456",
            "a.example:8o",
            "[::1",
            "a b",
            "ex\u00e4mple.org"
        }) {
            assertThat(RequestTarget.problem("/api", List.of(bad), true))
                    .as(bad)
                    .contains("Host header");
        }
    }
}
