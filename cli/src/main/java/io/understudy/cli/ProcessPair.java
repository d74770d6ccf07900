package io.understudy.cli;

import io.understudy.api.ServerName;
import io.understudy.api.ownership.DiskId;
import io.understudy.client.FailoverClient;
import io.understudy.spi.transport.Transport;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The demo's process harness for other modules (the failover bench): FilerA (127.0.0.11) and FilerB
 * (127.0.0.12) as separate {@code understudy node} processes on loopback with the embedded defaults (hosts
 * file, TCP, file-backed disks), each owning a number of volumes. Node event lines reach
 * {@link #onEvent} with the instant the node stamped them. Nodes run from this JVM's class path, which must
 * hold the CLI and its plugins.
 */
public final class ProcessPair implements AutoCloseable {

    /** The first node of the pair (rank 0). */
    public static final String A = "FilerA";
    /** The second node of the pair (rank 1: it waits out the split-brain delay before taking over on silence). */
    public static final String B = "FilerB";

    /** Receives a node's event lines. */
    @FunctionalInterface
    public interface EventSink {
        /**
         * One event.
         *
         * @param at   when the node says it happened
         * @param node the node whose process printed it
         * @param what the description, such as {@code FilerB PARTNER_SILENT no heartbeat for 512 ms}
         */
        void event(Instant at, String node, String what);
    }

    private final ProcessCluster cluster;
    private final int volumesPerNode;

    private ProcessPair(ProcessCluster cluster, int volumesPerNode) {
        this.cluster = cluster;
        this.volumesPerNode = volumesPerNode;
    }

    /**
     * Writes the configuration and hosts file into {@code dir}; starts no process.
     *
     * @param dir            an existing directory for the configuration, disks and node logs ({@code FilerA.log})
     * @param volumesPerNode file-backed disks per node, at least 1
     * @param diskSize       the size of each disk as {@code file.create} spells it, such as {@code 16MiB} (sparse files)
     * @param timeline       where the node events are printed as a timeline, or null for nowhere
     * @return the pair
     * @throws IOException if the directory cannot be written or no free ports are found
     */
    public static ProcessPair create(Path dir, int volumesPerNode, String diskSize, PrintStream timeline) throws IOException {
        PrintStream out = timeline != null ? timeline : new PrintStream(OutputStream.nullOutputStream());
        ProcessCluster c = new ProcessCluster(dir, new Timeline(Instant.now(), out), new CopyOnWriteArrayList<>(),
                ProcessCluster.Setup.defaults(), volumesPerNode, diskSize);
        return new ProcessPair(c, volumesPerNode);
    }

    /** Sets the receiver of node events (null for none). */
    public void onEvent(EventSink sink) {
        cluster.onNodeEvent(sink == null ? null : sink::event);
    }

    /**
     * Starts (or restarts) a node process.
     *
     * @param node {@link #A} or {@link #B}
     * @throws IOException if the process cannot be started
     */
    public void start(String node) throws IOException {
        cluster.start(node);
    }

    /**
     * Kills a node process with SIGKILL and waits for it to be gone.
     *
     * @param node {@link #A} or {@link #B}
     * @return its pid
     * @throws InterruptedException if interrupted while waiting
     */
    public long kill9(String node) throws InterruptedException {
        return cluster.kill9(node);
    }

    /** {@return the node's state from its admin endpoint ({@code NORMAL}, {@code IN_TAKEOVER}, ...), or {@code UNREACHABLE}} */
    public String state(String node) {
        return cluster.state(node);
    }

    /** {@return whether the node has heard its partner's heartbeats} */
    public boolean partnerHeard(String node) {
        return cluster.partnerHeard(node);
    }

    /**
     * Sends an admin command ({@code status}, {@code takeover}, {@code giveback}, {@code fail REASON}, ...).
     *
     * @return the reply without its {@code ok} prefix
     * @throws io.understudy.api.UnderstudyException if the node refuses or does not answer
     */
    public String admin(String node, String command) {
        return cluster.admin(node, command);
    }

    /** {@return a new transport for failover clients; the caller closes it} */
    public Transport clientTransport() {
        return cluster.deployment().clientTransport();
    }

    /** {@return a failover client builder for a server, from the configuration's naming, transport and client sections} */
    public FailoverClient.Builder client(String server, Transport transport) {
        return cluster.deployment().client(ServerName.of(server), transport);
    }

    /** {@return the disks a node owns: {@code filera-vol0 ..}} */
    public List<DiskId> disks(String node) {
        List<DiskId> out = new ArrayList<>();
        for (int i = 0; i < volumesPerNode; i++) {
            out.add(DiskId.of(node.toLowerCase(java.util.Locale.ROOT) + "-vol" + i));
        }
        return out;
    }

    /** {@return the directory with the configuration, disks and node logs} */
    public Path dir() {
        return cluster.dir();
    }

    /** Kills every node process still running. */
    @Override
    public void close() {
        cluster.close();
    }
}
