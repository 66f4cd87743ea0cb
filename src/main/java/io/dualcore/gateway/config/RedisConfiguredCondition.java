package io.dualcore.gateway.config;

import io.dualcore.gateway.support.redis.RedisProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when {@code dualcore.redis} names a Redis: a URL or Redis Cluster seed nodes. */
final class RedisConfiguredCondition implements Condition {

    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return Binder.get(context.getEnvironment())
                .bind("dualcore.redis", RedisProperties.class)
                .map(RedisProperties::configured)
                .orElse(false);
    }
}
