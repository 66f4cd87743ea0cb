package io.dualcore.gateway.cli;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.edge.EdgeKeyFiles;
import io.dualcore.gateway.auth.edge.EdgeKeyRing;
import io.dualcore.gateway.auth.edge.ReloadableEdgeKeyRing;
import io.dualcore.gateway.policy.AccessPolicy;
import io.dualcore.gateway.policy.RoutePolicies;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.FileCopyUtils;
import org.springframework.util.StringUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Edge tokens for provisioning and tests, and the answer to "why was this token refused?". */
@Command(
        name = "token",
        description = "Mint and inspect tokens",
        mixinStandardHelpOptions = true,
        subcommands = {TokenCommand.Mint.class, TokenCommand.Inspect.class})
final class TokenCommand {

    @ParentCommand
    GatewayCli root;

    @Command(
            name = "mint",
            mixinStandardHelpOptions = true,
            description = "An edge token signed with a key of the configured edge key ring")
    static final class Mint implements Callable<Integer> {

        @ParentCommand
        TokenCommand parent;

        @Spec
        CommandSpec spec;

        @Option(names = "--sub", required = true, description = "the device or service (sub)")
        String subject;

        @Option(names = "--device-id", description = "device_id claim")
        String deviceId;

        @Option(names = "--roles", split = ",", description = "roles, comma-separated")
        List<String> roles = new ArrayList<>();

        @Option(names = "--scope", description = "space-separated scopes")
        String scope;

        @Option(
                names = "--ttl",
                defaultValue = "5m",
                description = "lifetime (default ${DEFAULT-VALUE}); at most" + " dualcore.auth.edge.max-lifetime")
        String ttl;

        @Option(names = "--kid", description = "the key (default: the newest active key)")
        String kid;

        @Option(names = "--aud", description = "audience (default: the first of dualcore.auth.edge.audiences)")
        String audience;

        @Override
        public Integer call() throws JOSEException {
            PrintWriter err = this.spec.commandLine().getErr();
            AuthProperties.Edge edge = this.parent.root.configuration().auth().edge();
            if (!StringUtils.hasText(edge.issuer())) {
                err.println("error: dualcore.auth.edge.issuer is empty: edge authentication is off");
                return 2;
            }
            Duration lifetime = DurationStyle.detectAndParse(this.ttl);
            if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(edge.maxLifetime()) > 0) {
                err.println("error: --ttl " + this.ttl + " is above dualcore.auth.edge.max-lifetime ("
                        + edge.maxLifetime() + ") or not positive; the gateway would refuse the token");
                return 2;
            }
            Clock clock = Clock.systemUTC();
            // validates the whole ring exactly as the gateway does
            EdgeKeyRing ring =
                    new ReloadableEdgeKeyRing(edge.keys(), edge.keyDirectory(), edge.keyDirectoryRescan(), clock).get();
            List<AuthProperties.EdgeKey> configured = new ArrayList<>(edge.keys());
            if (edge.keyDirectory() != null) {
                configured.addAll(EdgeKeyFiles.read(edge.keyDirectory()).valid().keys());
            }
            Instant now = clock.instant();
            AuthProperties.EdgeKey key = null;
            for (AuthProperties.EdgeKey candidate : configured) {
                EdgeKeyRing.EdgeKey loaded = ring.get(candidate.kid());
                boolean wanted = (this.kid != null)
                        ? candidate.kid().equals(this.kid)
                        : loaded.activeAt(now) && (key == null || newer(candidate, key));
                if (wanted) {
                    key = candidate;
                }
            }
            if (key == null) {
                err.println("error: " + (this.kid != null ? "no edge key with kid " + this.kid : "no active edge key")
                        + "; configured: " + ring.keyIds());
                return 2;
            }
            if (!ring.get(key.kid()).activeAt(now)) {
                err.println("warning: key " + key.kid() + " is outside its validity window; the gateway refuses its"
                        + " tokens (unknown_key)");
            }
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                    .issuer(edge.issuer())
                    .subject(this.subject)
                    .audience(
                            this.audience != null
                                    ? this.audience
                                    : edge.audiences().get(0))
                    .issueTime(Date.from(now))
                    .expirationTime(Date.from(now.plus(lifetime)))
                    .jwtID(UUID.randomUUID().toString());
            if (this.deviceId != null) {
                claims.claim("device_id", this.deviceId);
            }
            if (!this.roles.isEmpty()) {
                claims.claim("roles", this.roles);
            }
            if (this.scope != null) {
                claims.claim("scope", this.scope);
            }
            EdgeKeyRing.EdgeKey signing = ring.get(key.kid());
            JWSHeader.Builder header = new JWSHeader.Builder(signing.algorithm()).keyID(key.kid());
            header.type(
                    StringUtils.hasText(edge.tokenType()) ? new JOSEObjectType(edge.tokenType()) : JOSEObjectType.JWT);
            SignedJWT jwt = new SignedJWT(header.build(), claims.build());
            jwt.sign(new MACSigner(EdgeKeyRing.secretOf(key, "kid=" + key.kid())));
            this.spec.commandLine().getOut().println(jwt.serialize());
            return 0;
        }

