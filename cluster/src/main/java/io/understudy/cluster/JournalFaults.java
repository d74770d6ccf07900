package io.understudy.cluster;

import io.understudy.api.ownership.DiskId;

/**
 * Failure injection for the journal: called at the points where a crash is most interesting, so tests can
 * freeze or kill a node exactly there. The default does nothing.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface JournalFaults {

    /** Where the journal is. */
    enum Point {
        /** A group of records is durable; their replies are not sent yet. */
        AFTER_FORCE,
        /** A consistency point has written its checkpoint, not yet forced it. */
        CP_WRITTEN,
        /** A consistency point's checkpoint is durable; the journal is not trimmed yet. */
        CP_FORCED,
        /** Replay at mount has executed one record again; the mount is not finished. */
        REPLAYED_RECORD
    }

    /** Does nothing. */
    JournalFaults NONE = (point, disk) -> { };

    /**
     * Called at a point; may block or throw to simulate a crash there.
     *
     * @param point where
     * @param disk  the volume
     */
    void at(Point point, DiskId disk);
}
