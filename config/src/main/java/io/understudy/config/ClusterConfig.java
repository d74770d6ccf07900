package io.understudy.config;

import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The server side of a deployment (the {@code cluster} section): the pair of nodes, their disks, and the
 * timings of failure detection, operator takeover (Fig. 7) and giveback (Fig. 5). A pure client
 * configuration has no cluster.
 *
 * <p>Immutable and thread-safe. No component is null.
 *
 * @param name              the cluster's name, for logs and status: 1-32 letters, digits, '.', '_' or '-';
 *                          default {@code understudy}
 * @param heartbeatInterval how often each node sends a heartbeat on the interconnect, positive; default 100ms
 * @param missedHeartbeats  how many heartbeats in a row may go missing before the partner is declared
 *                          failed, 1-1000; default 5
 * @param takeoverCountdown how long an operator takeover waits after "Please Shutdown" before taking the
 *                          disks, 0 or more; default 2s
 * @param givebackTimeout   how long giveback waits for outstanding requests and the consistency point,
 *                          positive; default 10s
 * @param interconnect      the interconnect's transport; default {@link InterconnectConfig#defaults()}
 * @param nodes             exactly two nodes (a pair), with distinct names (ignoring case), labels,
 *                          addresses and interconnect endpoints; no disk owned by both
 * @since 0.1
 */
public record ClusterConfig(String name, Duration heartbeatInterval, int missedHeartbeats,
                            Duration takeoverCountdown, Duration givebackTimeout,
                            InterconnectConfig interconnect, List<NodeConfig> nodes) {

    /** Default of {@code cluster.name}. */
    public static final String DEFAULT_NAME = "understudy";
    /** Default of {@code cluster.heartbeatInterval}. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofMillis(100);
    /** Default of {@code cluster.missedHeartbeats}. */
    public static final int DEFAULT_MISSED_HEARTBEATS = 5;
    /** The most {@code cluster.missedHeartbeats} accepts. */
    public static final int MAX_MISSED_HEARTBEATS = 1000;
    /** Default of {@code cluster.takeoverCountdown}. */
    public static final Duration DEFAULT_TAKEOVER_COUNTDOWN = Duration.ofSeconds(2);
    /** Default of {@code cluster.givebackTimeout}. */
    public static final Duration DEFAULT_GIVEBACK_TIMEOUT = Duration.ofSeconds(10);
    /** How many nodes a cluster has: a pair, for now. */
    public static final int NODE_COUNT = 2;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,32}");

    /**
     * Validates the values.
     *
     * @throws InvalidConfigurationException naming the key ({@code cluster.…}) and the reason
     */
    public ClusterConfig {
        Checks.required("cluster.name", name);
        if (!NAME.matcher(name).matches()) {
            throw Checks.problem("cluster.name", "'" + name + "' is not a cluster name; expected 1-32 letters, digits, '.', '_' or '-', such as demo");
        }
        Checks.positive("cluster.heartbeatInterval", heartbeatInterval);
        Checks.range("cluster.missedHeartbeats", missedHeartbeats, 1, MAX_MISSED_HEARTBEATS, "a heartbeat count");
        Checks.nonNegative("cluster.takeoverCountdown", takeoverCountdown);
        Checks.positive("cluster.givebackTimeout", givebackTimeout);
        Checks.required("cluster.interconnect", interconnect);
        nodes = Checks.list("cluster.nodes", nodes);
        if (nodes.size() != NODE_COUNT) {
            throw Checks.problem("cluster.nodes", "has " + nodes.size() + (nodes.size() == 1 ? " node" : " nodes")
                    + "; a cluster is a pair, so expected exactly " + NODE_COUNT);
        }
        checkDistinct(nodes);
    }

    private static void checkDistinct(List<NodeConfig> nodes) {
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> labels = new HashMap<>();
        Map<Object, Integer> addresses = new HashMap<>();
        Map<Object, Integer> interconnects = new HashMap<>();
        Map<DiskId, String> owners = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeConfig n = nodes.get(i);
            String at = Paths.index("cluster.nodes", i);
            Integer j = names.putIfAbsent(n.name().toLowerCase(Locale.ROOT), i);
            if (j != null) {
                throw Checks.problem(at + ".name", "'" + n.name() + "' is already the name of cluster.nodes[" + j
                        + "] (names are compared ignoring case, as name services do); each node needs its own name");
            }
            j = labels.putIfAbsent(n.label(), i);
            if (j != null) {
                throw Checks.problem(at + ".label", "'" + n.label() + "' is already the label of " + nodes.get(j).name()
                        + "; ownership pairs such as <A,B> need a distinct label per node: set label on one of them");
            }
            j = addresses.putIfAbsent(n.address(), i);
            if (j != null) {
                throw Checks.problem(at + ".address", Addresses.show(n.address()) + " is already the address of "
                        + nodes.get(j).name() + "; the two nodes listen on the same port numbers, so each needs its own address");
            }
            j = interconnects.putIfAbsent(n.interconnect(), i);
            if (j != null) {
                throw Checks.problem(at + ".interconnect", n.interconnect() + " is already the interconnect endpoint of "
                        + nodes.get(j).name() + "; each node needs its own");
            }
            for (int d = 0; d < n.disks().size(); d++) {
                DiskId disk = n.disks().get(d);
                String owner = owners.putIfAbsent(disk, n.name());
                if (owner != null) {
                    throw Checks.problem(Paths.index(at + ".disks", d), "disk '" + disk + "' is also listed under " + owner
                            + "; in normal running each disk has exactly one owner");
                }
            }
        }
    }

    /** {@return the nodes' ids, in configuration order} */
    public List<NodeId> nodeIds() {
        return nodes.stream().map(NodeConfig::id).toList();
    }

    /**
     * {@return the node with this name, compared ignoring case, if any}
     *
     * @param nodeName the name, not null
     */
    public Optional<NodeConfig> node(String nodeName) {
        return nodes.stream().filter(n -> n.name().equalsIgnoreCase(nodeName)).findFirst();
    }

    /**
     * {@return the node with this id}
     *
     * @param id the node's id, not null
     * @throws IllegalArgumentException if the id is not one of this cluster's nodes
     */
    public NodeConfig node(NodeId id) {
        return nodes.stream().filter(n -> n.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(id + " is not a node of cluster " + name + "; nodes are " + nodeIds()));
    }

    /**
     * {@return the other node of the pair}
     *
     * @param id one node's id, not null
     * @throws IllegalArgumentException if the id is not one of this cluster's nodes
     */
    public NodeConfig partnerOf(NodeId id) {
        NodeConfig self = node(id);
        return nodes.get(0) == self ? nodes.get(1) : nodes.get(0);
    }

    /** {@return every disk of the cluster, in configuration order} */
    public List<DiskId> disks() {
        List<DiskId> all = new ArrayList<>();
        nodes.forEach(n -> all.addAll(n.disks()));
        return List.copyOf(all);
    }

    /**
     * {@return the node that owns {@code disk} in normal running, if the disk is configured}
     *
     * @param disk the disk, not null
     */
    public Optional<NodeId> ownerOf(DiskId disk) {
        return nodes.stream().filter(n -> n.disks().contains(disk)).map(NodeConfig::id).findFirst();
    }

    /** {@return how long a silent partner takes to be declared failed: {@code heartbeatInterval × missedHeartbeats}} */
    public Duration failureDetectionTime() {
        return heartbeatInterval.multipliedBy(missedHeartbeats);
    }
}