        private static boolean newer(AuthProperties.EdgeKey candidate, AuthProperties.EdgeKey current) {
            Instant a = candidate.notBefore() != null ? candidate.notBefore() : Instant.EPOCH;
            Instant b = current.notBefore() != null ? current.notBefore() : Instant.EPOCH;
            return !a.isBefore(b);
        }
    }

    @Command(
            name = "inspect",
            mixinStandardHelpOptions = true,
            description = "Decodes a token and runs the gateway's verifier chain on it: accepted, or the exact error"
                    + " code and reason; then the routes its identity may use. Exit code 0 accepted, 1 refused.")
    static final class Inspect implements Callable<Integer> {

        @ParentCommand
        TokenCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(
                arity = "0..1",
                paramLabel = "TOKEN",
                description = "the token, or - (default) to read tokens from stdin, one per line")
        String token;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = this.spec.commandLine().getOut();
            List<String> tokens = new ArrayList<>();
            if (this.token == null || this.token.equals("-")) {
                // one token per line: several can be checked with one start
                String input = FileCopyUtils.copyToString(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
                input.lines().map(String::strip).filter(line -> !line.isEmpty()).forEach(tokens::add);
            } else {
                tokens.add(this.token);
            }
            CliConfiguration configuration = this.parent.root.configuration();
            int exit = 0;
            try (CliChain chain = new CliChain(configuration.auth(), Clock.systemUTC())) {
                for (int i = 0; i < tokens.size(); i++) {
                    if (i > 0) {
                        out.println();
                    }
                    exit = Math.max(exit, inspect(tokens.get(i), chain, configuration, out));
                }
            }
            return exit;
        }

        private static int inspect(String token, CliChain chain, CliConfiguration configuration, PrintWriter out) {
            if (token.regionMatches(true, 0, "Bearer ", 0, 7)) {
                token = token.substring(7).strip();
            }
            String[] parts = token.split("\\.", -1);
            out.println("header   " + decode(parts, 0));
            out.println("claims   " + decode(parts, 1));
            GatewayIdentity identity;
            try {
                identity = chain.authenticator.authenticate(token).block(Duration.ofSeconds(30));
            } catch (TokenRejectedException ex) {
                out.println("verdict  refused " + ex.errorCode().status().value() + " "
                        + ex.errorCode().code() + ": " + ex.description());
                return 1;
            }
            out.println("verdict  accepted");
            out.println("identity mode=" + identity.mode().name() + " realm=" + identity.realm() + " subject="
                    + identity.subject() + (identity.clientId() != null ? " client=" + identity.clientId() : "")
                    + (identity.deviceId() != null ? " device=" + identity.deviceId() : "") + " kid="
                    + identity.keyId() + " expires=" + identity.expiresAt());
            out.println("roles    " + identity.roles());
            out.println("scopes   " + identity.scopes());
            out.println("routes");
            Map<String, List<String>> routes = configuration.gatewayRoutes();
            RoutePolicies policies =
                    RoutePolicies.of(configuration.routes(), routes.keySet(), CliConfiguration.modes());
            routes.forEach((routeId, predicates) -> {
                RoutePolicies.Entry entry = policies.forRoute(routeId);
                String verdict;
                if (entry == null) {
                    verdict = "denied 403 no_route_policy";
                } else {
                    AccessPolicy.Denial denial = entry.policy().check(identity);
                    verdict = (denial == null)
                            ? "allowed"
                            : "denied " + denial.code().status().value() + " "
                                    + denial.code().code() + ": " + denial.description();
                }
                out.printf("  %-24s %-32s %s%n", routeId, String.join(" ", predicates), verdict);
            });
            return 0;
        }

        private static String decode(String[] parts, int index) {
            if (parts.length != 3) {
                return "(not a compact JWS: " + parts.length + " parts)";
            }
            try {
                return new String(Base64.getUrlDecoder().decode(parts[index]), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException ex) {
                return "(not base64url)";
            }
        }
    }
}
