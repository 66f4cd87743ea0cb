package io.dualcore.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code config check} validates with the constraints the gateway binds with, and reports every problem at once. */
class ConfigCommandTests {

    @TempDir
    Path temp;

    private String check(String yaml) throws IOException {
        Path file = this.temp.resolve("application.yml");
        Files.writeString(file, yaml);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = GatewayCli.run(
                new String[] {"config", "check", "--offline", file.toString()},
                new PrintWriter(out, true),
                new PrintWriter(err, true));
        return exit + "\n" + out + err;
    }

    @Test
    void checkWhenConstraintsAndCrossChecksBrokenThenEveryProblemWithItsProperty() throws IOException {
        String result = check("""
                dualcore:
                  auth:
                    oidc:
                      issuers:
                        - name: realm
                          issuer-uri: https://idp.test/realms/realm
                          algorithms: [HS256]
                          userinfo:
                            enabled: true
                            claims: [email, sub]
                            timeout: 0s
                            circuit-breaker:
                              minimum-calls: 0
                """);

        assertThat(result)
                .startsWith("1\n")
                .contains("ERROR dualcore.auth.oidc.issuers[0].audiences: is empty; list the aud values")
                .contains("ERROR dualcore.auth.oidc.issuers[0].userinfo.timeout: must be positive (e.g. 2s)")
                .contains("ERROR dualcore.auth.oidc.issuers[0].userinfo.circuit-breaker.minimum-calls: must be at"
                        + " least 1 (e.g. 5)")
                .contains("dualcore.auth.oidc.issuers[0].algorithms (realm): HS256 is not an asymmetric")
                .contains("'sub' is a claim of the verified token that UserInfo may not replace")
                .contains("5 error(s)");
    }

    @Test
    void checkWhenCelComparesModeWithUnknownNameThenProblemNamesPropertyAndLiteral() throws IOException {
        String result = check("""
                dualcore:
                  routes:
                    orders:
                      access:
                        modes: [oidc]
                        expression: "mode in ['oidc', 'egde']"
                """);

        assertThat(result)
                .contains("dualcore.routes.orders.access.expression")
                .contains("\"egde\"")
                .contains("registered modes are [oidc, edge]");
    }

    @Test
    void checkWhenEnumValueUnknownThenProblemNamesTheProperty() throws IOException {
        String result = check("""
                dualcore:
                  auth:
                    oidc:
                      issuers:
                        - name: realm
                          issuer-uri: https://idp.test/realms/realm
                          audiences: [gw]
                          introspection:
                            failure-policy: sometimes
                """);

        assertThat(result)
                .startsWith("1\n")
                .contains("ERROR dualcore.auth.oidc.issuers[0].introspection.failure-policy: cannot be bound");
    }
}
