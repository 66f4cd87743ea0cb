package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import io.dualcore.gateway.web.RejectedPathException.Reason;
import io.dualcore.gateway.web.RequestPathProperties.EscapedSlashesAction;
import io.dualcore.gateway.web.RequestPathProperties.PathParametersAction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PathCanonicalizerTests {

    private static final PathCanonicalizer DEFAULTS = new PathCanonicalizer(RequestPathProperties.defaults());

    /** Every form of issue 9 and more: the raw path, and its canonical form or the reason it is refused. */
    static Stream<Arguments> table() {
        return Stream.of(
                // already canonical
                ok("/", "/"),
                ok("/api/orders/42", "/api/orders/42"),
                ok("/api/orders/", "/api/orders/"),
                ok("/api/a-b_c.d~e/f!$&'()*+,=:@", "/api/a-b_c.d~e/f!$&'()*+,=:@"),
                ok("/api/...", "/api/..."),
                ok("/api/.hidden/..x/x..", "/api/.hidden/..x/x.."),
                ok("/api/a%20b", "/api/a%20b"),
                ok("/api/100%25", "/api/100%25"),
                ok("/api/%3F%23%5B%5D", "/api/%3F%23%5B%5D"),
                ok("/api/caf%C3%A9/%E2%82%AC/%F0%9F%98%80", "/api/caf%C3%A9/%E2%82%AC/%F0%9F%98%80"),
                // the issue's traversals onto the admin route
                ok("/api/public/../admin/users", "/api/admin/users"),
                ok("/api/public/%2e%2e/admin/users", "/api/admin/users"),
                ok("/api/public/%2E%2E/admin/users", "/api/admin/users"),
                ok("/api/public/.%2e/admin/users", "/api/admin/users"),
                ok("/api/public/%2e./admin/users", "/api/admin/users"),
                ok("/api/public/x/../../admin/users", "/api/admin/users"),
                ok("/api/public/..//admin/users", "/api/admin/users"),
                ok("/api/public/x/..//../admin/users", "/api/admin/users"),
                // escalation inside one core
                ok("/api//admin/users", "/api/admin/users"),
                ok("//api/admin/users", "/api/admin/users"),
                ok("/api///admin//users//", "/api/admin/users/"),
                ok("/api/./admin/users", "/api/admin/users"),
                ok("/api/%2e/admin/users", "/api/admin/users"),
                ok("/api/%2E/admin/users", "/api/admin/users"),
                ok("/api/x/../admin/users", "/api/admin/users"),
                ok("/api/admin/users/.", "/api/admin/users/"),
                ok("/api/admin/users/..", "/api/admin/"),
                ok("/api/admin/users/%2e%2e/", "/api/admin/"),
                ok("/./", "/"),
                ok("/..%2e", "/..."),
                // RFC 3986 §6.2.2: unreserved decoded, the rest uppercased
                ok("/api/%61%64%6d%69%6e", "/api/admin"),
                ok("/api/%7euser/%2D%5F", "/api/~user/-_"),
                ok("/api/a%20b%3c", "/api/a%20b%3C"),
                ok("/api/caf%c3%a9", "/api/caf%C3%A9"),
                ok("/api/%e2%82%ac", "/api/%E2%82%AC"),
                // the issue's rejections
                no("/api/public/..;/admin/users", Reason.PATH_PARAMETER),
                no("/api/public;x=1/status", Reason.PATH_PARAMETER),
                no("/api/public/%3b/admin", Reason.PATH_PARAMETER),
                no("/api/public/..%2fadmin/users", Reason.ESCAPED_SLASH),
                no("/api/public/%2F..%2Fadmin/users", Reason.ESCAPED_SLASH),
                no("/api/public/..%5cadmin/users", Reason.ESCAPED_SLASH),
                no("/api/public/..%5Cadmin/users", Reason.ESCAPED_SLASH),
                no("/api/public/..\\admin/users", Reason.BACKSLASH),
                no("/..", Reason.ABOVE_ROOT),
                no("/../api/admin", Reason.ABOVE_ROOT),
                no("/api/../../etc/passwd", Reason.ABOVE_ROOT),
                no("/api/%2e%2e/%2e%2e/x", Reason.ABOVE_ROOT),
                no("/api/%00", Reason.NUL),
                no("/api/a%00.json", Reason.NUL),
                no("/api/a\u0000b", Reason.NUL),
                no("/api/a\tb", Reason.CONTROL_CHARACTER),
                no("/api/a%09b", Reason.CONTROL_CHARACTER),
                no("/api/a%0d%0aX-Injected:%201", Reason.CONTROL_CHARACTER),
                no("/api/a%7F", Reason.CONTROL_CHARACTER),
                no("/api/%C2%85", Reason.CONTROL_CHARACTER),
                no("/api/%c0%af", Reason.INVALID_UTF8),
                no("/api/%c0%ae%c0%ae/admin", Reason.INVALID_UTF8),
                no("/api/%e0%80%af", Reason.INVALID_UTF8),
                no("/api/%f0%80%80%af", Reason.INVALID_UTF8),
                no("/api/%ed%a0%80", Reason.INVALID_UTF8),
                no("/api/%f4%90%80%80", Reason.INVALID_UTF8),
                no("/api/%c3", Reason.INVALID_UTF8),
                no("/api/%c3%28", Reason.INVALID_UTF8),
                no("/api/%ff", Reason.INVALID_UTF8),
                no("/api/%252e%252e/admin", Reason.DOUBLE_ENCODING),
                no("/api/public/%252e%252e%252fadmin", Reason.DOUBLE_ENCODING),
                no("/api/%252F", Reason.DOUBLE_ENCODING),
                no("/api/%255c", Reason.DOUBLE_ENCODING),
                no("/api/%2500", Reason.DOUBLE_ENCODING),
                no("/api/%25%32%65", Reason.DOUBLE_ENCODING),
                no("/api/%253B", Reason.DOUBLE_ENCODING),
                no("/api/%2", Reason.INVALID_ESCAPE),
                no("/api/%zz", Reason.INVALID_ESCAPE),
                no("/api/%%32%65", Reason.INVALID_ESCAPE),
                no("/api/%\u0663\u0663", Reason.INVALID_ESCAPE),
                no("/api/caf\u00e9", Reason.INVALID_CHARACTER),
                no("/api/\uff0e\uff0e/admin", Reason.INVALID_CHARACTER),
                no("/api/a b", Reason.INVALID_CHARACTER),
                no("/api/a\"b", Reason.INVALID_CHARACTER),
                no("/api/a#b", Reason.INVALID_CHARACTER),
                no("/api/a?b", Reason.INVALID_CHARACTER),
                no("/api/a|b", Reason.INVALID_CHARACTER),
                no("api/orders", Reason.NOT_ABSOLUTE),
                no("", Reason.NOT_ABSOLUTE),
                no("*", Reason.NOT_ABSOLUTE));
    }

    private static Arguments ok(String raw, String canonical) {
        return Arguments.of(raw, canonical, null);
    }

    private static Arguments no(String raw, Reason reason) {
        return Arguments.of(raw, null, reason);
    }

    @ParameterizedTest(name = "{0} -> {1}{2}")
    @MethodSource("table")
    void canonicalizeWhenDefaultSettingsThenCanonicalPathOrRejection(String raw, String canonical, Reason reason) {
        if (reason == null) {
            assertThat(DEFAULTS.canonicalize(raw)).isEqualTo(canonical);
            // canonical is a fixed point
            assertThat(DEFAULTS.canonicalize(canonical)).isSameAs(canonical);
        } else {
            assertThatExceptionOfType(RejectedPathException.class)
                    .isThrownBy(() -> DEFAULTS.canonicalize(raw))
                    .satisfies(ex -> assertThat(ex.reason()).isEqualTo(reason));
        }
    }

    @Test
    void canonicalizeWhenAlreadyCanonicalThenSameInstance() {
        for (String path : new String[] {
            "/", "/api/orders/42", "/api/orders/", "/api/a%20b", "/api/100%25", "/api/caf%C3%A9", "/edge/x:y@z"
        }) {
            String raw = new String(path.toCharArray());
            assertThat(DEFAULTS.canonicalize(raw)).isSameAs(raw);
            assertThat(DEFAULTS.isCanonical(raw)).isTrue();
        }
    }

    @Test
    void canonicalizeWhenRewrittenThenCanonicalFormIsAFixedPointOfTheFastPath() {
        table().map(arguments -> (String) arguments.get()[1])
                .filter(canonical -> canonical != null)
                .forEach(canonical -> assertThat(DEFAULTS.isCanonical(canonical))
                        .as(canonical)
                        .isTrue());
    }

    @Test
    void canonicalizeWhenKeepEscapedSlashesThenForwardedEncodedAndNeverASeparator() {
        PathCanonicalizer keep = canonicalizer(true, true, EscapedSlashesAction.KEEP, PathParametersAction.REJECT);
        assertThat(keep.canonicalize("/api/a%2fb")).isEqualTo("/api/a%2Fb");
        assertThat(keep.canonicalize("/api/public/..%2Fadmin")).isEqualTo("/api/public/..%2Fadmin");
        assertThat(keep.canonicalize("/api/a\\b")).isEqualTo("/api/a%5Cb");
        assertThat(keep.canonicalize("/api/%5c..")).isEqualTo("/api/%5C..");
        String canonical = "/api/a%2Fb%5C";
        assertThat(keep.canonicalize(canonical)).isSameAs(canonical);
        assertThatExceptionOfType(RejectedPathException.class).isThrownBy(() -> keep.canonicalize("/api/%252f"));
    }

    @Test
    void canonicalizeWhenUnescapeAndRedirectThenEscapedSlashesBecomeSeparators() {
        PathCanonicalizer redirect =
                canonicalizer(true, true, EscapedSlashesAction.UNESCAPE_AND_REDIRECT, PathParametersAction.REJECT);
        assertThat(redirect.canonicalize("/api/public/..%2Fadmin/users")).isEqualTo("/api/admin/users");
        assertThat(redirect.canonicalize("/api/public/..%5cadmin/users")).isEqualTo("/api/admin/users");
        assertThat(redirect.canonicalize("/api/public\\..\\admin")).isEqualTo("/api/admin");
        assertThat(redirect.canonicalize("/api/a%2F%2Fb")).isEqualTo("/api/a/b");
        assertThat(PathCanonicalizer.containsEscapedSlash("/api/a%2fb")).isTrue();
        assertThat(PathCanonicalizer.containsEscapedSlash("/api/a\\b")).isTrue();
        assertThat(PathCanonicalizer.containsEscapedSlash("/api/%2e%2e/b")).isFalse();
        assertThatExceptionOfType(RejectedPathException.class)
                .isThrownBy(() -> redirect.canonicalize("/api/%2F..%2F..%2F"))
                .satisfies(ex -> assertThat(ex.reason()).isEqualTo(Reason.ABOVE_ROOT));
    }

    @Test
    void canonicalizeWhenStripPathParametersThenEachSegmentLosesItsParameters() {
        PathCanonicalizer strip = canonicalizer(true, true, EscapedSlashesAction.REJECT, PathParametersAction.STRIP);
        assertThat(strip.canonicalize("/api/public/..;/admin/users")).isEqualTo("/api/admin/users");
        assertThat(strip.canonicalize("/api/orders;jsessionid=ABC/42;v=1")).isEqualTo("/api/orders/42");
        assertThat(strip.canonicalize("/api/a;x=%2e%2e/b")).isEqualTo("/api/a/b");
        assertThat(strip.canonicalize("/api/.;x/b")).isEqualTo("/api/b");
        // what follows ';' is still checked
        assertThatExceptionOfType(RejectedPathException.class)
                .isThrownBy(() -> strip.canonicalize("/api/a;x=%00/b"))
                .satisfies(ex -> assertThat(ex.reason()).isEqualTo(Reason.NUL));
        assertThatExceptionOfType(RejectedPathException.class)
                .isThrownBy(() -> strip.canonicalize("/api/a%3Bx/b"))
                .satisfies(ex -> assertThat(ex.reason()).isEqualTo(Reason.PATH_PARAMETER));
    }

    @Test
    void canonicalizeWhenMergeSlashesOffThenEmptySegmentsKept() {
        PathCanonicalizer keepSlashes =
                canonicalizer(true, false, EscapedSlashesAction.REJECT, PathParametersAction.REJECT);
        String doubled = "/api//admin/users";
        assertThat(keepSlashes.canonicalize(doubled)).isSameAs(doubled);
        assertThat(keepSlashes.canonicalize("/api//./admin")).isEqualTo("/api//admin");
        assertThat(keepSlashes.canonicalize("/api//../admin")).isEqualTo("/api/admin");
    }

    @Test
    void canonicalizeWhenNormalizePathOffThenDotSegmentsRefusedAndEscapesKeptAsSent() {
        PathCanonicalizer asSent = canonicalizer(false, true, EscapedSlashesAction.REJECT, PathParametersAction.REJECT);
        String lower = "/api/caf%c3%a9/%7euser";
        assertThat(asSent.canonicalize(lower)).isEqualTo(lower);
        assertThat(asSent.canonicalize("/api//orders")).isEqualTo("/api/orders");
        for (String dots : new String[] {"/api/public/../admin", "/api/%2e%2e/admin", "/api/./x", "/api/.%2E/x"}) {
            assertThatExceptionOfType(RejectedPathException.class)
                    .isThrownBy(() -> asSent.canonicalize(dots))
                    .satisfies(ex -> assertThat(ex.reason()).isEqualTo(Reason.DOT_SEGMENT));
        }
        assertThatExceptionOfType(RejectedPathException.class).isThrownBy(() -> asSent.canonicalize("/api/%c0%af"));
    }

    @Test
    void rejectionWhenThrownThenNoStackTraceAndNoPathInMessage() {
        assertThatExceptionOfType(RejectedPathException.class)
                .isThrownBy(() -> DEFAULTS.canonicalize("/api/secret-token-like-thing/%00"))
                .satisfies(ex -> {
                    assertThat(ex.getStackTrace()).isEmpty();
                    assertThat(ex.getMessage()).doesNotContain("secret");
                });
    }

    private static PathCanonicalizer canonicalizer(
            boolean normalize, boolean merge, EscapedSlashesAction slashes, PathParametersAction parameters) {
        return new PathCanonicalizer(new RequestPathProperties(normalize, merge, slashes, parameters));
    }
}
