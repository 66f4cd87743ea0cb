package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.info.Info;

class TransportInfoContributorTests {

    @Test
    void contributeWhenOnEpollThenTransportReasonAndLoopCount() {
        TransportChoice choice = new TransportChoice(
                NetworkTransport.EPOLL, "auto: io_uring not available (Operation not permitted)", 2);
        Info.Builder builder = new Info.Builder();

        new TransportInfoContributor(() -> choice).contribute(builder);

        assertThat(builder.build().getDetails())
                .containsEntry(
                        "transport",
                        Map.of(
                                "name",
                                "epoll",
                                "reason",
                                "auto: io_uring not available (Operation not permitted)",
                                "eventLoops",
                                2));
    }

    @Test
    void contributeWhenGatewayTransportThenTheOneReactorNettyUses() {
        Info.Builder builder = new Info.Builder();

        new TransportInfoContributor(EventLoops::current).contribute(builder);

        assertThat(builder.build().getDetails().get("transport"))
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("name", EventLoops.transport());
    }
}
