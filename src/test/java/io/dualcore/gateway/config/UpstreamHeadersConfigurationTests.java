package io.dualcore.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.web.HopByHopHeadersFilter;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveXForwardedHeadersFilter;

/** Spring Cloud Gateway's hop-by-hop filter is replaced with its bound settings; nothing else is. */
class UpstreamHeadersConfigurationTests {

    private final UpstreamHeadersConfiguration.HopByHopReplacement replacement =
            new UpstreamHeadersConfiguration.HopByHopReplacement();

    @Test
    void postProcessWhenStockHopByHopFilterThenReplacedWithItsSettings() {
        RemoveHopByHopHeadersFilter stock = new RemoveHopByHopHeadersFilter();
        stock.setHeaders(Set.of("Keep-Alive", "X-Drop"));
        stock.setOrder(42);

        Object replaced = this.replacement.postProcessAfterInitialization(stock, "removeHopByHopHeadersFilter");

        assertThat(replaced).isInstanceOf(HopByHopHeadersFilter.class);
        HopByHopHeadersFilter filter = (HopByHopHeadersFilter) replaced;
        assertThat(filter.getHeaders()).containsExactlyInAnyOrder("keep-alive", "x-drop");
        assertThat(filter.getOrder()).isEqualTo(42);
    }

    @Test
    void postProcessWhenOtherBeanThenUnchanged() {
        RemoveXForwardedHeadersFilter other = new RemoveXForwardedHeadersFilter();

        assertThat(this.replacement.postProcessAfterInitialization(other, "removeXForwardedHeadersFilter"))
                .isSameAs(other);
    }
}
