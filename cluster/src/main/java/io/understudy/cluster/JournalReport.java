package io.understudy.cluster;

import io.understudy.api.ownership.DiskId;
import java.util.List;

/**
 * What mounting a journaled volume found: the checkpoint it started from, the records it replayed, and any
 * torn or corrupt piece it stopped at (with its position in the volume's data area; never applied).
 *
 * @param disk            the volume
 * @param checkpointLsn   the last journal position the checkpoint covered
 * @param replayed        records after the checkpoint executed again
 * @param lastLsn         the last journal position recovered
 * @param divergent       replayed records whose new reply differed from the recorded one (the application
 *                        is not deterministic; the recorded reply is kept)
 * @param cachedReplies   replies in the rebuilt reply cache
 * @param damage          torn or corrupt pieces found, each with its position and reason
 * @since 0.1
 */
public record JournalReport(DiskId disk, long checkpointLsn, int replayed, long lastLsn, int divergent,
                            int cachedReplies, List<String> damage) {

    /** Copies the list. */
    public JournalReport {
        damage = List.copyOf(damage);
    }
}
