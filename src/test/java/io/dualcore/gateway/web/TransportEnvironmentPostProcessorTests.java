package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.mock.env.MockEnvironment;

class TransportEnvironmentPostProcessorTests {

    @Test
    void postProcessWhenUnknownTransportThenStartupErrorNamingTheSetting() {
        MockEnvironment environment = new MockEnvironment().withProperty("dualcore.transport", "dpdk");

        assertThatExceptionOfType(BindException.class)
                .isThrownBy(() -> new TransportEnvironmentPostProcessor()
                        .postProcessEnvironment(environment, new SpringApplication()))
                .withMessageContaining("dualcore.transport");
    }

    @Test
    void postProcessWhenUnsetThenReactorNettysOwnChoice() {
        new TransportEnvironmentPostProcessor().postProcessEnvironment(new MockEnvironment(), new SpringApplication());

        assertThat(EventLoops.current().reason()).doesNotContain("dualcore.transport");
    }
}
