package io.understudy.cluster;

import io.understudy.api.event.NodeState;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of a node: its state, its partner's last reported state, the data-access ports it listens on,
 * each disk's {@code <SECTORS,SCSI>} pair read from the disk, and counters.
 *
 * @param node            the node's name
 * @param label           its short label in ownership pairs
 * @param state           its state
 * @param partner         the partner's name
 * @param partnerState    the partner's state as last heard, or {@code unknown}
 * @param ports           the data-access ports it listens on now
 * @param disks           every disk of the pair
 * @param requestsServed  requests served, by port
 * @param notServing      NOT_SERVING replies sent
 * @param takeovers       takeovers started
 * @param givebacks       givebacks completed
 * @param interconnectCut whether the interconnect is cut by fault injection
 * @since 0.1
 */
public record NodeStatus(String node, String label, NodeState state, String partner, String partnerState,
                         List<String> ports, List<Disk> disks, Map<String, Long> requestsServed, long notServing,
                         long takeovers, long givebacks, boolean interconnectCut) {

    /**
     * A disk as the node sees it.
     *
     * @param name    the disk
     * @param homeNode the node that owns it in normal running
     * @param pair    the seed's pair, such as {@code <A,A>}
     * @param epoch   the epoch of the last claim
     * @param served  whether this node serves it now
     */
    public record Disk(String name, String homeNode, String pair, long epoch, boolean served) {
    }
}
