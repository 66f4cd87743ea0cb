package io.dualcore.gateway.extauthz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

import io.dualcore.gateway.web.PeerAllowList;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/** The ext_authz listener's peer allow-list: a peer outside gets {@code PERMISSION_DENIED}, never a decision. */
class PeerAllowListInterceptorTests {

    private final PeerAllowListInterceptor interceptor = new PeerAllowListInterceptor(
            PeerAllowList.of("dualcore.ext-authz.grpc.allowed-peers", List.of("127.0.0.0/8")));

    @SuppressWarnings("unchecked")
    private final ServerCallHandler<Object, Object> service = mock(ServerCallHandler.class);

    @Test
    void interceptCallWhenPeerOutsideThenPermissionDeniedAndServiceNeverCalled() {
        ServerCall<Object, Object> call = call(new InetSocketAddress("192.0.2.9", 50000));

        this.interceptor.interceptCall(call, new Metadata(), this.service);

        ArgumentCaptor<Status> status = ArgumentCaptor.forClass(Status.class);
        verify(call).close(status.capture(), any(Metadata.class));
        assertThat(status.getValue().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        verify(this.service, never()).startCall(any(), any());
    }

    @Test
    void interceptCallWhenPeerUnknownThenPermissionDenied() {
        ServerCall<Object, Object> call = call(null);

        this.interceptor.interceptCall(call, new Metadata(), this.service);

        verify(call).close(any(Status.class), any(Metadata.class));
        verify(this.service, never()).startCall(any(), any());
    }

    @Test
    void interceptCallWhenPeerAllowedThenTheServiceAnswers() {
        ServerCall<Object, Object> call = call(new InetSocketAddress("127.0.0.1", 50000));
        Metadata headers = new Metadata();

        this.interceptor.interceptCall(call, headers, this.service);

        verify(this.service).startCall(call, headers);
        verify(call, never()).close(any(), any());
    }

    @SuppressWarnings("unchecked")
    private static ServerCall<Object, Object> call(InetSocketAddress peer) {
        ServerCall<Object, Object> call = mock(ServerCall.class);
        Attributes.Builder attributes = Attributes.newBuilder();
        if (peer != null) {
            attributes.set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, peer);
        }
        given(call.getAttributes()).willReturn(attributes.build());
        return call;
    }
}
