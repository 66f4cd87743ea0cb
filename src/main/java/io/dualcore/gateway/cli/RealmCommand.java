package io.dualcore.gateway.cli;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Keycloak realm onboarding. */
@Command(
        name = "realm",
        description = "Keycloak realms",
        mixinStandardHelpOptions = true,
        subcommands = {RealmCommand.Add.class})
final class RealmCommand {

    /** Clients every Keycloak realm has; their roles are Keycloak's own, not the application's. */
    private static final Set<String> BUILT_IN_CLIENTS =
            Set.of("account", "account-console", "admin-cli", "broker", "realm-management", "security-admin-console");

    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            description = "Prints the dualcore.auth.oidc.issuers entry of a Keycloak realm export: issuer, audiences"
                    + " (from the audience mappers of its clients and client scopes) and role clients")
    static final class Add implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--from", required = true, paramLabel = "FILE", description = "a realm export (kc.sh export)")
        Path from;

        @Option(
                names = "--issuer-base-url",
                defaultValue = "$${OIDC_ISSUER_BASE_URL:http://localhost:8180}",
                description = "base of the iss in tokens (default ${DEFAULT-VALUE})")
        String issuerBase;

        @Option(
                names = "--keycloak-url",
                defaultValue = "$${KEYCLOAK_URL:http://localhost:8180}",
                description = "where the gateway reaches Keycloak (default ${DEFAULT-VALUE})")
        String keycloakUrl;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = this.spec.commandLine().getOut();
            Map<String, Object> realm = JSONObjectUtils.parse(Files.readString(this.from, StandardCharsets.UTF_8));
            Object name = realm.get("realm");
            if (!(name instanceof String realmName) || realmName.isBlank()) {
                this.spec.commandLine().getErr().println("error: " + this.from + " is not a realm export (no realm)");
                return 2;
            }
            Set<String> audiences = new TreeSet<>();
            Set<String> callers = new TreeSet<>();
            for (Map<String, Object> client : list(realm.get("clients"))) {
                if (Boolean.FALSE.equals(client.get("enabled"))) {
                    continue;
                }
                if (collectAudiences(list(client.get("protocolMappers")), audiences)) {
                    callers.add(String.valueOf(client.get("clientId")));
                }
            }
            for (Map<String, Object> scope : list(realm.get("clientScopes"))) {
                collectAudiences(list(scope.get("protocolMappers")), audiences);
            }
            Set<String> roleClients = new TreeSet<>();
            if (realm.get("roles") instanceof Map<?, ?> roles && roles.get("client") instanceof Map<?, ?> clients) {
                clients.forEach((client, clientRoles) -> {
                    if (!BUILT_IN_CLIENTS.contains(client.toString())
                            && clientRoles instanceof List<?> list
                            && !list.isEmpty()) {
                        roleClients.add(client.toString());
                    }
                });
            }
            Object algorithm = realm.getOrDefault("defaultSignatureAlgorithm", "RS256");
            out.println("# dualcore.auth.oidc.issuers entry for realm " + realmName + " (from " + this.from + ")");
            out.println("- name: " + realmName);
            out.println("  issuer-uri: " + trim(this.issuerBase) + "/realms/" + realmName);
            out.println("  metadata-uri: " + trim(this.keycloakUrl) + "/realms/" + realmName
                    + "/.well-known/openid-configuration");
            if (audiences.isEmpty()) {
                out.println("  # no audience mapper found: add an oidc-audience-mapper (e.g. dualcore-gateway) to the"
                        + " clients that call the gateway, then list it here");
                out.println("  audiences: [dualcore-gateway]");
            } else {
                out.println("  audiences: " + audiences);
            }
            if (!roleClients.isEmpty()) {
                out.println("  role-clients: " + roleClients);
            }
            if (!"RS256".equals(algorithm)) {
                out.println("  algorithms: [" + algorithm + "]");
            }
            if (!callers.isEmpty()) {
                out.println("  # the clients whose tokens carry these audiences; to accept only them:");
                out.println("  # authorized-parties: " + callers);
            }
            return 0;
        }

        /** Adds the audiences of the audience mappers that reach the access token; whether there was one. */
        private static boolean collectAudiences(List<Map<String, Object>> mappers, Set<String> audiences) {
            boolean found = false;
            for (Map<String, Object> mapper : mappers) {
                if (!"oidc-audience-mapper".equals(mapper.get("protocolMapper"))
                        || !(mapper.get("config") instanceof Map<?, ?> config)
                        || "false".equals(String.valueOf(config.get("access.token.claim")))) {
                    continue;
                }
                for (String key : List.of("included.client.audience", "included.custom.audience")) {
                    Object value = config.get(key);
                    if (value instanceof String audience && !audience.isBlank()) {
                        audiences.add(audience);
                        found = true;
                    }
                }
            }
            return found;
        }

        @SuppressWarnings("unchecked")
        private static List<Map<String, Object>> list(Object value) {
            List<Map<String, Object>> maps = new ArrayList<>();
            if (value instanceof List<?> list) {
                for (Object item : list) {
                    if (item instanceof Map<?, ?> map) {
                        maps.add((Map<String, Object>) map);
                    }
                }
            }
            return maps;
        }

        private static String trim(String url) {
            return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        }
    }
}
