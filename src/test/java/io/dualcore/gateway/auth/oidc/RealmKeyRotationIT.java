package io.dualcore.gateway.auth.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.ControllableProxy;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.keycloak.KeycloakAdmin;
import io.dualcore.gateway.testsupport.keycloak.KeycloakExtension;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import io.dualcore.gateway.testsupport.keycloak.ServiceClient;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.http.ResponseEntity;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A realm's signing key rotated through the Keycloak admin API (new {@code rsa-generated} key with a higher
 * priority, the old one passive, then disabled) while valid traffic flows and a flood of random unknown kids runs:
 * no valid request is refused, and the JWKS fetches counted at a proxy in front of Keycloak stay within one per
 * {@code jwks.min-refresh-interval} (default 1 s).
 */
@ExtendWith(KeycloakExtension.class)
class RealmKeyRotationIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Flood pace: one request every 8 ms, 125 per second. */
    private static final Duration FLOOD_PERIOD = Duration.ofMillis(8);

    /** Flood length, bounded in count and time. */
    private static final int FLOOD_REQUESTS = 800;

    private static EchoCore core;

    private final KeycloakServer keycloak;

    RealmKeyRotationIT(KeycloakServer keycloak) {
        this.keycloak = keycloak;
    }

    @BeforeAll
    static void startCore() {
        core = EchoCore.start("core", "127.0.0.1", 0);
    }

    @AfterAll
    static void stopCore() {
        core.close();
    }

    @Test
    void rotateRealmKeyWhenUnknownKidFloodRunsThenNoValidRequestRefusedAndFetchesBounded() throws Exception {
        String realm = "rotation-" + UUID.randomUUID().toString().substring(0, 8);
        KeycloakAdmin admin = this.keycloak.admin();
        ServiceClient client = admin.createRealm(realm);
        try (ControllableProxy proxy =
                        ControllableProxy.start(this.keycloak.baseUrl().toString());
                TestGateway gateway = TestGateway.start(gatewayProperties(realm, proxy))) {
            String issuer = this.keycloak.issuerUri(realm);
            String oldKid = admin.currentSigningKid(realm);
            String oldComponent = componentOf(admin, realm, oldKid);
            String oldToken = this.keycloak.clientCredentialsToken(client);
            assertThat(gateway.get("/api/orders", oldToken).getStatusCode().value())
                    .isEqualTo(200);

            ValidTraffic valid = new ValidTraffic(gateway, client, oldToken);
            Thread validThread = new Thread(valid, "valid-traffic");
            // the flood has its own connections: valid traffic must not queue behind it in the test client's pool
            ConnectionProvider floodConnections = ConnectionProvider.builder("flood")
                    .maxConnections(1024)
                    .pendingAcquireMaxCount(-1)
                    .build();
            Flood flood = new Flood(
                    TestClients.httpClient(floodConnections).baseUrl("http://127.0.0.1:" + gateway.port()), issuer);
            int fetchesBefore = proxy.jwksRequests();
            long startedAt = System.nanoTime();
            validThread.start();
            flood.start();
            try {
                await("the flood is under way", () -> flood.sent.get() >= 100);
                String newComponent = admin.addRsaKey(realm, 200);
                String newKid = admin.kidsOfComponent(realm, newComponent).get(0);
                await("tokens signed by the new key are accepted", () -> valid.acceptedKids.contains(newKid));

                // the old key stops signing but stays published: tokens it signed keep verifying
                admin.setKeyState(realm, oldComponent, false, true);
                int acceptedBefore = valid.accepted.get();
                await(
                        "valid traffic continues with the old key passive",
                        () -> valid.accepted.get() >= acceptedBefore + 20);
                valid.oldTokenStillValid.set(false);
                admin.setKeyState(realm, oldComponent, false, false);
                int acceptedAfterPassive = valid.accepted.get();
                await(
                        "valid traffic continues with the old key disabled",
                        () -> valid.accepted.get() >= acceptedAfterPassive + 20);
                await("the flood has ended", flood::finished);
            } finally {
                valid.running.set(false);
                validThread.join(TestClients.TIMEOUT.toMillis());
                flood.stop();
                floodConnections.disposeLater().block(TestClients.TIMEOUT);
            }
            double seconds = (System.nanoTime() - startedAt) / 1e9;
            int fetches = proxy.jwksRequests() - fetchesBefore;
            System.out.printf(
                    "Rotation under flood: %.1f s, %d valid requests (%d refused), %d flood requests (%.0f/s), %s,"
                            + " %d JWKS fetches%n",
                    seconds,
                    valid.accepted.get() + valid.refused.size(),
                    valid.refused.size(),
                    flood.answered.get(),
                    flood.sent.get() / flood.seconds(),
                    flood.codes,
                    fetches);

            assertThat(valid.refused).as("valid requests refused").isEmpty();
            assertThat(valid.acceptedKids).contains(oldKid);
            assertThat(flood.sent.get() / flood.seconds())
                    .as("flood rate, requests per second")
                    .isGreaterThanOrEqualTo(100);
            assertThat(flood.answered.get()).isEqualTo(FLOOD_REQUESTS);
            assertThat(flood.codes.keySet())
                    .as("no forged kid is ever accepted")
                    .noneMatch(code -> code.startsWith("2"));
            assertThat(flood.codes
                            .getOrDefault("401 unknown_key", new AtomicInteger())
                            .get())
                    .isGreaterThan(FLOOD_REQUESTS * 9 / 10);
            // the documented rate: one fetch per min-refresh-interval (1 s), plus the one that was due anyway
            assertThat(fetches).as("JWKS fetches in %.1f s", seconds).isLessThanOrEqualTo((int) Math.ceil(seconds) + 1);
        } finally {
            admin.deleteRealm(realm);
        }
    }

    private Map<String, String> gatewayProperties(String realm, ControllableProxy proxy) {
        String prefix = "dualcore.auth.oidc.issuers[0].";
        return Map.of(
                "MICROSERVICE_CORE_URI",
                core.uri(),
                "EDGE_CORE_URI",
                core.uri(),
                prefix + "name",
                realm,
                prefix + "issuer-uri",
                this.keycloak.issuerUri(realm),
                prefix + "jwks-uri",
                proxy.url() + "/realms/" + realm + "/protocol/openid-connect/certs",
                prefix + "audiences",
                KeycloakAdmin.GATEWAY_AUDIENCE,
                "dualcore.telemetry.audit-allowed",
                "false");
    }

    private static String componentOf(KeycloakAdmin admin, String realm, String kid) {
        for (JsonNode key : admin.keys(realm).path("keys")) {
            if (kid.equals(key.path("kid").asString())) {
                return key.path("providerId").asString();
            }
        }
        throw new IllegalStateException("No key provider for kid " + kid);
    }

    static String kidOf(String jwt) {
        String header =
                new String(Base64.getUrlDecoder().decode(jwt.substring(0, jwt.indexOf('.'))), StandardCharsets.UTF_8);
        return JSON.readTree(header).path("kid").asString();
    }

    private static void await(String what, BooleanSupplier condition) {
        Awaitility.await(what)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(condition::getAsBoolean);
    }

    /** Fresh Keycloak tokens, one request each, plus the pre-rotation token while its key is published. */
    private final class ValidTraffic implements Runnable {

        final AtomicBoolean running = new AtomicBoolean(true);

        final AtomicBoolean oldTokenStillValid = new AtomicBoolean(true);

        final AtomicInteger accepted = new AtomicInteger();

        final List<String> refused = new CopyOnWriteArrayList<>();

        final List<String> acceptedKids = new CopyOnWriteArrayList<>();

        private final TestGateway gateway;

        private final ServiceClient client;

        private final String oldToken;

        ValidTraffic(TestGateway gateway, ServiceClient client, String oldToken) {
            this.gateway = gateway;
            this.client = client;
            this.oldToken = oldToken;
        }

        @Override
        public void run() {
            while (this.running.get()) {
                send(RealmKeyRotationIT.this.keycloak.clientCredentialsToken(this.client));
                if (this.oldTokenStillValid.get()) {
                    send(this.oldToken);
                }
            }
        }

        private void send(String token) {
            ResponseEntity<String> response;
            try {
                response = this.gateway.get("/api/orders", token);
            } catch (RuntimeException ex) {
                this.refused.add(kidOf(token) + " -> " + ex);
                return;
            }
            if (response.getStatusCode().value() == 200) {
                this.accepted.incrementAndGet();
                String kid = kidOf(token);
                if (!this.acceptedKids.contains(kid)) {
                    this.acceptedKids.add(kid);
                }
            } else {
                this.refused.add(
                        kidOf(token) + " -> " + response.getStatusCode().value() + " " + response.getBody());
            }
        }
    }

    /** Random unknown kids at a fixed pace, a bounded number of them; tokens are built before it starts. */
    private static final class Flood {

        final AtomicInteger sent = new AtomicInteger();

        final AtomicInteger answered = new AtomicInteger();

        final Map<String, AtomicInteger> codes = new ConcurrentHashMap<>();

        private final HttpClient client;

        private final List<String> authorizations = new ArrayList<>();

        private volatile long startedAt;

        private volatile long lastSentAt;

        private Disposable running;

        Flood(HttpClient client, String issuer) {
            this.client = client;
            for (int i = 0; i < FLOOD_REQUESTS; i++) {
                this.authorizations.add("Bearer " + forged(issuer));
            }
        }

        void start() {
            this.startedAt = System.nanoTime();
            this.running = Flux.interval(FLOOD_PERIOD)
                    .take(FLOOD_REQUESTS)
                    .onBackpressureBuffer()
                    .flatMap(
                            i -> {
                                this.sent.incrementAndGet();
                                this.lastSentAt = System.nanoTime();
                                String authorization = this.authorizations.get(i.intValue());
                                return this.client
                                        .headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, authorization))
                                        .get()
                                        .uri("/api/orders")
                                        .responseSingle((response, body) -> body.asString()
                                                .defaultIfEmpty("")
                                                .map(text -> response.status().code() + " " + code(text)))
                                        .timeout(TestClients.TIMEOUT)
                                        .onErrorResume(ex -> Mono.just(
                                                "error " + ex.getClass().getSimpleName()));
                            },
                            FLOOD_REQUESTS)
                    .subscribe(code -> {
                        this.codes
                                .computeIfAbsent(code, c -> new AtomicInteger())
                                .incrementAndGet();
                        this.answered.incrementAndGet();
                    });
        }

        boolean finished() {
            return this.answered.get() >= FLOOD_REQUESTS;
        }

        double seconds() {
            return (this.lastSentAt - this.startedAt) / 1e9;
        }

        void stop() {
            this.running.dispose();
        }

        /** A token of the trusted realm with a random kid; the signature never gets checked. */
        private static String forged(String issuer) {
            String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + UUID.randomUUID() + "\"}";
            long now = System.currentTimeMillis() / 1000;
            String payload = "{\"iss\":\"" + issuer + "\",\"sub\":\"attacker\",\"aud\":\""
                    + KeycloakAdmin.GATEWAY_AUDIENCE + "\",\"iat\":" + now + ",\"exp\":" + (now + 600) + "}";
            byte[] signature = new byte[256];
            ThreadLocalRandom.current().nextBytes(signature);
            Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
            return encoder.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                    + encoder.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "."
                    + encoder.encodeToString(signature);
        }

        private static String code(String body) {
            return body.isEmpty() ? "-" : JSON.readTree(body).path("code").asString();
        }
    }
}
