package io.dualcore.gateway.cli;

import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.AuthSettingsCheck;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import io.dualcore.gateway.auth.edge.EdgeKeyFiles;
import io.dualcore.gateway.auth.edge.EdgeKeyRing;
import io.dualcore.gateway.policy.AccessPolicy;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.ratelimit.RateLimitProperties;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.support.settings.InvalidSettingsException;
import io.dualcore.gateway.support.settings.SettingsBinding;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.util.StringUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Configuration validation. */
@Command(
        name = "config",
        description = "Configuration",
        mixinStandardHelpOptions = true,
        subcommands = {ConfigCommand.Check.class})
final class ConfigCommand {

    @ParentCommand
    GatewayCli root;

    @Command(
            name = "check",
            mixinStandardHelpOptions = true,
            description = "Validates a configuration and prints every problem at once, with property names; warns"
                    + " where a realm's discovery document disagrees with its issuer or its JWKS is unreachable."
                    + " Exit code 1 on any error.")
    static final class Check implements Callable<Integer> {

        @ParentCommand
        ConfigCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", arity = "0..*", description = "files (default: as the gateway reads them)")
        List<Path> files = new ArrayList<>();

        @Option(names = "--offline", description = "skip the discovery and JWKS checks")
        boolean offline;

        private final List<String> errors = new ArrayList<>();

        private final List<String> warnings = new ArrayList<>();

        @Override
        public Integer call() {
            PrintWriter out = this.spec.commandLine().getOut();
            CliConfiguration configuration;
            try {
                configuration =
                        this.files.isEmpty() ? this.parent.root.configuration() : CliConfiguration.load(this.files);
            } catch (RuntimeException ex) {
                out.println("ERROR " + ex.getMessage());
                return 1;
            }
            out.println("checking " + configuration.files() + " (+ environment)");
            // every broken constraint is reported, and the checks across settings still look at what was bound
            AuthProperties auth = bind(configuration::authUnchecked);
            if (auth != null) {
                this.errors.addAll(SettingsBinding.problems("dualcore.auth", auth));
            }
            RouteProperties routes = bind(configuration::routes);
            RateLimitProperties rateLimit = bind(() ->
                    SettingsBinding.bind(configuration.binder(), "dualcore.rate-limit", RateLimitProperties.class));
            if (auth != null) {
                this.errors.addAll(AuthSettingsCheck.issuerProblems(auth));
                checkEdge(auth.edge());
            }
            Map<String, RatePlan> plans = new LinkedHashMap<>();
            if (rateLimit != null) {
                rateLimit.plans().forEach((name, plan) -> check(() -> plans.put(name, RatePlan.of(name, plan))));
            }
            CredentialsProperties credentials = bind(() ->
                    SettingsBinding.bind(configuration.binder(), "dualcore.credentials", CredentialsProperties.class));
            CredentialCarriers carriers = null;
            if (credentials != null) {
                try {
                    carriers = CredentialCarriers.of(credentials);
                } catch (IllegalStateException ex) {
                    this.errors.add(ex.getMessage());
                }
            }
            if (routes != null) {
                checkRoutes(routes, configuration.gatewayRoutes(), rateLimit != null ? plans : null, carriers);
            }
            if (auth != null && !this.offline) {
                auth.oidc().issuers().forEach(this::checkIssuerReachable);
            }
            this.errors.forEach(error -> out.println("ERROR " + error));
            this.warnings.forEach(warning -> out.println("WARN  " + warning));
            out.println(this.errors.size() + " error(s), " + this.warnings.size() + " warning(s)");
            return this.errors.isEmpty() ? 0 : 1;
        }

        private <T> T bind(Supplier<T> binding) {
            try {
                return binding.get();
            } catch (InvalidSettingsException ex) {
                this.errors.addAll(ex.problems());
                return null;
            } catch (BindException ex) {
                this.errors.add(SettingsBinding.problem(ex));
                return null;
            }
        }

        private void check(Runnable check) {
            try {
                check.run();
            } catch (IllegalStateException | IllegalArgumentException ex) {
                this.errors.add(ex.getMessage());
            }
        }

        private void checkEdge(AuthProperties.Edge edge) {
            if (!StringUtils.hasText(edge.issuer())) {
                return;
            }
            if (edge.audiences().isEmpty()) {
                this.errors.add("dualcore.auth.edge.audiences: empty; list the aud values edge tokens carry");
            }
            List<AuthProperties.EdgeKey> keys = new ArrayList<>();
            List<String> origins = new ArrayList<>();
            for (int i = 0; i < edge.keys().size(); i++) {
                keys.add(edge.keys().get(i));
                origins.add("dualcore.auth.edge.keys[" + i + "]");
            }
            if (edge.keyDirectory() != null) {
                if (!Files.isDirectory(edge.keyDirectory())) {
                    this.errors.add("dualcore.auth.edge.key-directory: " + edge.keyDirectory() + " is not a directory");
                } else {
                    try {
                        EdgeKeyFiles.Snapshot files = EdgeKeyFiles.read(edge.keyDirectory());
                        if (files.problem() != null) {
                            this.errors.add(files.problem().getMessage());
                        }
                        keys.addAll(files.keys());
                        origins.addAll(files.origins());
                    } catch (IllegalStateException ex) {
                        this.errors.add(ex.getMessage());
                    }
                }
            }
            // each key on its own first, so that every bad key is reported; then the ring (duplicates)
            boolean eachValid = true;
            for (int i = 0; i < keys.size(); i++) {
                int index = i;
                int before = this.errors.size();
                check(() -> EdgeKeyRing.of(List.of(keys.get(index)), List.of(origins.get(index))));
                eachValid &= this.errors.size() == before;
            }
            if (eachValid) {
                check(() -> EdgeKeyRing.of(keys, origins));
            }
            if (keys.isEmpty()) {
                this.errors.add("dualcore.auth.edge.issuer is set but dualcore.auth.edge.keys is empty (and no key"
                        + " file); add a key or unset the issuer");
            }
        }

