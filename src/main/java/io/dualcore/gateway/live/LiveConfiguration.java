package io.dualcore.gateway.live;

import io.dualcore.gateway.auth.RequestChecks;
import io.dualcore.gateway.auth.VerifierChain;
import io.dualcore.gateway.pipeline.ConfigurationPin;
import io.dualcore.gateway.pipeline.IdentitySettings;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The one reference to the {@link ActiveConfiguration} in force, and what the last reloads did. Readers take it once
 * per request ({@link #of(ServerWebExchange)}); a reload replaces it in one volatile write.
 */
public final class LiveConfiguration implements ConfigurationPin {

    private volatile ActiveConfiguration active;

    private volatile Status status;

    public LiveConfiguration(ActiveConfiguration initial) {
        Assert.notNull(initial, "initial cannot be null");
        this.active = initial;
        this.status = new Status(null, null, List.of());
    }

    /** The configuration in force now (for work that is not a request: health, the next reload). */
    public ActiveConfiguration current() {
        return this.active;
    }

    /** The configuration the exchange runs on: the one pinned at its first filter, else the one in force now. */
    public ActiveConfiguration of(ServerWebExchange exchange) {
        ActiveConfiguration pinned = exchange.getAttribute(ActiveConfiguration.ATTRIBUTE);
        return (pinned != null) ? pinned : this.active;
    }

    /** Every door's pin: the exchange's configuration, or the one in force now, pinned for the whole request. */
    @Override
    public <T> Mono<T> pinned(ServerWebExchange exchange, Supplier<Mono<T>> work) {
        ActiveConfiguration pinned = exchange.getAttribute(ActiveConfiguration.ATTRIBUTE);
        if (pinned == null) {
            pinned = this.active;
            exchange.getAttributes().put(ActiveConfiguration.ATTRIBUTE, pinned);
        }
        ActiveConfiguration active = pinned;
        return work.get().contextWrite(context -> context.put(ActiveConfiguration.ATTRIBUTE, active));
    }

    @Override
    public VerifierChain verifiers(ServerWebExchange exchange) {
        return of(exchange).verifiers();
    }

    @Override
    public RequestChecks checks(ServerWebExchange exchange) {
        return of(exchange).checks();
    }

    @Override
    public String version(ServerWebExchange exchange) {
        return of(exchange).version();
    }

    @Override
    public IdentitySettings identitySettings(ServerWebExchange exchange) {
        return of(exchange).identitySettings();
    }

    public Status status() {
        return this.status;
    }

    void apply(ActiveConfiguration next, Change applied, List<String> restartRequired) {
        this.active = next;
        this.status = new Status(applied, null, restartRequired);
    }

    void refuse(Change refused) {
        Status previous = this.status;
        this.status = new Status(previous.lastApplied(), refused, previous.restartRequired());
    }

    /**
     * One applied or refused change.
     *
     * @param version the candidate's version
     * @param at when it was decided
     * @param by who asked: {@code file-watch}, {@code startup} or the admin's subject
     * @param summary what changed (applied) or why it was refused; names only, never a value
     */
    public record Change(String version, Instant at, String by, String summary) {}

    /**
     * @param lastApplied the last change applied, or {@code null} (none since startup)
     * @param lastRefused the last candidate refused since the last applied change, or {@code null}
     * @param restartRequired properties that differ from the running process's and take effect only on a restart
     */
    public record Status(Change lastApplied, Change lastRefused, List<String> restartRequired) {}
}
