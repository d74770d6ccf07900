package io.understudy.api.ownership;

import java.util.Optional;

/**
 * The outcome of {@link OwnershipService#release}.
 *
 * @since 0.1
 */
public sealed interface ReleaseResult {

    /** {@return the disk} */
    DiskId disk();

    /**
     * The disk is now unowned, {@code <U,U>}.
     *
     * @param disk the disk
     */
    record Released(DiskId disk) implements ReleaseResult {
    }

    /**
     * This node does not own the disk, so nothing changed.
     *
     * @param disk   the disk
     * @param holder who owns it, if anyone
     */
    record NotOwner(DiskId disk, Optional<NodeId> holder) implements ReleaseResult {
    }
}
