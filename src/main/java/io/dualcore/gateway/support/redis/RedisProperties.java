package io.dualcore.gateway.support.redis;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Shared Redis used by the edge replay guard (and, when scaled out, rate limits).
 *
 * @param url {@code redis://}, {@code rediss://} or {@code redis-sentinel://} URI with credentials; empty means
 *     no Redis, and in-memory state is used
 * @param timeout command timeout: a dead Redis costs a request at most this long
 */
@ConfigurationProperties("dualcore.redis")
public record RedisProperties(
        String url, @DefaultValue("250ms") Duration timeout) {

    public boolean configured() {
        return this.url != null && !this.url.isBlank();
    }

    @Override
    public String toString() {
        return "RedisProperties[url=" + (configured() ? "******" : "") + ", timeout=" + this.timeout + "]";
    }
}
