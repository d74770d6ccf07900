package io.understudy.api.ownership;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;

/**
 * A node of the cluster, as ownership records and reservations name it.
 *
 * @param name  the node's name, such as {@code FilerA}: 1-32 letters, digits, '.', '_' or '-'
 * @param label the short form printed in ownership pairs ({@code A} in {@code <A,U>}); 1-8 such
 *              characters, never {@code U}, which means unowned
 * @since 0.1
 */
public record NodeId(String name, String label) {

    /** Validates the fields. */
    public NodeId {
        String problem = DataAccessPort.problemWith(name);
        if (problem != null) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "invalid node name '" + name + "': " + problem);
        }
        String lp = label == null ? "it is null" : label.length() > 8 ? "it is longer than 8 characters" : DataAccessPort.problemWith(label);
        if (lp != null) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "invalid node label '" + label + "' for " + name + ": " + lp);
        }
        if (label.equals(OwnershipState.UNOWNED_LABEL)) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION,
                    "node " + name + " cannot have label 'U': it means unowned in <SECTORS,SCSI> pairs; choose another label");
        }
    }

    /**
     * {@return a node id whose label is the name's last character, as the seed abbreviates (FilerA -> A)}
     * A name whose last character is {@code U} or {@code u} gets its whole name as label.
     *
     * @param name the node's name
     */
    public static NodeId of(String name) {
        String label = name == null || name.isEmpty() ? name : name.substring(name.length() - 1).toUpperCase(java.util.Locale.ROOT);
        if (OwnershipState.UNOWNED_LABEL.equals(label) && name.length() <= 8) {
            label = name;
        }
        return new NodeId(name, label);
    }

    @Override
    public String toString() {
        return name;
    }
}
