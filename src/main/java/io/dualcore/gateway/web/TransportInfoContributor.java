package io.dualcore.gateway.web;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

/**
 * {@code /actuator/info} {@code transport}: the network transport the gateway runs on, why, and its event-loop count
 * (an operator asking "is this pod on io_uring or epoll?" needs no log search).
 */
public final class TransportInfoContributor implements InfoContributor {

    private final Supplier<TransportChoice> choice;

    public TransportInfoContributor(Supplier<TransportChoice> choice) {
        this.choice = choice;
    }

    @Override
    public void contribute(Info.Builder builder) {
        TransportChoice current = this.choice.get();
        Map<String, Object> transport = new LinkedHashMap<>();
        transport.put("name", current.transport().label());
        transport.put("reason", current.reason());
        transport.put("eventLoops", current.eventLoops());
        builder.withDetail("transport", transport);
    }
}
