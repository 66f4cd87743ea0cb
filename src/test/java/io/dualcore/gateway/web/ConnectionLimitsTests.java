package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.dualcore.gateway.web.ConnectionLimits.CloseReason;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConnectionLimitsTests {

    @Test
    void admitWhenMaximumOpenThenNewConnectionClosedAndCounted() {
        ConnectionLimits limits = new ConnectionLimits("gateway", 2);
        EmbeddedChannel first = new EmbeddedChannel();
        EmbeddedChannel second = new EmbeddedChannel();
        EmbeddedChannel third = new EmbeddedChannel();

        assertThat(limits.admit(first)).isTrue();
        assertThat(limits.admit(second)).isTrue();
        assertThat(limits.admit(third)).isFalse();

        assertThat(third.isOpen()).isFalse();
        assertThat(first.isOpen()).isTrue();
        assertThat(limits.open()).isEqualTo(2);
        assertThat(limits.closedCount(CloseReason.MAX_CONNECTIONS)).isEqualTo(1);
    }

    @Test
    void admitWhenAConnectionClosedThenRoomForANewOne() {
        ConnectionLimits limits = new ConnectionLimits("gateway", 1);
        EmbeddedChannel first = new EmbeddedChannel();
        assertThat(limits.admit(first)).isTrue();
        first.close();
        assertThat(limits.open()).isZero();
        assertThat(limits.admit(new EmbeddedChannel())).isTrue();
        assertThat(limits.closedCount(CloseReason.MAX_CONNECTIONS)).isZero();
    }

    @Test
    void closeReasonWhenTaggedThenSnakeCase() {
        assertThat(CloseReason.KEEP_ALIVE_TIMEOUT.tag()).isEqualTo("keep_alive_timeout");
        assertThat(CloseReason.MAX_CONNECTIONS.tag()).isEqualTo("max_connections");
    }

    @Test
    void propertiesWhenTimeoutZeroThenStartupErrorNamingTheProperty() {
        ConnectionProperties defaults = ConnectionProperties.defaults();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ConnectionProperties(
                        Duration.ZERO,
                        defaults.bodyReadTimeout(),
                        defaults.keepAliveTimeout(),
                        1,
                        1,
                        1,
                        1,
                        defaults.http2ResetWindow()))
                .withMessageContaining("dualcore.connections.header-read-timeout");
    }

    @Test
    void propertiesWhenResetWindowNotWholeSecondsThenStartupError() {
        ConnectionProperties defaults = ConnectionProperties.defaults();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ConnectionProperties(
                        defaults.headerReadTimeout(),
                        defaults.bodyReadTimeout(),
                        defaults.keepAliveTimeout(),
                        1,
                        1,
                        1,
                        1,
                        Duration.ofMillis(1500)))
                .withMessageContaining("dualcore.connections.http2-reset-window");
    }
}
