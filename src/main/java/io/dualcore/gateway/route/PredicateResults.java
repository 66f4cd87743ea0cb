package io.dualcore.gateway.route;

import java.util.concurrent.Callable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * A route predicate's answer ({@code AsyncPredicate}'s {@code Publisher<Boolean>}) read where it is already known:
 * Spring Cloud Gateway's own predicates ({@code Path=}, {@code Host=}, the gateway's {@code Mode=}, {@code Realm=},
 * {@code Claim=}...) answer {@code Mono.just(..)}, and their {@code and}/{@code or}/{@code negate} combinations answer
 * as soon as they are subscribed. Only a predicate that really waits (one that reads the body) is left to Reactor.
 */
final class PredicateResults {

    /** The answer is not known yet: {@link Pending#answer()} completes with it. */
    static final Object PENDING = new Object();

    private PredicateResults() {}

    /**
     * The predicate's answer: {@link Boolean#TRUE}, {@link Boolean#FALSE} (an empty answer too, as Reactor's
     * {@code filterWhen} reads it), a {@link Throwable} it failed with, or a {@link Pending} to wait for.
     */
    static Object read(Publisher<Boolean> answer) {
        if (answer instanceof Callable<?> known) {
            // Mono.just, Mono.empty, Mono.fromCallable: answered on the spot
            try {
                Object value = known.call();
                return Boolean.TRUE.equals(value) ? Boolean.TRUE : Boolean.FALSE;
            } catch (Throwable ex) {
                return ex;
            }
        }
        Pending pending = new Pending();
        answer.subscribe(pending);
        return pending.now();
    }

    /** Subscribes to an answer and keeps it, or hands it on to whoever waits for it. */
    static final class Pending implements CoreSubscriber<Boolean> {

        private boolean done;

        private boolean answered;

        private boolean value;

        private Throwable error;

        private MonoSink<Boolean> waiting;

        @Override
        public void onSubscribe(Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public synchronized void onNext(Boolean matched) {
            // the first answer counts, as with Reactor's filterWhen
            if (!this.done && !this.answered) {
                this.answered = true;
                this.value = Boolean.TRUE.equals(matched);
            }
        }

        @Override
        public void onError(Throwable ex) {
            MonoSink<Boolean> sink;
            synchronized (this) {
                if (this.done) {
                    return;
                }
                this.done = true;
                this.error = ex;
                sink = this.waiting;
            }
            if (sink != null) {
                sink.error(ex);
            }
        }

        @Override
        public void onComplete() {
            MonoSink<Boolean> sink;
            boolean matched;
            synchronized (this) {
                if (this.done) {
                    return;
                }
                this.done = true;
                matched = this.value;
                sink = this.waiting;
            }
            if (sink != null) {
                sink.success(matched);
            }
        }

        /** The answer if it came while subscribing (as {@link #read}), else this. */
        synchronized Object now() {
            if (!this.done) {
                return this;
            }
            return (this.error != null) ? this.error : (this.value ? Boolean.TRUE : Boolean.FALSE);
        }

        /** The answer, whenever it comes. */
        Mono<Boolean> answer() {
            return Mono.create(sink -> {
                Object now;
                synchronized (this) {
                    now = now();
                    if (now == this) {
                        this.waiting = sink;
                        return;
                    }
                }
                if (now instanceof Throwable ex) {
                    sink.error(ex);
                } else {
                    sink.success((Boolean) now);
                }
            });
        }
    }
}
