package io.understudy.cli;

import io.understudy.spi.transport.Transport;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Giveback (Fig. 5): the named node, in takeover, returns its partner's disks. */
@Command(name = "giveback", mixinStandardHelpOptions = true,
        description = "Giveback (Fig. 5): NODE, in takeover, returns its partner's disks and closes pDAF.")
final class GivebackCommand implements Runnable {

    @Option(names = "--config", required = true, description = "The deployment configuration (YAML or JSON).")
    Path config;

    @Option(names = "--node", required = true, description = "The node in takeover that gives back.")
    String node;

    @Override
    public void run() {
        Deployment d = Deployment.load(config);
        try (Transport t = d.adminTransport()) {
            System.out.println(node + ": " + AdminClient.call(t, d.node(node), "giveback", Duration.ofSeconds(90)));
        }
    }
}
