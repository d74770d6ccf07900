package io.understudy.api.event;

import java.time.Instant;
import java.util.Objects;

/**
 * One step of a node procedure: takeover (Fig. 4), giveback (Fig. 5), operator takeover (Fig. 7).
 *
 * @param at     when
 * @param node   the node's name
 * @param step   the step
 * @param detail particulars (disk, port, partner), may be empty
 * @since 0.1
 */
public record NodeStep(Instant at, String node, Step step, String detail) implements UnderstudyEvent {

    /** The steps, named after the figures. */
    public enum Step {
        /** Fig. 4, 410: the partner's heartbeats stopped. */
        PARTNER_SILENT,
        /** Fig. 4, 410: the partner said "I am failing". */
        PARTNER_FAILING,
        /** Fig. 7, 710: "Please Shutdown" sent to the partner. */
        PLEASE_SHUTDOWN_SENT,
        /** Fig. 7, 720: "Please Shutdown" received; shutting down. */
        PLEASE_SHUTDOWN_RECEIVED,
        /** Fig. 7, 715: countdown started. */
        COUNTDOWN_STARTED,
        /** Fig. 7: countdown ended (expired, or the partner confirmed it stopped). */
        COUNTDOWN_ENDED,
        /** Fig. 4, 415: a partner disk was claimed (preempted). */
        DISK_CLAIMED,
        /** A claim lost to the other node. */
        CLAIM_LOST,
        /** This node found itself preempted and stopped serving. */
        FENCED,
        /** Fig. 4, 420: the secondary data-access port is active. */
        SECONDARY_PORT_ACTIVATED,
        /** Fig. 4, 425: serving both data-access ports. */
        SERVING_BOTH_PORTS,
        /** Fig. 5, 505: no new requests accepted on the secondary port. */
        SECONDARY_REQUESTS_STOPPED,
        /** Fig. 5, 510: outstanding requests finished. */
        OUTSTANDING_REQUESTS_FINISHED,
        /** Fig. 5, 515: a consistency point was forced. */
        CONSISTENCY_POINT,
        /** Fig. 5, 520: secondary-port connections closed. */
        SECONDARY_CONNECTIONS_CLOSED,
        /** Fig. 5, 525: secondary port deactivated. */
        SECONDARY_PORT_DEACTIVATED,
        /** Fig. 5, 530: a disk was released to unowned. */
        DISK_RELEASED,
        /** The revived partner took its disks back after giveback. */
        DISKS_RECLAIMED
    }

    /** Validates the fields. */
    public NodeStep {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String describe() {
        return node + " " + step + (detail.isEmpty() ? "" : " " + detail);
    }
}
