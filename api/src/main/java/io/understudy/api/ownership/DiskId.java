package io.understudy.api.ownership;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;

/**
 * A shared disk or volume that one node of a pair owns at a time.
 *
 * @param name 1-32 letters, digits, '.', '_' or '-', such as {@code vol0} or {@code filera-d1}
 * @since 0.1
 */
public record DiskId(String name) {

    /** Validates the name. */
    public DiskId {
        String problem = DataAccessPort.problemWith(name);
        if (problem != null) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "invalid disk name '" + name + "': " + problem);
        }
    }

    /**
     * {@return a disk id}
     *
     * @param name the name
     */
    public static DiskId of(String name) {
        return new DiskId(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
