package io.dualcore.gateway.auth.edge;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestTokens;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The published demo edge key is recognized by its secret, whatever its kid, and never printed. */
class DemoEdgeKeyTests {

    private static final String DEMO_SECRET_TEXT = new String(TestTokens.demoEdgeKey(), StandardCharsets.US_ASCII);

    private final Logger logger = (Logger) LoggerFactory.getLogger(DemoEdgeKey.class);

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void captureLog() {
        this.log.start();
        this.logger.addAppender(this.log);
    }

    @AfterEach
    void detachLog() {
        this.logger.detachAppender(this.log);
    }

    private static EdgeKeyRing ring(String kid, byte[] secret) {
        return EdgeKeyRing.of(List.of(
                TestChain.edgeKey("other", "HS512", TestChain.randomBytes(64)),
                TestChain.edgeKey(kid, "HS256", secret)));
    }

    @Test
    void inWhenDemoSecretUnderAnotherKidThenFound() {
        EdgeKeyRing ring = ring("my-device-key", TestTokens.demoEdgeKey());

        assertThat(DemoEdgeKey.in(ring)).extracting(EdgeKeyRing.EdgeKey::kid).containsExactly("my-device-key");
    }

    @Test
    void inWhenDemoKidWithOwnSecretThenNotFound() {
        EdgeKeyRing ring = ring("edge-demo-1", TestChain.randomBytes(32));

        assertThat(DemoEdgeKey.in(ring)).isEmpty();
        assertThat(DemoEdgeKey.warning(ring)).isNull();
    }

    @Test
    void warningWhenDemoKeyThenNamesKidOriginAndFixButNeverTheSecret() {
        String warning = DemoEdgeKey.warning(ring("edge-demo-1", TestTokens.demoEdgeKey()));

        assertThat(warning)
                .contains("kid=edge-demo-1 (dualcore.auth.edge.keys[1])")
                .contains("EDGE_HMAC_DEMO_KEY")
                .contains("openssl rand -base64 32")
                .doesNotContain(TestTokens.DEMO_EDGE_KEY_BASE64)
                .doesNotContain(DEMO_SECRET_TEXT);
    }

    @Test
    void warnOutsideDemoWhenDemoKeyAndNoDemoProfileThenOneWarning() {
        DemoEdgeKey.warnOutsideDemo(ring("edge-demo-1", TestTokens.demoEdgeKey()), false);

        assertThat(this.log.list).hasSize(1);
        assertThat(this.log.list.get(0).getLevel()).isEqualTo(Level.WARN);
        assertThat(this.log.list.get(0).getFormattedMessage())
                .contains("published demo key")
                .doesNotContain(TestTokens.DEMO_EDGE_KEY_BASE64);
    }

    @Test
    void warnOutsideDemoWhenDemoProfileOrOwnKeyThenSilent() {
        DemoEdgeKey.warnOutsideDemo(ring("edge-demo-1", TestTokens.demoEdgeKey()), true);
        DemoEdgeKey.warnOutsideDemo(ring("edge-demo-1", TestChain.randomBytes(32)), false);

        assertThat(this.log.list).isEmpty();
    }
}
