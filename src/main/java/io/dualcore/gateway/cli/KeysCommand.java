package io.dualcore.gateway.cli;

import io.dualcore.gateway.auth.edge.EdgeKeyFiles;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Edge key management. */
@Command(
        name = "keys",
        description = "Edge HMAC keys",
        mixinStandardHelpOptions = true,
        subcommands = {KeysCommand.Generate.class})
final class KeysCommand {

    enum Algorithm {
        HS256,
        HS384,
        HS512
    }

    @Command(
            name = "generate",
            mixinStandardHelpOptions = true,
            description = "A new edge key of the right length for its algorithm, as a key file for"
                    + " dualcore.auth.edge.key-directory (or an inline YAML snippet with --yaml)")
    static final class Generate implements Callable<Integer> {

        private static final SecureRandom RANDOM = new SecureRandom();

        @Spec
        CommandSpec spec;

        @Option(
                names = "--alg",
                defaultValue = "HS256",
                description = "HS256, HS384 or HS512 (default ${DEFAULT-VALUE})")
        Algorithm algorithm;

        @Option(names = "--kid", description = "key id (default: edge-<date>-<random>)")
        String kid;

        @Option(
                names = "--out",
                paramLabel = "DIR",
                description = "write DIR/<kid>.properties (mode 600) instead of" + " printing the key file")
        Path out;

        @Option(names = "--not-before", description = "ISO-8601 instant from which the key verifies")
        Instant notBefore;

        @Option(names = "--not-after", description = "ISO-8601 instant at which the key stops verifying")
        Instant notAfter;

        @Option(names = "--yaml", description = "print an inline dualcore.auth.edge.keys entry and its env variable")
        boolean yaml;

        @Override
        public Integer call() throws IOException {
            // RFC 7518 §3.2: a key at least as long as the hash output
            int length = Integer.parseInt(this.algorithm.name().substring(2)) / 8;
            byte[] secret = new byte[length];
            RANDOM.nextBytes(secret);
            String kid = (this.kid != null) ? this.kid : freshKid();
            String encoded = Base64.getEncoder().encodeToString(secret);
            var out = this.spec.commandLine().getOut();
            if (this.yaml) {
                String variable = "EDGE_KEY_" + kid.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
                out.println("# under dualcore.auth.edge.keys; the secret goes into the environment, never into YAML");
                out.println("- kid: " + kid);
                out.println("  algorithm: " + this.algorithm);
                out.println("  secret: ${" + variable + "}");
                if (this.notBefore != null) {
                    out.println("  not-before: " + this.notBefore);
                }
                if (this.notAfter != null) {
                    out.println("  not-after: " + this.notAfter);
                }
                out.println("# environment:");
                out.println(variable + "=" + encoded);
                return 0;
            }
            String file = EdgeKeyFiles.format(kid, this.algorithm.name(), encoded, this.notBefore, this.notAfter);
            if (this.out == null) {
                out.print(file);
                out.flush();
                return 0;
            }
            Files.createDirectories(this.out);
            Path target = this.out.resolve(kid + EdgeKeyFiles.EXTENSION);
            try {
                Files.createFile(target);
            } catch (FileAlreadyExistsException ex) {
                this.spec.commandLine().getErr().println("error: " + target + " exists; choose another --kid");
                return 2;
            }
            try {
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ex) {
                // not a POSIX file system: the directory's permissions protect it
            }
            Files.writeString(target, file);
            out.println("wrote " + target + " (kid " + kid + ", " + this.algorithm + ", " + length + "-byte secret)");
            return 0;
        }

        private static String freshKid() {
            byte[] random = new byte[3];
            RANDOM.nextBytes(random);
            return "edge-" + LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE) + "-"
                    + HexFormat.of().formatHex(random);
        }
    }
}
