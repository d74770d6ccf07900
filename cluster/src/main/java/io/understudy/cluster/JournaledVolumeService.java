package io.understudy.cluster;

import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.session.ApplicationException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Exactly-once across failover for a {@link JournaledApplication}: the seed's NVRAM journal, kept on the
 * volume's own storage so the partner reads it after takeover (DESIGN.md section 7).
 *
 * <p>Each volume's data area starts with the journal ({@link JournalFormat}): two checkpoint slots and two
 * log halves, the seed's log 0 and log 1. A mutating request runs against the application's in-memory
 * state, its record (session id, sequence, request, reply; CRC32C) is appended, and the reply is sent
 * only once the record is durable; many requests share one {@code force()} (group commit). The reply is
 * also kept in a bounded per-session reply cache ({@link io.understudy.session.ReplyCache}), so a request
 * re-sent with the same session id and sequence is answered from there, never run twice.
 *
 * <p>A consistency point writes the application's snapshot and the reply cache, with the last journal
 * position they cover, to the older checkpoint slot and forces it; the log halves it covers become free.
 * One is taken when a log half fills (in the background while the other half takes new records, or at
 * once when the other half is not free yet), at {@link Builder#checkpointInterval}, and when the engine
 * asks (giveback, shutdown). A crash at any point loses nothing: until the new checkpoint is durable, the
 * old one and the records after it are intact.
 *
 * <p>{@link #mount} (called by the engine at boot and at takeover, before the port that serves the volume
 * opens) restores the newest valid checkpoint, executes the records after it again in order, and rebuilds
 * the reply cache from them. A torn or corrupt record (bad magic, length or checksum) ends the replay of
 * its half; it and what follows are never applied, and it is reported with its position
 * ({@link #lastMount}). Then a consistency point makes the journal start empty.
 *
 * <p>Limits (see docs/ARCHITECTURE.md): a consistency point stores the whole application state, which
 * must fit a checkpoint slot, and requests on the volume wait while it is written.
 *
 * @since 0.1
 */
public final class JournaledVolumeService implements VolumeService, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(JournaledVolumeService.class.getName());

    private final JournaledApplication app;
    private final JournalFormat.Layout layout;
    private final int slotsPerSession;
    private final int maxSessions;
    private final int maxReplyBytes;
    private final JournalFaults faults;
    private final Map<DiskId, VolumeJournal> volumes = new ConcurrentHashMap<>();
    private final Map<DiskId, JournalReport> reports = new ConcurrentHashMap<>();
    private final Map<DiskId, AtomicBoolean> checkpointRunning = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    private JournaledVolumeService(Builder b) {
        this.app = Objects.requireNonNull(b.app, "application");
        this.layout = new JournalFormat.Layout(b.checkpointSlotBytes, b.halfBytes);
        this.slotsPerSession = b.slotsPerSession;
        this.maxSessions = b.maxSessions;
        this.maxReplyBytes = b.maxReplyBytes;
        this.faults = b.faults;
        if (JournalFormat.recordLength(0, maxReplyBytes) + 8 > b.halfBytes) {
            throw new IllegalArgumentException("a log half of " + b.halfBytes + " bytes cannot hold a record with a "
                    + maxReplyBytes + "-byte reply: make the halves larger or maxReplyBytes smaller");
        }
        if (b.checkpointInterval.isZero()) {
            timer = null;
        } else {
            timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("journal-cp-timer").factory());
            long ms = b.checkpointInterval.toMillis();
            timer.scheduleWithFixedDelay(() -> volumes.keySet().forEach(this::checkpointInBackground), ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** {@return a builder} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the bytes the journal takes at the start of each volume's data area} */
    public long journalBytes() {
        return layout.totalBytes();
    }

    @Override
    public void mount(DiskId disk, DiskIo io) {
        VolumeJournal j = new VolumeJournal(disk, io, app, layout, faults, slotsPerSession, maxSessions, maxReplyBytes);
        JournalReport r = j.mount();
        reports.put(disk, r);
        LOG.log(System.Logger.Level.INFO, "journal of {0}: checkpoint at {1}, {2} records replayed to {3}, {4} replies cached{5}",
                disk, r.checkpointLsn(), r.replayed(), r.lastLsn(), r.cachedReplies(),
                r.damage().isEmpty() ? "" : ", damage: " + r.damage());
        volumes.put(disk, j);
    }

    @Override
    public ByteBuffer handle(RequestContext request, ByteBuffer payload) {
        JournaledApplication.Route route = app.route(request, payload.duplicate());
        VolumeJournal j = volumes.get(request.require(route.volume()));
        if (j == null) {
            throw new ApplicationException("volume " + route.volume() + " is not mounted");
        }
        ByteBuffer reply = j.handle(request, payload, route.mutating());
        if (j.checkpointWanted()) {
            checkpointInBackground(route.volume());
        }
        return reply;
    }

    @Override
    public void consistencyPoint(DiskId disk) {
        VolumeJournal j = volumes.get(disk);
        if (j != null) {
            j.checkpoint();
        }
    }

    @Override
    public void unmount(DiskId disk) {
        VolumeJournal j = volumes.remove(disk);
        if (j != null) {
            j.close();
            app.forget(disk);
        }
    }

    /**
     * Mounts a scratch volume in memory three times, with a consistency point each time (a new volume's
     * preallocation, then a checkpoint found, restored and replayed), and forgets it: the journal's and the
     * application's restore and snapshot code is loaded and compiled before a real reclaim needs it. No real disk
     * is touched; the application sees a volume named {@code understudy-warm-up} come and go.
     */
    @Override
    public void warmUp() {
        DiskId scratch = DiskId.of("understudy-warm-up");
        ScratchDisk io = new ScratchDisk(scratch, layout.totalBytes());
        for (int i = 0; i < 3; i++) {
            VolumeJournal j = new VolumeJournal(scratch, io, app, layout, JournalFaults.NONE, slotsPerSession, maxSessions, maxReplyBytes);
            try {
                j.mount();
                j.checkpoint();
            } finally {
                j.close();
                app.forget(scratch);
            }
        }
    }

    /** Stops the background consistency-point timer (mounted volumes stay as they are). */
    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /**
     * {@return what the last mount of a volume found}, or null if it was never mounted here
     *
     * @param disk the volume
     */
    public JournalReport lastMount(DiskId disk) {
        return reports.get(disk);
    }

    /**
     * {@return counters of a mounted volume's journal since its mount: records, forces, checkpoints, re-sent
     * requests answered from the reply cache}, or null
     *
     * @param disk the volume
     */
    public long[] counters(DiskId disk) {
        VolumeJournal j = volumes.get(disk);
        return j == null ? null : new long[] {j.records.get(), j.forces.get(), j.checkpoints.get(), j.replayedReplies.get()};
    }

    private void checkpointInBackground(DiskId disk) {
        AtomicBoolean running = checkpointRunning.computeIfAbsent(disk, d -> new AtomicBoolean());
        if (!running.compareAndSet(false, true)) {
            return;
        }
        Thread.ofVirtual().name("journal-cp-" + disk.name()).start(() -> {
            try {
                VolumeJournal j = volumes.get(disk);
                if (j != null) {
                    j.checkpoint();
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "consistency point of {0} failed: {1}", disk, e.toString());
            } finally {
                running.set(false);
            }
        });
    }

    /** Settings; the defaults suit a small service on a volume of a few MiB. */
    public static final class Builder {
        private JournaledApplication app;
        private int checkpointSlotBytes = 256 * 1024;
        private int halfBytes = 1024 * 1024;
        private int slotsPerSession = 64;
        private int maxSessions = 4096;
        private int maxReplyBytes = 16 * 1024;
        private Duration checkpointInterval = Duration.ofSeconds(10);
        private JournalFaults faults = JournalFaults.NONE;

        private Builder() {
        }

        /**
         * {@return this}
         *
         * @param app the application
         */
        public Builder application(JournaledApplication app) {
            this.app = app;
            return this;
        }

        /**
         * {@return this}
         *
         * @param bytes each of the two checkpoint slots (the application's snapshot plus the reply cache
         *              must fit)
         */
        public Builder checkpointSlotBytes(int bytes) {
            this.checkpointSlotBytes = bytes;
            return this;
        }

        /**
         * {@return this}
         *
         * @param bytes each of the two log halves
         */
        public Builder halfBytes(int bytes) {
            this.halfBytes = bytes;
            return this;
        }

        /**
         * {@return this}
         *
         * @param slots replies kept per client session
         * @param sessions client sessions kept (least recently used dropped first)
         */
        public Builder replyCache(int slots, int sessions) {
            this.slotsPerSession = slots;
            this.maxSessions = sessions;
            return this;
        }

        /**
         * {@return this}
         *
         * @param bytes the largest reply journaled
         */
        public Builder maxReplyBytes(int bytes) {
            this.maxReplyBytes = bytes;
            return this;
        }

        /**
         * {@return this}
         *
         * @param interval time between background consistency points; zero for none (then only when a log
         *                 half fills and when the engine asks)
         */
        public Builder checkpointInterval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("checkpoint interval must not be negative: " + interval);
            }
            this.checkpointInterval = interval;
            return this;
        }

        /**
         * {@return this}
         *
         * @param faults failure injection, for tests
         */
        public Builder faults(JournalFaults faults) {
            this.faults = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /** {@return the service} */
        public JournaledVolumeService build() {
            return new JournaledVolumeService(this);
        }
    }
}