        private void checkRoutes(
                RouteProperties routes,
                Map<String, List<String>> gatewayRoutes,
                Map<String, RatePlan> plans,
                CredentialCarriers carriers) {
            routes.routes().forEach((routeId, settings) -> {
                if (!gatewayRoutes.containsKey(routeId)) {
                    this.errors.add("dualcore.routes." + routeId + ": no route has the id '" + routeId
                            + "'; known route ids are " + gatewayRoutes.keySet());
                }
                VerificationModes modes = CliConfiguration.modes();
                if (carriers != null) {
                    check(() -> RoutePolicies.checkIntrospection(
                            routeId,
                            settings,
                            AccessPolicy.of(routeId, settings.access(), carriers::isCredentialHeader, modes),
                            modes));
                    RouteProperties.ForwardCredentials forward = settings.forwardCredentials();
                    check(() -> carriers.forwarding(
                            "dualcore.routes." + routeId + ".forward-credentials",
                            forward.headers(),
                            forward.cookies()));
                } else {
                    check(() -> RoutePolicies.checkIntrospection(
                            routeId, settings, AccessPolicy.of(routeId, settings.access(), modes), modes));
                }
                if (plans != null) {
                    settings.rateLimit().forEach((mode, plan) -> {
                        if (!Mode.ANONYMOUS.equalsIgnoreCase(mode)) {
                            check(() -> modes.parse("dualcore.routes." + routeId + ".rate-limit", mode));
                        }
                        checkPlan(plans, routeId, mode, plan);
                    });
                }
            });
            gatewayRoutes.keySet().stream()
                    .filter(id -> !routes.routes().containsKey(id))
                    .forEach(id -> this.warnings.add("spring.cloud.gateway.server.webflux.routes (" + id
                            + "): no dualcore.routes." + id + ".access; the route denies every request"));
        }

        private void checkPlan(Map<String, RatePlan> plans, String routeId, String mode, String plan) {
            if (plan != null && !plans.containsKey(plan)) {
                this.errors.add("dualcore.routes." + routeId + ".rate-limit." + mode + ": unknown plan '" + plan
                        + "'; defined plans are " + plans.keySet());
            }
        }

        private void checkIssuerReachable(AuthProperties.Issuer issuer) {
            if (!StringUtils.hasText(issuer.issuerUri())) {
                return;
            }
            AuthProperties.Jwks jwks = issuer.jwks();
            DefaultResourceRetriever retriever = new DefaultResourceRetriever(
                    (int) jwks.connectTimeout().toMillis(),
                    (int) jwks.readTimeout().toMillis(),
                    jwks.sizeLimit());
            String name = "realm " + issuer.name();
            String jwksUri = issuer.jwksUri();
            if (!StringUtils.hasText(jwksUri)) {
                String metadataUri = StringUtils.hasText(issuer.metadataUri())
                        ? issuer.metadataUri()
                        : trim(issuer.issuerUri()) + "/.well-known/openid-configuration";
                Map<String, Object> metadata;
                try {
                    metadata = JSONObjectUtils.parse(retriever
                            .retrieveResource(URI.create(metadataUri).toURL())
                            .getContent());
                } catch (Exception ex) {
                    this.warnings.add(name + ": discovery document " + metadataUri + " unreachable ("
                            + ex.getClass().getSimpleName() + "); the gateway retries until it answers");
                    return;
                }
                if (!issuer.issuerUri().equals(metadata.get("issuer"))) {
                    this.warnings.add(name + ": the discovery document names issuer '" + metadata.get("issuer")
                            + "' but dualcore.auth.oidc.issuers[].issuer-uri is '" + issuer.issuerUri()
                            + "'; every token will be refused (set issuer-uri to the iss of its tokens)");
                    return;
                }
                jwksUri = String.valueOf(metadata.get("jwks_uri"));
            }
            try {
                int keys = com.nimbusds.jose.jwk.JWKSet.parse(retriever
                                .retrieveResource(URI.create(jwksUri).toURL())
                                .getContent())
                        .getKeys()
                        .size();
                if (keys == 0) {
                    this.warnings.add(name + ": the JWKS at " + jwksUri + " has no key");
                }
            } catch (Exception ex) {
                this.warnings.add(name + ": JWKS " + jwksUri + " unreachable ("
                        + ex.getClass().getSimpleName() + ")");
            }
        }

        private static String trim(String uri) {
            return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
        }
    }
}
