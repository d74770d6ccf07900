package io.understudy.cluster;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.NodeId;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a node engine needs to know about itself, its partner and its timing.
 *
 * @param self              this node
 * @param partner           its partner
 * @param rank              0 for the first node of the pair in configuration, 1 for the second; on a
 *                          silent partner the second node waits {@code splitBrainDelay} before claiming,
 *                          so that with a cut interconnect the first wins without a race
 * @param ownDisks          the disks this node serves in normal running
 * @param partnerDisks      the partner's disks, which it takes over
 * @param primaryPort       the primary data-access port (default {@code DAFS})
 * @param secondaryPort     the secondary data-access port (default {@code pDAF})
 * @param interconnectPort  the data-access port name of the interconnect on the interconnect transport
 * @param partnerInterconnect where the partner's interconnect listens
 * @param heartbeatInterval how often to send heartbeats and check the partner
 * @param missedHeartbeats  how many intervals of silence mean the partner failed
 * @param takeoverCountdown the operator takeover countdown (Fig. 7, 715)
 * @param givebackTimeout   how long giveback waits for outstanding requests before it is abandoned
 * @param splitBrainDelay   see {@code rank}
 * @param connectTimeout    interconnect connect timeout
 * @since 0.1
 */
public record NodeSettings(NodeId self, NodeId partner, int rank, List<DiskId> ownDisks, List<DiskId> partnerDisks,
                           DataAccessPort primaryPort, DataAccessPort secondaryPort, DataAccessPort interconnectPort,
                           Endpoint partnerInterconnect, Duration heartbeatInterval, int missedHeartbeats,
                           Duration takeoverCountdown, Duration givebackTimeout, Duration splitBrainDelay,
                           Duration connectTimeout) {

    /** The default interconnect port name. */
    public static final DataAccessPort INTERCONNECT = DataAccessPort.of("interconnect");

    /** Validates the settings. */
    public NodeSettings {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(partner, "partner");
        Objects.requireNonNull(primaryPort, "primaryPort");
        Objects.requireNonNull(secondaryPort, "secondaryPort");
        Objects.requireNonNull(interconnectPort, "interconnectPort");
        Objects.requireNonNull(partnerInterconnect, "partnerInterconnect");
        ownDisks = List.copyOf(ownDisks);
        partnerDisks = List.copyOf(partnerDisks);
        if (self.equals(partner)) {
            throw invalid("a node cannot be its own partner: " + self);
        }
        if (rank != 0 && rank != 1) {
            throw invalid("rank must be 0 or 1, got " + rank);
        }
        if (ownDisks.stream().anyMatch(partnerDisks::contains)) {
            throw invalid("a disk cannot belong to both nodes: own " + ownDisks + ", partner " + partnerDisks);
        }
        if (primaryPort.equals(secondaryPort)) {
            throw invalid("primary and secondary ports must differ: " + primaryPort);
        }
        if (missedHeartbeats < 1) {
            throw invalid("missedHeartbeats must be at least 1, got " + missedHeartbeats);
        }
        for (Duration d : List.of(heartbeatInterval, takeoverCountdown, givebackTimeout, splitBrainDelay, connectTimeout)) {
            if (d == null || d.isNegative()) {
                throw invalid("durations must be non-negative: " + d);
            }
        }
        if (heartbeatInterval.isZero()) {
            throw invalid("heartbeatInterval must be positive");
        }
    }

    /**
     * {@return settings with the seed's ports and default timing: heartbeats every 100 ms, 5 missed
     * beats (500 ms) to fail, a 2 s countdown, a 10 s giveback timeout, a 200 ms split-brain delay}
     *
     * @param self                this node
     * @param partner             the partner
     * @param rank                0 or 1
     * @param ownDisks            this node's disks
     * @param partnerDisks        the partner's disks
     * @param partnerInterconnect where the partner's interconnect listens
     */
    public static NodeSettings defaults(NodeId self, NodeId partner, int rank, List<DiskId> ownDisks,
                                        List<DiskId> partnerDisks, Endpoint partnerInterconnect) {
        return new NodeSettings(self, partner, rank, ownDisks, partnerDisks, DataAccessPort.DAFS, DataAccessPort.PDAF,
                INTERCONNECT, partnerInterconnect, Duration.ofMillis(100), 5, Duration.ofSeconds(2),
                Duration.ofSeconds(10), Duration.ofMillis(200), Duration.ofSeconds(1));
    }

    /**
     * {@return a copy with other timing}
     *
     * @param heartbeatInterval the interval
     * @param missedHeartbeats  the threshold
     * @param takeoverCountdown the countdown
     * @param givebackTimeout   the giveback timeout
     * @param splitBrainDelay   the second node's delay
     */
    public NodeSettings withTiming(Duration heartbeatInterval, int missedHeartbeats, Duration takeoverCountdown,
                                   Duration givebackTimeout, Duration splitBrainDelay) {
        return new NodeSettings(self, partner, rank, ownDisks, partnerDisks, primaryPort, secondaryPort, interconnectPort,
                partnerInterconnect, heartbeatInterval, missedHeartbeats, takeoverCountdown, givebackTimeout,
                splitBrainDelay, connectTimeout);
    }

    private static UnderstudyException invalid(String why) {
        return new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "node settings: " + why);
    }
}
