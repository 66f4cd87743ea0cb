package io.dualcore.gateway.demo;

import io.dualcore.gateway.DualcoreGatewayApplication;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The one-command demo stack behind {@code ./mvnw -Pdemo}: a real Keycloak with the realms of
 * {@code realm-export/}, the gateway on 8080 with both demo cores, and ready-to-paste curl lines with fresh tokens.
 * The console shows only the stack's status, the curl lines and errors; the gateway's and Keycloak's logs go to
 * files under {@code target/} whose paths it prints. Ctrl-C stops everything it started.
 */
public final class DemoStack {

    /** Where the gateway's log goes; the Keycloak fixture writes its own next to {@code target/}. */
    static final Path LOG_DIR = Path.of("target", "demo").toAbsolutePath();

    /** The demo's logging configuration (file, plus errors on the console), a test resource. */
    static final String LOGGING_CONFIG = "demo/logback-demo.xml";

    private DemoStack() {}

    public static void main(String[] args) throws InterruptedException {
        quietLogging();
        System.setProperty("keycloak.http-port", System.getProperty("keycloak.http-port", "8180"));
        status("Starting Keycloak (about 20-40 s, longer on a busy machine)...");
        KeycloakServer keycloak = KeycloakServer.startFromEnvironment();
        String keycloakUrl = keycloak.baseUrl().toString();
        status("Keycloak is up at " + keycloakUrl + "; starting the gateway and the demo cores...");
        ConfigurableApplicationContext gateway = new SpringApplicationBuilder(DualcoreGatewayApplication.class)
                .profiles("demo")
                .bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false)
                .run(
                        "--KEYCLOAK_URL=" + keycloakUrl,
                        "--OIDC_ISSUER_BASE_URL=" + keycloakUrl,
                        // the demo realm's DPoP-bound tokens (a token request with a DPoP proof) need their proofs
                        "--DEMO_REALM_DPOP=allowed",
                        "--logging.config=classpath:" + LOGGING_CONFIG);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            status("Stopping the demo stack...");
            gateway.close();
            keycloak.stop();
            stopped.countDown();
        }));
        String port = gateway.getEnvironment().getProperty("local.server.port", "8080");
        String managementPort = gateway.getEnvironment().getProperty("local.management.port", "8081");
        String base = "http://localhost:" + port;
        String service =
                keycloak.clientCredentialsToken("dualcore", "dualcore-service", "dualcore-service-demo-secret");
        String alice = keycloak.passwordToken("dualcore", "dualcore-demo", "alice", "alice-demo-password");
        String bob = keycloak.passwordToken("dualcore", "dualcore-demo", "bob", "bob-demo-password");
        String carol = keycloak.passwordToken("partners", "partners-demo", "carol", "carol-demo-password");
        String edge = TestTokens.demoEdge()
                .claim("sub", "sensor-42")
                .time("exp", Instant.now().plus(Duration.ofMinutes(10)))
                .sign();
        System.out.println();
        System.out.println("Dualcore Gateway demo stack is up (DEMO tokens below; they expire in 5-10 minutes).");
        System.out.println(
                "  gateway          " + base + "   management http://localhost:" + managementPort + "/actuator/health");
        System.out.println("  Keycloak         " + keycloakUrl + "   (admin/admin)");
        System.out.println("  cores            "
                + gateway.getBean("demoMicroserviceCore", EchoCore.class).uri() + " (microservice), "
                + gateway.getBean("demoEdgeCore", EchoCore.class).uri() + " (edge)");
        System.out.println("  gateway log      " + LOG_DIR.resolve("gateway.log") + "   (audit lines included)");
        System.out.println(
                "  Keycloak log     " + keycloak.logFile().map(Path::toString).orElse("(not written by this stack)"));
        System.out.println();
        System.out.println("# microservice core, client-credentials token of realm dualcore:");
        System.out.println("curl -s " + base + "/api/orders -H 'Authorization: Bearer " + service + "'");
        System.out.println("# microservice core, alice (password grant), then bob on the admin route:");
        System.out.println("curl -s " + base + "/api/profile -H 'Authorization: Bearer " + alice + "'");
        System.out.println("curl -s " + base + "/api/admin/users -H 'Authorization: Bearer " + bob + "'");
        System.out.println("# partners realm (carol), and alice refused on the admin route (403):");
        System.out.println("curl -s " + base + "/api/orders -H 'Authorization: Bearer " + carol + "'");
        System.out.println("curl -si " + base + "/api/admin/users -H 'Authorization: Bearer " + alice + "'");
        System.out.println("# edge core, HMAC edge token of device sensor-42:");
        System.out.println("curl -s " + base + "/edge/telemetry -H 'Authorization: Bearer " + edge + "'");
        System.out.println("# no token (401), and a public anonymous route:");
        System.out.println("curl -si " + base + "/api/orders");
        System.out.println("curl -s " + base + "/api/public/health");
        System.out.println();
        System.out.println("Press Ctrl-C to stop Keycloak, the gateway and the demo cores.");
        stopped.await();
    }

    /**
     * Points Logback at the demo configuration before anything logs: the test classpath's {@code logback-test.xml}
     * (console plus the scanned test log) would otherwise win, for the fixtures as for Spring Boot.
     */
    private static void quietLogging() {
        System.setProperty("demo.log.dir", LOG_DIR.toString());
        System.setProperty("logback.configurationFile", LOGGING_CONFIG);
        System.setProperty("logging.config", "classpath:" + LOGGING_CONFIG);
    }

    private static void status(String line) {
        System.out.println(line);
    }
}
