package io.dualcore.gateway.extauthz;

import io.dualcore.gateway.web.PeerAllowList;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.Assert;

/**
 * Closes every call of a peer outside {@code dualcore.ext-authz.grpc.allowed-peers} with {@code PERMISSION_DENIED}
 * before the service sees it: the request a {@code CheckRequest} describes is trusted, so only the proxy may ask, and
 * a refused peer never gets a decision (nor an answer that tells it how one would go).
 */
final class PeerAllowListInterceptor implements ServerInterceptor {

    private static final Log logger = LogFactory.getLog(PeerAllowListInterceptor.class);

    private final PeerAllowList allowed;

    PeerAllowListInterceptor(PeerAllowList allowed) {
        Assert.notNull(allowed, "allowed cannot be null");
        this.allowed = allowed;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (this.allowed.allows(peer)) {
            return next.startCall(call, headers);
        }
        if (logger.isDebugEnabled()) {
            logger.debug("ext_authz call from " + peer + " refused: not in dualcore.ext-authz.grpc.allowed-peers");
        }
        call.close(Status.PERMISSION_DENIED.withDescription("This peer may not ask for decisions"), new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
