package io.dualcore.gateway.web;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the gateway turns the request path a client sent into the one canonical path that route matching, the access
 * policy, the rate limiter, the audit line and the upstream all see. Named after Envoy's HTTP connection manager
 * settings ({@code normalize_path}, {@code merge_slashes}, {@code path_with_escaped_slashes_action}).
 *
 * @param normalizePath RFC 3986 §6.2.2 normalization: percent-encoded unreserved characters are decoded
 *     ({@code %2e} becomes {@code .}, {@code %7E} becomes {@code ~}), {@code .} and {@code ..} segments are
 *     resolved, and remaining percent-escapes are uppercased. When off, the path is forwarded as sent and any
 *     {@code .} or {@code ..} segment (also encoded) is refused with 400 {@code invalid_path} instead of resolved
 * @param mergeSlashes whether runs of {@code /} are merged into one ({@code /api//admin} becomes
 *     {@code /api/admin}); off only for upstreams that give empty segments a meaning and do not merge them either
 * @param escapedSlashes what to do with {@code %2F}, {@code %5C} and a raw {@code \} in the path: {@code reject}
 *     (400 {@code invalid_path}), {@code keep} (forwarded percent-encoded, never a separator) or
 *     {@code unescape-and-redirect} (a 307 redirect to the path with them turned into {@code /})
 * @param pathParameters what to do with {@code ;} path parameters (matrix parameters, {@code ..;/}):
 *     {@code reject} (400 {@code invalid_path}) or {@code strip} (each segment loses everything from its {@code ;})
 * @see <a href="https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2">RFC 3986 §6.2.2</a>
 */
@Validated
@ConfigurationProperties("dualcore.request-path")
public record RequestPathProperties(
        @DefaultValue("true") boolean normalizePath,
        @DefaultValue("true") boolean mergeSlashes,
        @DefaultValue("reject") @NotNull EscapedSlashesAction escapedSlashes,
        @DefaultValue("reject") @NotNull PathParametersAction pathParameters) {

    /** The shipped defaults: normalize, merge slashes, reject escaped slashes and path parameters. */
    public static RequestPathProperties defaults() {
        return new RequestPathProperties(true, true, EscapedSlashesAction.REJECT, PathParametersAction.REJECT);
    }

    /** Envoy's {@code path_with_escaped_slashes_action}, for {@code %2F}, {@code %5C} and {@code \}. */
    public enum EscapedSlashesAction {
        /** 400 {@code invalid_path}. */
        REJECT,
        /** Forwarded percent-encoded ({@code \} as {@code %5C}); a segment's data, never a separator. */
        KEEP,
        /** 307 to the canonical path with them turned into {@code /}; the client decides whether to follow. */
        UNESCAPE_AND_REDIRECT
    }

    /** What a {@code ;} in a path segment does. */
    public enum PathParametersAction {
        /** 400 {@code invalid_path}. */
        REJECT,
        /** Each segment loses everything from its first {@code ;} ({@code /a;x=1/b} becomes {@code /a/b}). */
        STRIP
    }
}
