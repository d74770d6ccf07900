package io.understudy.config;

import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.NodeId;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One node of the pair (an entry of {@code cluster.nodes}): its identity, the address its data-access
 * ports listen on, its interconnect endpoint, and the disks it owns in normal running.
 *
 * <p>A node's name is also its server name, the name its clients use and from which they compute the
 * failover name, so it must be both a valid {@link NodeId} name and a valid {@link ServerName}: 1-32
 * letters, digits and hyphens (dots between labels), not starting or ending with a hyphen.
 *
 * <p>Immutable and thread-safe. No component is null. Problems found here carry paths relative to the node
 * ({@code address}); when loaded, the loader prefixes {@code cluster.nodes[i]}.
 *
 * @param id           the node's name and short label ({@code FilerA}, {@code A}); the label defaults to
 *                     {@code NodeId.of(name).label()}, the name's last character
 * @param address      the literal IP address this node's data-access ports listen on
 * @param interconnect this node's interconnect endpoint, address and port (1-65535)
 * @param disks        the disks this node owns in normal running, no repeats; may be empty
 * @since 0.1
 */
public record NodeConfig(NodeId id, InetAddress address, InetEndpoint interconnect, List<DiskId> disks) {

    /**
     * Validates the values.
     *
     * @throws InvalidConfigurationException naming the key relative to the node and the reason
     */
    public NodeConfig {
        Checks.required("name", id);
        String problem = ServerName.problemWith(id.name());
        if (problem != null) {
            throw Checks.problem("name", "'" + id.name() + "' is not a valid node name: " + problem
                    + "; a node's name is also its server name, so expected a host name such as FilerA");
        }
        Checks.required("address", address);
        Checks.required("interconnect", interconnect);
        if (!interconnect.hasPort()) {
            throw Checks.problem("interconnect", "'" + interconnect + "' has no port; expected host:port such as 127.0.0.11:7100");
        }
        disks = Checks.list("disks", disks);
        Set<DiskId> seen = new HashSet<>();
        for (int i = 0; i < disks.size(); i++) {
            if (!seen.add(disks.get(i))) {
                throw Checks.problem(Paths.index("disks", i), "disk '" + disks.get(i) + "' is listed twice for node " + id.name());
            }
        }
    }

    /** {@return the node's name, such as {@code FilerA}} */
    public String name() {
        return id.name();
    }

    /** {@return the node's short label, such as {@code A}, as ownership pairs print it} */
    public String label() {
        return id.label();
    }

    /** {@return the node's name as the server name its clients use} */
    public ServerName serverName() {
        return ServerName.of(id.name());
    }
}
