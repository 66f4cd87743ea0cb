package io.dualcore.gateway.auth.edge;

import java.time.Instant;
import reactor.core.publisher.Mono;

/** Remembers the {@code jti} of one-time edge tokens until they expire, so each is accepted once. */
public interface ReplayGuard {

    /**
     * Records a token id.
     *
     * @return {@code true} when the id was new, {@code false} when it was seen before; an error when the guard
     *     cannot tell (the request then fails closed)
     */
    Mono<Boolean> firstUse(String issuer, String jti, Instant expiresAt);
}
