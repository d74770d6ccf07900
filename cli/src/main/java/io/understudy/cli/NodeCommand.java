package io.understudy.cli;

import io.understudy.api.event.NodeState;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.cluster.AdminEndpoint;
import io.understudy.cluster.NodeEngine;
import io.understudy.config.NodeConfig;
import io.understudy.examples.fileservice.JournaledFileService;
import io.understudy.spi.transport.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs one node of the pair in this process, serving the example file service on the SDK's journal
 * ({@code JournaledFileService}: exactly-once across failover), until the process is stopped. Each disk
 * holds the journal at its start: two 4 MiB checkpoint slots and two 2 MiB log halves, so a disk must be
 * at least 13 MiB, and a volume holds up to 2 MiB of files. Prints every event as {@code event <instant> <description>}. If the process exits on a signal
 * while serving, it sends "I am failing" so the partner takes over at once.
 */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Run one node of the pair (serves the example file service).")
final class NodeCommand implements Runnable {

    /** Each of the journal's two checkpoint slots. */
    static final int JOURNAL_SLOT_BYTES = 4 << 20;
    /** Each of the journal's two log halves. */
    static final int JOURNAL_HALF_BYTES = 2 << 20;

    @Option(names = "--config", required = true, description = "The deployment configuration (YAML or JSON).")
    Path config;

    @Option(names = "--name", required = true, description = "Which node of the configuration this process is.")
    String name;

    @Override
    public void run() {
        Deployment d = Deployment.load(config);
        NodeConfig me = d.node(name);
        Transport data = d.dataTransport(me);
        Transport ic = d.interconnectTransport(me);
        OwnershipService ownership = d.ownership(me);
        NodeEngine engine = NodeEngine.builder().settings(d.settings(me)).dataTransport(data).interconnectTransport(ic)
                .ownership(ownership).volumeService(JournaledFileService.service(JOURNAL_SLOT_BYTES, JOURNAL_HALF_BYTES))
                .listener(e -> {
                    System.out.println("event " + e.at() + " " + e.describe());
                    System.out.flush();
                }).build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            NodeState s = engine.state();
            if (s != NodeState.DOWN) {
                engine.fail("process " + ProcessHandle.current().pid() + " is exiting");
            }
            engine.close();
            stopped.countDown();
        }, "understudy-shutdown"));
        engine.start();
        AdminEndpoint admin = AdminEndpoint.start(engine, ic, Duration.ofSeconds(60));
        System.out.println("ready " + me.name() + " " + engine.state() + " admin " + Deployment.adminEndpoint(me));
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            admin.close();
        }
    }
}
