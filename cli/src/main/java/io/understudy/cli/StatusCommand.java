package io.understudy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.understudy.api.DataAccessPort;
import io.understudy.api.UnderstudyException;
import io.understudy.config.ClusterConfig;
import io.understudy.config.NodeConfig;
import io.understudy.spi.transport.Transport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Prints each node's state, its disks with their {@code <SECTORS,SCSI>} pairs read from the disks, and the
 * names and ports laid out as the seed's Table 1.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show each node's state, disks <SECTORS,SCSI> and Table 1 names/ports.")
final class StatusCommand implements Runnable {

    @Option(names = "--config", required = true, description = "The deployment configuration (YAML or JSON).")
    Path config;

    @Override
    public void run() {
        Deployment d = Deployment.load(config);
        try (Transport t = d.adminTransport()) {
            print(d, t, System.out);
        }
    }

    static void print(Deployment d, Transport admin, PrintStream out) {
        ClusterConfig c = d.cluster();
        int dafs = d.config.transport().portNumber(DataAccessPort.DAFS).orElse(0);
        int pdaf = d.config.transport().portNumber(DataAccessPort.PDAF).orElse(0);
        out.println("Names and ports (Table 1):");
        out.printf("  %-16s %-22s %-6s %s%n", "Server", "Resolvable name", "Port", "Served by");
        for (NodeConfig n : c.nodes()) {
            NodeConfig p = c.partnerOf(n.id());
            out.printf("  %-16s %-22s %-6s %s%n", "Primary filer", n.name(), "DAFS", n.name() + " " + n.address().getHostAddress() + ":" + dafs);
            out.printf("  %-16s %-22s %-6s %s%n", "Failover filer", d.config.naming().convention().failoverName(n.serverName()),
                    "pDAF", p.name() + " " + p.address().getHostAddress() + ":" + pdaf + " (during takeover)");
        }
        ObjectMapper json = new ObjectMapper();
        for (NodeConfig n : c.nodes()) {
            out.println();
            try {
                JsonNode s = json.readTree(AdminClient.call(admin, n, "status", Duration.ofSeconds(5)));
                out.printf("Node %s (%s): %s; partner %s last reported %s; listening on %s%n", s.get("node").asText(),
                        s.get("label").asText(), s.get("state").asText(), s.get("partner").asText(),
                        s.get("partnerState").asText(), s.get("ports"));
                for (JsonNode disk : s.get("disks")) {
                    out.printf("  disk %-14s home %-8s %s epoch %-4d %s%n", disk.get("name").asText(), disk.get("homeNode").asText(),
                            disk.get("pair").asText(), disk.get("epoch").asLong(), disk.get("served").asBoolean() ? "served here" : "");
                }
                out.printf("  requests served %s, NOT_SERVING replies %d, takeovers %d, givebacks %d%s%n", s.get("requestsServed"),
                        s.get("notServing").asLong(), s.get("takeovers").asLong(), s.get("givebacks").asLong(),
                        s.get("interconnectCut").asBoolean() ? ", interconnect CUT" : "");
            } catch (UnderstudyException e) {
                out.printf("Node %s: not reachable: %s%n", n.name(), e.getMessage());
            } catch (java.io.IOException e) {
                out.printf("Node %s: unreadable status: %s%n", n.name(), e.getMessage());
            }
        }
    }
}
