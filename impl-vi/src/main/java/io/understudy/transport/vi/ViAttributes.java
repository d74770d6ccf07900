package io.understudy.transport.vi;

import java.util.Objects;

/**
 * The attributes a VI is created with.
 *
 * @param reliability     the reliability level; both ends must agree
 * @param maxTransferSize the largest single transfer in bytes, 1 to {@value #LIMIT_MAX_TRANSFER_SIZE};
 *                        the connection uses the smaller of the two ends'
 * @param protectionTag   the tag the VI's descriptors' memory must be registered under
 * @since 0.1
 */
public record ViAttributes(Reliability reliability, int maxTransferSize, ProtectionTag protectionTag) {

    /** The largest maximum transfer size: 1 MiB. */
    public static final int LIMIT_MAX_TRANSFER_SIZE = 1 << 20;

    /** Validates. */
    public ViAttributes {
        Objects.requireNonNull(reliability, "reliability");
        Objects.requireNonNull(protectionTag, "protectionTag");
        if (maxTransferSize < 1 || maxTransferSize > LIMIT_MAX_TRANSFER_SIZE) {
            throw new IllegalArgumentException("maxTransferSize is " + maxTransferSize + "; expected 1 to " + LIMIT_MAX_TRANSFER_SIZE);
        }
    }
}
