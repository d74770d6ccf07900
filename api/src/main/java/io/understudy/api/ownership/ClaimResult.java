package io.understudy.api.ownership;

/**
 * The outcome of {@link OwnershipService#claim} or {@link OwnershipService#preempt}. Expected outcomes are
 * values, handled with a pattern-matching {@code switch}; I/O failures are exceptions.
 *
 * @since 0.1
 */
public sealed interface ClaimResult {

    /** {@return the disk the claim was for} */
    DiskId disk();

    /**
     * This node now owns the disk: sector S names it and it holds the reservation.
     *
     * @param disk  the disk
     * @param epoch the new epoch, strictly greater than every earlier claim's
     */
    record Acquired(DiskId disk, long epoch) implements ClaimResult {
    }

    /**
     * Another node owns the disk; nothing changed. Use {@link OwnershipService#preempt} to take it from a
     * failed owner.
     *
     * @param disk   the disk
     * @param holder the owner
     * @param epoch  the owner's epoch
     */
    record HeldBy(DiskId disk, NodeId holder, long epoch) implements ClaimResult {
    }

    /**
     * This node was preempted and is fenced: it must stop serving the disk at once; its writes fail.
     *
     * @param disk  the disk
     * @param by    the node that preempted it, if known
     * @param epoch the epoch of the preempting claim
     */
    record Fenced(DiskId disk, NodeId by, long epoch) implements ClaimResult {
    }
}
