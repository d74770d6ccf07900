package io.understudy.examples.fileservice;

import io.understudy.api.ownership.DiskId;
import java.util.Objects;

/**
 * What mounting a volume found: whether it was blank and got formatted, how much log was recovered, and
 * where the log was cut if its tail was torn or corrupt.
 *
 * @param disk       the volume
 * @param formatted  true if the volume was blank and this mount formatted it
 * @param createdBy  the superblock's created-by string
 * @param generation the log generation new records are written in
 * @param records    how many log records were recovered
 * @param files      how many files the volume holds
 * @param logEnd     the offset in the data area where the next record goes
 * @param truncation where and why the log was cut, or null if it ended cleanly
 * @since 0.1
 */
public record MountReport(DiskId disk, boolean formatted, String createdBy, int generation, int records, int files,
                          long logEnd, Truncation truncation) {

    /** Validates the fields. */
    public MountReport {
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(createdBy, "createdBy");
    }

    /** {@return whether the log ended cleanly (no torn or corrupt record was found)} */
    public boolean clean() {
        return truncation == null;
    }

    /**
     * A torn or corrupt record that ended the log scan: it and anything after it were ignored, and new
     * records overwrite it.
     *
     * @param position the record's offset in the data area
     * @param reason   what was wrong with it
     */
    public record Truncation(long position, String reason) {
        /** Validates the fields. */
        public Truncation {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
