package io.understudy.transport.vi;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * An incoming connection request, handed out by {@link DiscriminatorWait#connectWait}: accept it with an
 * idle VI ({@code VipConnectAccept}) or reject it ({@code VipConnectReject}).
 *
 * <p>Thread-safe; deciding twice has no further effect.
 *
 * @since 0.1
 */
public final class ConnectRequest {
    private final DiscriminatorWait wait;
    private final Path file;
    private final MappedByteBuffer shared;
    private final String remoteNic;
    private final String discriminator;
    private final Reliability reliability;
    private final int maxTransferSize;
    private final int capacity;

    ConnectRequest(DiscriminatorWait wait, Path file, MappedByteBuffer shared, String remoteNic, String discriminator,
                   Reliability reliability, int maxTransferSize, int capacity) {
        this.wait = wait;
        this.file = file;
        this.shared = shared;
        this.remoteNic = remoteNic;
        this.discriminator = discriminator;
        this.reliability = reliability;
        this.maxTransferSize = maxTransferSize;
        this.capacity = capacity;
    }

    /** {@return the requesting NIC's address} */
    public String remoteNic() {
        return remoteNic;
    }

    /** {@return the discriminator requested} */
    public String discriminator() {
        return discriminator;
    }

    /** {@return the requesting VI's reliability level} */
    public Reliability reliability() {
        return reliability;
    }

    /** {@return the requesting VI's maximum transfer size} */
    public int maxTransferSize() {
        return maxTransferSize;
    }

    MappedByteBuffer shared() {
        return shared;
    }

    /**
     * Accepts the request, connecting {@code vi} to the requester. The connection's maximum transfer size
     * is the smaller of the two VIs'.
     *
     * @param vi an idle VI of the waiting NIC
     * @return {@link ViStatus#SUCCESS}; {@link ViStatus#INVALID_PARAMETER} if the VI is not idle, not the
     *         NIC's, or its reliability level differs from the requester's (the request is then rejected);
     *         {@link ViStatus#TIMEOUT} if the requester gave up, or the wait closed, before this
     */
    public int accept(Vi vi) {
        if (vi.nic() != wait.nic() || !vi.isIdle()) {
            return ViStatus.INVALID_PARAMETER;
        }
        if (vi.attributes().reliability() != reliability) {
            reject();
            return ViStatus.INVALID_PARAMETER;
        }
        int agreed = Math.min(maxTransferSize, vi.attributes().maxTransferSize());
        shared.putInt(ViConnectionDescriptor.MAX_TRANSFER_OFFSET, agreed);
        vi.bind(shared, ViConnectionDescriptor.SERVER, remoteNic, agreed, capacity);
        if (!ViNic.decide(shared, ViConnectionDescriptor.STATE_ACCEPTED)) {
            vi.disconnect();
            discard();
            return ViStatus.TIMEOUT;
        }
        discard();
        return ViStatus.SUCCESS;
    }

    /** Rejects the request; the requester's connect returns {@link ViStatus#REJECTED}. */
    public void reject() {
        ViNic.decide(shared, ViConnectionDescriptor.STATE_REJECTED);
        discard();
    }

    /** Removes the file; both sides keep the mapping, so the shared memory lives on until unmapped. */
    void discard() {
        if (file != null) {
            ViNic.deleteQuietly(file);
        }
    }

    @Override
    public String toString() {
        return "connection request from NIC " + remoteNic + " for discriminator " + discriminator + " (" + reliability + ", "
                + maxTransferSize + " bytes)";
    }
}
