package io.dualcore.gateway.bench;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small closed-loop load client for the ext_authz gRPC door (no {@code ghz} here): keeps {@code concurrency}
 * {@code Check} calls in flight over one HTTP/2 connection, as one Envoy worker does, for {@code seconds}, cycling
 * through the tokens of a file (one a line), and prints checks per second and the share that were allowed.
 *
 * <pre>java -cp ... io.dualcore.gateway.bench.ExtAuthzGrpcLoad HOST PORT TOKENS_FILE PATH SECONDS CONCURRENCY</pre>
 */
public final class ExtAuthzGrpcLoad {

    private ExtAuthzGrpcLoad() {}

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        List<String> tokens = Files.readAllLines(Path.of(args[2])).stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty())
                .toList();
        String path = args[3];
        int seconds = Integer.parseInt(args[4]);
        int concurrency = Integer.parseInt(args[5]);
        CheckRequest[] requests = new CheckRequest[tokens.size()];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = CheckRequest.newBuilder()
                    .setAttributes(AttributeContext.newBuilder()
                            .setRequest(AttributeContext.Request.newBuilder()
                                    .setHttp(AttributeContext.HttpRequest.newBuilder()
                                            .setMethod("GET")
                                            .setPath(path)
                                            .setHost("bench.example")
                                            .setScheme("http")
                                            .putHeaders("authorization", "Bearer " + tokens.get(i)))))
                    .build();
        }
        ManagedChannel channel =
                NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
        AuthorizationGrpc.AuthorizationStub stub = AuthorizationGrpc.newStub(channel);
        run(stub, requests, 3, concurrency); // warm-up
        long[] result = run(stub, requests, seconds, concurrency);
        System.out.printf(
                "ext_authz gRPC: %d checks in %d s = %.0f checks/s, %d allowed, %d errors (concurrency %d)%n",
                result[0], seconds, result[0] / (double) seconds, result[1], result[2], concurrency);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static long[] run(
            AuthorizationGrpc.AuthorizationStub stub, CheckRequest[] requests, int seconds, int concurrency)
            throws InterruptedException {
        AtomicLong done = new AtomicLong();
        AtomicLong allowed = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        Semaphore inFlight = new Semaphore(concurrency);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long sent = 0;
        while (System.nanoTime() < end) {
            inFlight.acquire();
            stub.check(requests[(int) (sent++ % requests.length)], new StreamObserver<>() {
                @Override
                public void onNext(CheckResponse response) {
                    if (response.hasOkResponse()) {
                        allowed.incrementAndGet();
                    }
                }

                @Override
                public void onError(Throwable t) {
                    errors.incrementAndGet();
                    inFlight.release();
                }

                @Override
                public void onCompleted() {
                    done.incrementAndGet();
                    inFlight.release();
                }
            });
        }
        inFlight.acquire(concurrency);
        inFlight.release(concurrency);
        return new long[] {done.get(), allowed.get(), errors.get()};
    }
}
