package io.dualcore.gateway.ratelimit;

import java.util.concurrent.TimeUnit;
import org.springframework.http.HttpHeaders;

/**
 * Writes the rate-limit response headers: the IETF draft's {@code RateLimit-Policy} and {@code RateLimit}
 * (draft-ietf-httpapi-ratelimit-headers), the widely used {@code RateLimit-Limit}/{@code -Remaining}/{@code -Reset},
 * or none.
 */
public final class RateLimitHeaders {

    /** Which header family to send. */
    public enum Style {
        DRAFT,
        LEGACY,
        NONE
    }

    private final Style style;

    public RateLimitHeaders(Style style) {
        this.style = style;
    }

    public void write(RatePlan plan, RateLimitDecision decision, HttpHeaders headers) {
        if (this.style == Style.NONE || "none".equals(decision.backend())) {
            return;
        }
        long reset = TimeUnit.NANOSECONDS.toSeconds(decision.resetNanos() + 999_999_999L);
        if (this.style == Style.DRAFT) {
            headers.set(
                    "RateLimit-Policy",
                    "\"" + plan.name() + "\";q=" + decision.limit() + ";w="
                            + Math.max(1, plan.window().toSeconds()));
            headers.set("RateLimit", "\"" + plan.name() + "\";r=" + decision.remaining() + ";t=" + reset);
        } else {
            headers.set("RateLimit-Limit", Long.toString(decision.limit()));
            headers.set("RateLimit-Remaining", Long.toString(decision.remaining()));
            headers.set("RateLimit-Reset", Long.toString(reset));
        }
    }
}
