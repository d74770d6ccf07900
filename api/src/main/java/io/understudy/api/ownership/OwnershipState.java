package io.understudy.api.ownership;

import java.util.Objects;
import java.util.Optional;

/**
 * The seed's ownership pair {@code <SECTORS,SCSI>}: who sector S names as owner, and who holds the SCSI-3
 * persistent reservation, with the epoch of the last successful claim. It prints as the seed writes it:
 * {@code <A,A>} owned by A, {@code <A,U>} sector S says A but nobody holds the reservation, {@code <U,U>}
 * unowned.
 *
 * @param disk        the disk
 * @param sectorOwner the owner recorded in sector S, empty if unowned
 * @param reservation the reservation holder, empty if none
 * @param epoch       the epoch of the last successful claim, 0 if never claimed
 * @since 0.1
 */
public record OwnershipState(DiskId disk, Optional<NodeId> sectorOwner, Optional<NodeId> reservation, long epoch) {

    /** The label of "unowned" in the pair. */
    public static final String UNOWNED_LABEL = "U";

    /** Validates the fields. */
    public OwnershipState {
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(sectorOwner, "sectorOwner");
        Objects.requireNonNull(reservation, "reservation");
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must not be negative: " + epoch);
        }
    }

    /**
     * {@return whether both records name {@code node}}
     *
     * @param node the node
     */
    public boolean ownedBy(NodeId node) {
        return sectorOwner.filter(node::equals).isPresent() && reservation.filter(node::equals).isPresent();
    }

    /** {@return whether neither record names an owner: {@code <U,U>}} */
    public boolean unowned() {
        return sectorOwner.isEmpty() && reservation.isEmpty();
    }

    /** {@return the pair in the seed's notation, such as {@code <A,U>}} */
    public String pair() {
        return "<" + sectorOwner.map(NodeId::label).orElse(UNOWNED_LABEL) + ","
                + reservation.map(NodeId::label).orElse(UNOWNED_LABEL) + ">";
    }

    @Override
    public String toString() {
        return disk + " " + pair() + " epoch " + epoch;
    }
}
