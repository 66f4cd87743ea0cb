package io.dualcore.gateway.testsupport;

import io.dualcore.gateway.DualcoreGatewayApplication;
import io.dualcore.gateway.auth.oidc.JwksKeySource;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * A whole gateway started in the test JVM on free ports, configured with command-line arguments (they outrank
 * {@code config/application.yml} and replace its lists, as a deployment's would). Tests that need several
 * gateways, or one per configuration, use this instead of a cached Spring test context.
 */
public final class TestGateway implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    private final WebClient client;

    private TestGateway(ConfigurableApplicationContext context) {
        this.context = context;
        this.client = TestClients.webClient(port());
    }

    /** Starts a gateway; each entry becomes {@code --key=value}. */
    public static TestGateway start(Map<String, String> properties) {
        return start(properties, new Class<?>[0]);
    }

    /** Starts a gateway with extra configuration classes (test beans such as an in-memory span exporter). */
    public static TestGateway start(Map<String, String> properties, Class<?>... extraSources) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--management.server.port=0"));
        properties.forEach((key, value) -> args.add("--" + key + "=" + value));
        Class<?>[] sources = new Class<?>[extraSources.length + 1];
        sources[0] = DualcoreGatewayApplication.class;
        System.arraycopy(extraSources, 0, sources, 1, extraSources.length);
        return new TestGateway(new SpringApplicationBuilder(sources).run(args.toArray(String[]::new)));
    }

    public int port() {
        return ((WebServerApplicationContext) this.context).getWebServer().getPort();
    }

    public int managementPort() {
        return Integer.parseInt(this.context.getEnvironment().getProperty("local.management.port"));
    }

    /** GETs a path on the management port. */
    public ResponseEntity<String> management(String path) {
        return TestClients.webClient(managementPort())
                .get()
                .uri(path)
                .exchangeToMono(response -> response.toEntity(String.class))
                .block(TestClients.TIMEOUT);
    }

    /** GETs a path with extra request headers. */
    public ResponseEntity<String> get(String path, String token, Map<String, String> headers) {
        return this.client
                .get()
                .uri(path)
                .headers(h -> {
                    headers.forEach(h::set);
                    if (token != null) {
                        h.setBearerAuth(token);
                    }
                })
                .exchangeToMono(response -> response.toEntity(String.class))
                .block(TestClients.TIMEOUT);
    }

    public <T> T bean(Class<T> type) {
        return this.context.getBean(type);
    }

    /** The key source of a configured OIDC issuer, by its name: fetch counts, published key ids, staleness. */
    public JwksKeySource jwks(String issuer) {
        List<?> verifiers = this.context.getBean("oidcTokenVerifiers", List.class);
        return verifiers.stream()
                .map(OidcTokenVerifier.class::cast)
                .filter(verifier -> verifier.name().equals(issuer))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no OIDC issuer named " + issuer))
                .keys();
    }

    /** Every bean of a type, by name; empty when the context has none. */
    public <T> Map<String, T> beans(Class<T> type) {
        return this.context.getBeansOfType(type);
    }

    /** GETs a path with an optional bearer token and returns status, headers and body. */
    public ResponseEntity<String> get(String path, String token) {
        return this.client
                .get()
                .uri(path)
                .headers(headers -> {
                    if (token != null) {
                        headers.setBearerAuth(token);
                    }
                })
                .exchangeToMono(response -> response.toEntity(String.class))
                .switchIfEmpty(Mono.error(new IllegalStateException("no response from the gateway")))
                .block(TestClients.TIMEOUT);
    }

    @Override
    public void close() {
        this.context.close();
    }
}
