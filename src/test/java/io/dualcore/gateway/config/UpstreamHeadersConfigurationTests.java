package io.dualcore.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.web.ForwardedHeadersRemovalFilter;
import io.dualcore.gateway.web.HopByHopHeadersFilter;
import io.dualcore.gateway.web.XForwardedHeadersRemovalFilter;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.headers.RemoveForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveXForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.XForwardedHeadersFilter;

/** Spring Cloud Gateway's copying header filters are replaced (hop-by-hop with its bound settings); nothing else is. */
class UpstreamHeadersConfigurationTests {

    private final UpstreamHeadersConfiguration.HeaderFiltersReplacement replacement =
            new UpstreamHeadersConfiguration.HeaderFiltersReplacement();

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
    void postProcessWhenStockForwardedRemovalFiltersThenReplaced() {
        assertThat(this.replacement.postProcessAfterInitialization(
                        new RemoveForwardedHeadersFilter(), "removeForwardedHeadersFilter"))
                .isInstanceOf(ForwardedHeadersRemovalFilter.class);
        assertThat(this.replacement.postProcessAfterInitialization(
                        new RemoveXForwardedHeadersFilter(), "removeXForwardedHeadersFilter"))
                .isInstanceOf(XForwardedHeadersRemovalFilter.class);
    }

    @Test
    void postProcessWhenOtherBeanThenUnchanged() {
        XForwardedHeadersFilter trustedProxies = new XForwardedHeadersFilter();
        RemoveHopByHopHeadersFilter subclass = new RemoveHopByHopHeadersFilter() {};

        assertThat(this.replacement.postProcessAfterInitialization(trustedProxies, "xForwardedHeadersFilter"))
                .isSameAs(trustedProxies);
        assertThat(this.replacement.postProcessAfterInitialization(subclass, "custom"))
                .isSameAs(subclass);
    }
}
