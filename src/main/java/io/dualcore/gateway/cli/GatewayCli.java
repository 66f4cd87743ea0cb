package io.dualcore.gateway.cli;

import java.io.PrintWriter;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The admin command line in the gateway's jar: {@code java -jar dualcore-gateway.jar <command>}. No web server and
 * no Spring context; it reads the gateway's configuration with Spring Boot's binder and uses the gateway's own
 * verification and policy classes.
 */
@Command(
        name = "dualcore-gateway",
        mixinStandardHelpOptions = true,
        versionProvider = GatewayCli.Version.class,
        description = "Dualcore Gateway admin commands. Without a command, the gateway starts.",
        subcommands = {
            KeysCommand.class,
            TokenCommand.class,
            ConfigCommand.class,
            RealmCommand.class,
            RevokeCommand.class,
            ExplainCommand.class,
            CommandLine.HelpCommand.class
        })
public final class GatewayCli {

    /** The first arguments that select the command line instead of the gateway. */
    private static final Set<String> COMMANDS =
            Set.of("keys", "token", "config", "realm", "revoke", "explain", "help", "--help", "-h", "--version", "-V");

    @Option(
            names = {"--spring.config.location", "--config"},
            paramLabel = "FILES",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Configuration files, comma-separated (default: config/application.yml, as the gateway)")
    String configLocation;

    /** Whether these arguments are a command line invocation (else the gateway starts). */
    public static boolean isCommand(String[] args) {
        return args.length > 0 && COMMANDS.contains(args[0]);
    }

    /** Runs a command; the exit code: 0 success, 1 a refusal or a problem found, 2 bad usage or configuration. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CliLogging.configure();
        CommandLine commandLine = new CommandLine(new GatewayCli())
                .setOut(out)
                .setErr(err)
                .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                    cmd.getErr().println("error: " + ex.getMessage());
                    return 2;
                });
        return commandLine.execute(args);
    }

    /** Runs a command on the process' streams and exits with its code. */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = run(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    CliConfiguration configuration() {
        return CliConfiguration.load(this.configLocation);
    }

    static final class Version implements CommandLine.IVersionProvider {

        @Override
        public String[] getVersion() {
            String version = GatewayCli.class.getPackage().getImplementationVersion();
            return new String[] {"dualcore-gateway " + (version != null ? version : "(development)")};
        }
    }
}
