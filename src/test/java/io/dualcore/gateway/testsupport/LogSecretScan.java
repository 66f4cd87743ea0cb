package io.dualcore.gateway.testsupport;

import io.dualcore.gateway.auth.TestTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs after the integration tests ({@code verify} phase): fails the build if any log line of the whole test run
 * holds something that looks like a JWT or one of the demo secrets. The gateway must never log a token or a secret,
 * whatever a test made it do.
 */
public final class LogSecretScan {

    /** Signed JWTs, and JWE/JWS fragments long enough to be usable. */
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.");

    /** Secrets the tests use; none may ever appear in a log. */
    private static final List<String> SECRETS = List.of(
            TestTokens.DEMO_EDGE_KEY_BASE64,
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU2Nzg5",
            "dualcore-service-demo-secret",
            "partners-service-demo-secret",
            "alice-demo-password",
            "bob-demo-password",
            "carol-demo-password");

    private LogSecretScan() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/test-logs");
        if (!Files.isDirectory(dir)) {
            System.out.println("LogSecretScan: no test logs in " + dir + ", nothing to scan");
            return;
        }
        List<String> findings = new ArrayList<>();
        long lines = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                int number = 0;
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    number++;
                    lines++;
                    if (JWT.matcher(line).find()) {
                        findings.add(file.getFileName() + ":" + number + " holds a JWT");
                    }
                    for (String secret : SECRETS) {
                        if (line.contains(secret)) {
                            findings.add(file.getFileName() + ":" + number + " holds a secret");
                        }
                    }
                }
            }
        }
        if (!findings.isEmpty()) {
            throw new IllegalStateException("Tokens or secrets in the test run's logs (never print them):\n  "
                    + String.join("\n  ", findings.subList(0, Math.min(20, findings.size()))));
        }
        System.out.println("LogSecretScan: " + lines + " log lines of the test run hold no token and no secret");
    }
}
