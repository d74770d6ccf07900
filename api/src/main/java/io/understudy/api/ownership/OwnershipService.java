package io.understudy.api.ownership;

import java.util.List;

/**
 * One node's handle on the shared disks of its cluster: the seed's ownership procedure. Each disk's owner
 * is recorded twice, in sector S and as the SCSI-3 persistent-reservation holder; a claim writes both, a
 * takeover {@linkplain #preempt preempts} the failed owner (which fences it), and giveback
 * {@linkplain #release releases} the disk to unowned. The reservation is the arbiter against split brain:
 * of two nodes racing to preempt each other, exactly one wins, and the loser's writes fail.
 *
 * <p>Every successful claim or preempt carries an epoch strictly greater than any earlier one for that
 * disk. Thread-safe; calls block on I/O. Expected outcomes are results; I/O failures and corrupt records
 * are {@link io.understudy.api.UnderstudyException}s with codes {@code DISK_IO} and
 * {@code OWNERSHIP_RECORD_CORRUPT}.
 *
 * @since 0.1
 */
public interface OwnershipService extends AutoCloseable {

    /** {@return the node this service acts for} */
    NodeId self();

    /** {@return the disks this service knows of} */
    List<DiskId> disks();

    /**
     * {@return the disk's {@code <SECTORS,SCSI>} state, read from the disk}
     *
     * @param disk the disk
     */
    OwnershipState state(DiskId disk);

    /**
     * Claims a disk that is unowned or already this node's (at boot, or after giveback).
     *
     * @param disk the disk
     * @return {@link ClaimResult.Acquired}, {@link ClaimResult.HeldBy} if another node owns it, or
     *         {@link ClaimResult.Fenced} if this node's registration was preempted and not yet restored
     */
    ClaimResult claim(DiskId disk);

    /**
     * Takes a disk from a node that has failed: removes its registration (fencing it), takes the
     * reservation and writes sector S. Of two nodes preempting each other, exactly one wins.
     *
     * @param disk        the disk
     * @param failedOwner the node believed failed
     * @return {@link ClaimResult.Acquired}, or {@link ClaimResult.Fenced} if this node was itself
     *         preempted first, or {@link ClaimResult.HeldBy} if the disk is owned by a third node
     */
    ClaimResult preempt(DiskId disk, NodeId failedOwner);

    /**
     * Releases a disk this node owns: clears sector S and the reservation, leaving {@code <U,U>}.
     *
     * @param disk the disk
     * @return {@link ReleaseResult.Released} or {@link ReleaseResult.NotOwner}
     */
    ReleaseResult release(DiskId disk);

    /**
     * {@return whether another node has preempted this one from the disk, so that its writes fail}
     *
     * @param disk the disk
     */
    boolean isFenced(DiskId disk);

    /**
     * Starts a new incarnation of this node on a disk it neither serves nor holds open, forgetting the
     * fences recorded against the old one, so that the next {@link #claim} or {@link #preempt} is judged
     * by what happens from now on. A node engine calls it when it has decided that a disk's owner failed
     * and finds itself fenced on that disk by a preempt it already knew of when it decided (the partner took
     * the disk back from it earlier): a stale fence, not a lost race. Handles {@linkplain #open opened}
     * before stay fenced. In SCSI terms: a new I_T nexus and a new registration key.
     *
     * @param disk the disk
     * @return whether this provider supports it; by default it does not, and fences last as long as the
     *         service (a restarted node is a new incarnation)
     */
    default boolean forgetFences(DiskId disk) {
        return false;
    }

    /**
     * Opens the fenced data path to a disk.
     *
     * @param disk the disk
     * @return the handle
     */
    DiskIo open(DiskId disk);

    /** Releases resources; ownership on disk is unchanged. */
    @Override
    void close();
}
