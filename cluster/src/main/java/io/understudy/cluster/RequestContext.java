package io.understudy.cluster;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import java.util.Set;

/**
 * Where a request came from and what it may touch: the data-access port it arrived on, and the volumes
 * served on that port (the node's own on {@code DAFS}; the partner's on {@code pDAF} during takeover).
 *
 * @param port      the data-access port
 * @param volumes   the volumes this port serves right now
 * @param sessionId the client's session id
 * @param sequence  the request's sequence number in its session
 * @since 0.1
 */
public record RequestContext(DataAccessPort port, Set<DiskId> volumes, long sessionId, long sequence) {

    /** Copies the volume set. */
    public RequestContext {
        volumes = Set.copyOf(volumes);
    }

    /**
     * Checks that this port serves a volume.
     *
     * @param disk the volume the request names
     * @return the volume
     * @throws UnderstudyException {@link ErrorCode#UNKNOWN_DISK} if the port does not serve it
     */
    public DiskId require(DiskId disk) {
        if (!volumes.contains(disk)) {
            throw new UnderstudyException(ErrorCode.UNKNOWN_DISK,
                    "volume " + disk + " is not served on port " + port + " here; this port serves " + volumes);
        }
        return disk;
    }
}
