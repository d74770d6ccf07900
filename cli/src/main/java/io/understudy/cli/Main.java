package io.understudy.cli;

import io.understudy.api.UnderstudyException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code understudy} command. Every subcommand reads the same deployment configuration file (YAML or
 * JSON, see docs/CONFIGURATION.md).
 */
@Command(name = "understudy", mixinStandardHelpOptions = true, version = "understudy 0.1.0-SNAPSHOT",
        description = "Clustered failover without moving addresses: the client computes where to go.",
        subcommands = {NodeCommand.class, StatusCommand.class, TakeoverCommand.class, GivebackCommand.class,
                DemoCommand.class, ChaosCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Runs the command line.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (ex instanceof UnderstudyException u) {
                line.getErr().println("understudy: " + u.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
