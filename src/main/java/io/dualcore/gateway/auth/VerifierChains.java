package io.dualcore.gateway.auth;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.Assert;
import reactor.core.Disposable;

/**
 * Builds the {@link VerifierChain} of each configuration from its issuers' settings, and keeps the verifiers alive
 * while a configuration in force holds them.
 *
 * <p>A verifier is built once per distinct set of settings ({@link AuthProperties.Issuer} is a value): a candidate
 * whose issuer did not change gets the very verifier of the configuration in force, with its JWKS cache, its
 * keep-warm task and its entries in the verified-token cache. An issuer added or changed gets a new verifier, which
 * loads its keys on its first use or its keep-warm tick, whichever comes first. Once a configuration is in force
 * ({@link #retain}), the verifiers it no longer holds are stopped and closed.
 *
 * <p>An issuer's {@code dpop} and {@code introspection} settings are part of its settings here (a change builds a new
 * verifier), and are applied by the configuration's {@link RequestChecks} ({@link RequestChecksCompiler}), compiled
 * with the same candidate.
 */
public final class VerifierChains implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(VerifierChains.class);

    private final Function<AuthProperties.Issuer, TokenVerifier> factory;

    private final Function<TokenVerifier, Disposable> keepWarm;

    private final Consumer<TokenVerifier> closer;

    /** The verifiers after the OIDC issuers' (the edge verifier) of a configuration's settings. */
    private final Function<AuthProperties, List<TokenVerifier>> tail;

    /** Issuer names some code requires to exist (an {@code IssuerJwtValidator} names one). */
    private final Set<String> requiredIssuers;

    /** The verifiers built, by the settings they were built from; kept while a configuration in force holds them. */
    private final Map<AuthProperties.Issuer, TokenVerifier> built = new LinkedHashMap<>();

    /** The keep-warm task of each verifier of a configuration in force. */
    private final Map<TokenVerifier, Disposable> started = new IdentityHashMap<>();

    private final VerifierChain startup;

    private VerifierChain last;

    private volatile VerifierChain current;

    /**
     * Builds the startup chain and starts its verifiers.
     *
     * @param startup the settings the process starts with
     * @param factory builds the verifier of one OIDC issuer (nothing started yet)
     * @param keepWarm starts a verifier's background work (JWKS keep-warm); the answer stops it
     * @param closer releases a verifier that no configuration holds any more (its key source's threads)
     * @param tail the verifiers tried after the OIDC issuers, the same in every chain
     * @param requiredIssuers issuer names that must stay configured
     * @throws IllegalStateException naming the first problem of the settings
     */
    public VerifierChains(
            AuthProperties startup,
            Function<AuthProperties.Issuer, TokenVerifier> factory,
            Function<TokenVerifier, Disposable> keepWarm,
            Consumer<TokenVerifier> closer,
            List<TokenVerifier> tail,
            Set<String> requiredIssuers) {
        this(startup, factory, keepWarm, closer, fixed(tail), requiredIssuers);
    }

    /**
     * Builds the startup chain and starts its verifiers.
     *
     * @param startup the settings the process starts with
     * @param factory builds the verifier of one OIDC issuer (nothing started yet)
     * @param keepWarm starts a verifier's background work (JWKS keep-warm); the answer stops it
     * @param closer releases a verifier that no configuration holds any more (its key source's threads)
     * @param tail the verifiers tried after the OIDC issuers for a configuration's settings (the edge verifier: the
     *     same object while its settings do not change); throws {@link IllegalStateException} for settings only a
     *     restart applies
     * @param requiredIssuers issuer names that must stay configured
     * @throws IllegalStateException naming the first problem of the settings
     */
    public VerifierChains(
            AuthProperties startup,
            Function<AuthProperties.Issuer, TokenVerifier> factory,
            Function<TokenVerifier, Disposable> keepWarm,
            Consumer<TokenVerifier> closer,
            Function<AuthProperties, List<TokenVerifier>> tail,
            Set<String> requiredIssuers) {
        Assert.notNull(startup, "startup cannot be null");
        Assert.notNull(factory, "factory cannot be null");
        Assert.notNull(keepWarm, "keepWarm cannot be null");
        Assert.notNull(closer, "closer cannot be null");
        Assert.notNull(tail, "tail cannot be null");
        Assert.notNull(requiredIssuers, "requiredIssuers cannot be null");
        this.factory = factory;
        this.keepWarm = keepWarm;
        this.closer = closer;
        this.tail = tail;
        this.requiredIssuers = Set.copyOf(requiredIssuers);
        this.startup = chain(startup);
        retain(this.startup);
    }

    private static Function<AuthProperties, List<TokenVerifier>> fixed(List<TokenVerifier> tail) {
        Assert.noNullElements(tail, "tail cannot be null or hold null");
        List<TokenVerifier> verifiers = List.copyOf(tail);
        return auth -> verifiers;
    }

    /** The chain the process started with. */
    public VerifierChain startup() {
        return this.startup;
    }

    /** The chain of the configuration in force. */
    public VerifierChain current() {
        return this.current;
    }

    /**
     * The chain of a candidate configuration: the verifiers of unchanged issuers reused, the others built (not started
     * until the candidate is in force).
     *
     * @throws IllegalStateException naming the first problem of the settings
     */
    public synchronized VerifierChain chain(AuthProperties auth) {
        List<String> problems = AuthSettingsCheck.issuerProblems(auth);
        if (!problems.isEmpty()) {
            throw new IllegalStateException(problems.get(0));
        }
        List<AuthProperties.Issuer> issuers = auth.oidc().issuers();
        for (String required : this.requiredIssuers) {
            if (issuers.stream().noneMatch(issuer -> required.equals(issuer.name()))) {
                throw new IllegalStateException("An IssuerJwtValidator names issuer '" + required
                        + "', which is not in dualcore.auth.oidc.issuers[].name "
                        + issuers.stream().map(AuthProperties.Issuer::name).toList() + "; use one of those names");
            }
        }
        List<TokenVerifier> verifiers = new ArrayList<>();
        for (AuthProperties.Issuer issuer : issuers) {
            TokenVerifier verifier = this.built.get(issuer);
            if (verifier == null) {
                verifier = this.factory.apply(issuer);
                this.built.put(issuer, verifier);
            }
            verifiers.add(verifier);
        }
        verifiers.addAll(this.tail.apply(auth));
        if (this.last == null || !this.last.sameVerifiers(verifiers)) {
            this.last = new VerifierChain(verifiers);
        }
        return this.last;
    }

    /**
     * The chain of the configuration now in force: its new verifiers start, the verifiers it no longer holds stop and
     * close (a request still running on the configuration before finishes with what it holds).
     */
    public synchronized void retain(VerifierChain active) {
        Assert.notNull(active, "active cannot be null");
        this.current = active;
        for (Iterator<TokenVerifier> it = this.built.values().iterator(); it.hasNext(); ) {
            TokenVerifier verifier = it.next();
            if (!active.holds(verifier)) {
                it.remove();
                stop(verifier);
            }
        }
        for (TokenVerifier verifier : active.verifiers()) {
            if (this.built.containsValue(verifier) && !this.started.containsKey(verifier)) {
                this.started.put(verifier, this.keepWarm.apply(verifier));
            }
        }
    }

    private void stop(TokenVerifier verifier) {
        Disposable task = this.started.remove(verifier);
        if (task != null) {
            task.dispose();
        }
        try {
            this.closer.accept(verifier);
        } catch (RuntimeException ex) {
            logger.warn("Closing the verifier of " + verifier.name() + " failed: " + ex);
        }
    }

    /** Stops and closes every verifier. */
    @Override
    public synchronized void close() {
        new ArrayList<>(this.built.values()).forEach(this::stop);
        this.built.clear();
    }
}
