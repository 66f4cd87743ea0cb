package io.dualcore.gateway.auth.introspection;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.util.Assert;

/**
 * The per-issuer introspection meters of the configuration in force, {@code dualcore.introspection.calls} tagged
 * {@code issuer} and {@code result}. {@link #bind()} follows the introspection clients: an issuer whose introspection
 * is turned on live gets its series, one turned off loses them, and a changed one's read its new client (its counters
 * start again from zero, which Prometheus reads as a reset); an unchanged issuer keeps its client and its series.
 */
public final class IntrospectionMeters {

    private final MeterRegistry registry;

    private final Supplier<Collection<TokenIntrospector>> introspectors;

    /** The meters of each introspection client in force. */
    private final Map<TokenIntrospector, List<Meter>> bound = new IdentityHashMap<>();

    /**
     * Registers the meters of the introspection clients in force now.
     *
     * @param introspectors the introspection clients of the configuration in force
     */
    public IntrospectionMeters(MeterRegistry registry, Supplier<Collection<TokenIntrospector>> introspectors) {
        Assert.notNull(registry, "registry cannot be null");
        Assert.notNull(introspectors, "introspectors cannot be null");
        this.registry = registry;
        this.introspectors = introspectors;
        bind();
    }

    /** Follows the introspection clients now in force (called after each applied configuration). */
    public synchronized void bind() {
        Set<TokenIntrospector> inForce = Collections.newSetFromMap(new IdentityHashMap<>());
        Collection<TokenIntrospector> now = this.introspectors.get();
        if (now != null) {
            inForce.addAll(now);
        }
        // the dropped first: a changed issuer's new client registers series of the same name and tags
        for (Iterator<Map.Entry<TokenIntrospector, List<Meter>>> it =
                        this.bound.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<TokenIntrospector, List<Meter>> entry = it.next();
            if (!inForce.contains(entry.getKey())) {
                entry.getValue().forEach(this.registry::remove);
                it.remove();
            }
        }
        for (TokenIntrospector introspector : inForce) {
            if (!this.bound.containsKey(introspector)) {
                this.bound.put(introspector, register(introspector));
            }
        }
    }

    private List<Meter> register(TokenIntrospector introspector) {
        return List.of(
                FunctionCounter.builder("dualcore.introspection.calls", introspector, i -> i.calls() - i.failures())
                        .tags("issuer", introspector.issuerName(), "result", "answered")
                        .description("Token introspection calls to the issuer (one per token and cache period)")
                        .register(this.registry),
                FunctionCounter.builder("dualcore.introspection.calls", introspector, i -> i.failures())
                        .tags("issuer", introspector.issuerName(), "result", "failure")
                        .register(this.registry));
    }
}
