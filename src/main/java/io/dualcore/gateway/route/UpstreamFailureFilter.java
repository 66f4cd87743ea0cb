package io.dualcore.gateway.route;

import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.ProblemResponses;
import io.dualcore.gateway.web.RequestBodyTimeoutException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.PrematureCloseException;

/**
 * Answers an unreachable or silent upstream with 502 {@code upstream_unavailable} (502 {@code upstream_tls_failed} when
 * its TLS certificate is not trusted) or 504 {@code upstream_timeout} problem responses, and a request body that
 * stalled on its way to the upstream with 408 {@code request_timeout}, instead of the generic 500 a refused connection would otherwise become.
 */
public final class UpstreamFailureFilter implements GlobalFilter, Ordered {

    /** Outermost: sees every failure of the routing filters. */
    public static final int UPSTREAM_FAILURE_FILTER_ORDER = FilterOrders.UPSTREAM_FAILURE_FILTER;

    private final ProblemResponses errors;

    public UpstreamFailureFilter(ProblemResponses errors) {
        this.errors = errors;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        return chain.filter(exchange).onErrorResume(ex -> {
            ErrorCode code = classify(ex);
            if (code == null || exchange.getResponse().isCommitted()) {
                return Mono.error(ex);
            }
            String description = switch (code) {
                case REQUEST_TIMEOUT -> "The request body paused for longer than the server waits";
                case UPSTREAM_TIMEOUT -> "The upstream service did not answer in time";
                case UPSTREAM_TLS_FAILED -> "The upstream service's TLS certificate is not trusted";
                default -> "The upstream service cannot be reached";
            };
            return this.errors.write(exchange, code, description, null, 5);
        });
    }

    static ErrorCode classify(Throwable ex) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            // the client's body stalled (web.ConnectionGuard): the client's fault, not the upstream's
            if (cause instanceof RequestBodyTimeoutException) {
                return ErrorCode.REQUEST_TIMEOUT;
            }
            // before the connection checks: a failed handshake also closes the channel
            if (cause instanceof SSLException) {
                return ErrorCode.UPSTREAM_TLS_FAILED;
            }
            if (cause instanceof ConnectException
                    || cause instanceof UnknownHostException
                    || cause instanceof ClosedChannelException
                    || cause instanceof PrematureCloseException) {
                return ErrorCode.UPSTREAM_UNAVAILABLE;
            }
            if (cause instanceof TimeoutException
                    || cause instanceof io.netty.handler.timeout.TimeoutException
                    || (cause instanceof ResponseStatusException status
                            && status.getStatusCode().value() == HttpStatus.GATEWAY_TIMEOUT.value())) {
                return ErrorCode.UPSTREAM_TIMEOUT;
            }
        }
        return null;
    }

    @Override
    public int getOrder() {
        return UPSTREAM_FAILURE_FILTER_ORDER;
    }
}
