package io.understudy.cli;

import io.understudy.spi.transport.Transport;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Operator takeover (Fig. 7): the named node asks its partner to shut down, counts down, and takes over. */
@Command(name = "takeover", mixinStandardHelpOptions = true,
        description = "Operator takeover (Fig. 7): NODE sends Please Shutdown to its partner, counts down, then takes over its disks.")
final class TakeoverCommand implements Runnable {

    @Option(names = "--config", required = true, description = "The deployment configuration (YAML or JSON).")
    Path config;

    @Option(names = "--node", required = true, description = "The node that takes over its partner.")
    String node;

    @Override
    public void run() {
        Deployment d = Deployment.load(config);
        try (Transport t = d.adminTransport()) {
            System.out.println(node + ": " + AdminClient.call(t, d.node(node), "takeover", Duration.ofSeconds(90)));
        }
    }
}
