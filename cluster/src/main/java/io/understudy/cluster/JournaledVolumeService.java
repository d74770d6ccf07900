package io.understudy.cluster;

import io.understudy.api.ErrorCode;
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
 * <p>Disk errors: a journal write or force that fails is never acknowledged; the volume's journal stops
 * (its memory is ahead of its disk) and every request on it fails with {@code DISK_IO} until it is
 * remounted. The service remounts it in the background, as at takeover (checkpoint, replay, reply cache),
 * with a backoff from {@link Builder#diskRetry} and a bounded number of attempts; a request whose outcome
 * was unknown and is re-sent with the same sequence is then answered from the reply cache if its record
 * reached the disk, and run once if it did not. {@link #health} counts errors and recoveries.
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
    private final ScheduledExecutorService recovery;
    private final long retryFirstNanos;
    private final long retryMaxNanos;
    private final int retryAttempts;
    private final Map<DiskId, VolumeJournal> recovering = new ConcurrentHashMap<>();
    private final Map<DiskId, Health> health = new ConcurrentHashMap<>();

    /**
     * A volume's record of disk errors.
     *
     * @param serving    whether its journal runs now (false while stopped by a disk error, or after giving up)
     * @param diskErrors times its journal stopped on a disk error
     * @param recoveries times it was remounted after one
     * @param gaveUp     whether the last recovery ran out of attempts (the volume stays stopped until mounted again)
     * @param lastError  the last disk error, or null
     */
    public record VolumeHealth(boolean serving, long diskErrors, long recoveries, boolean gaveUp, String lastError) {
    }

    private static final class Health {
        final java.util.concurrent.atomic.AtomicLong errors = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong recoveries = new java.util.concurrent.atomic.AtomicLong();
        volatile boolean gaveUp;
        volatile String lastError;
    }

    private JournaledVolumeService(Builder b) {
        this.app = Objects.requireNonNull(b.app, "application");
        this.layout = new JournalFormat.Layout(b.checkpointSlotBytes, b.halfBytes);
        this.slotsPerSession = b.slotsPerSession;
        this.maxSessions = b.maxSessions;
        this.maxReplyBytes = b.maxReplyBytes;
        this.faults = b.faults;
        this.retryFirstNanos = b.retryFirst.toNanos();
        this.retryMaxNanos = b.retryMax.toNanos();
        this.retryAttempts = b.retryAttempts;
        this.recovery = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("journal-recovery").factory());
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
        health.computeIfAbsent(disk, d -> new Health()).gaveUp = false;
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
        ByteBuffer reply;
        try {
            reply = j.handle(request, payload, route.mutating());
        } catch (UnderstudyException e) {
            recoverIfBroken(route.volume(), j);
            throw e;
        }
        if (j.checkpointWanted()) {
            checkpointInBackground(route.volume());
        }
        return reply;
    }

    @Override
    public void consistencyPoint(DiskId disk) {
        VolumeJournal j = volumes.get(disk);
        if (j != null) {
            try {
                j.checkpoint();
            } catch (UnderstudyException e) {
                recoverIfBroken(disk, j);
                throw e;
            }
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
        recovery.shutdownNow();
    }

    /**
     * {@return a volume's disk errors and recoveries}, or null if it was never mounted here
     *
     * @param disk the volume
     */
    public VolumeHealth health(DiskId disk) {
        Health h = health.get(disk);
        if (h == null) {
            return null;
        }
        VolumeJournal j = volumes.get(disk);
        return new VolumeHealth(j != null && j.broken() == null, h.errors.get(), h.recoveries.get(), h.gaveUp, h.lastError);
    }

    /** If a disk error stopped this journal, remounts its volume in the background (once per stopped journal). */
    private void recoverIfBroken(DiskId disk, VolumeJournal j) {
        UnderstudyException why = j.broken();
        Health h = health.computeIfAbsent(disk, d -> new Health());
        if (why == null || why.code() == ErrorCode.FENCED || h.gaveUp || volumes.get(disk) != j || recovering.putIfAbsent(disk, j) != null) {
            return; // a fenced node must not remount; after giving up, only a new mount (boot, takeover) tries again
        }
        h.errors.incrementAndGet();
        h.lastError = why.getMessage();
        LOG.log(System.Logger.Level.WARNING, "journal of {0} stopped on a disk error, remounting when the disk answers: {1}",
                disk, why.getMessage());
        schedule(disk, j, 1, retryFirstNanos);
    }

    private void schedule(DiskId disk, VolumeJournal j, int attempt, long delayNanos) {
        try {
            recovery.schedule(() -> attempt(disk, j, attempt, delayNanos), delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            recovering.remove(disk, j);
        }
    }

    private void attempt(DiskId disk, VolumeJournal old, int attempt, long delayNanos) {
        if (volumes.get(disk) != old) { // unmounted (or mounted again) meanwhile
            recovering.remove(disk, old);
            return;
        }
        long next = Math.min(retryMaxNanos, delayNanos * 2);
        String failure;
        if (!old.quiesce(retryMaxNanos)) {
            failure = "a write on the stopped journal has not returned yet";
        } else {
            VolumeJournal fresh = new VolumeJournal(disk, old.io(), app, layout, faults, slotsPerSession, maxSessions, maxReplyBytes);
            try {
                JournalReport r = fresh.mount();
                if (!volumes.replace(disk, old, fresh)) {
                    fresh.close();
                    recovering.remove(disk, old);
                    return;
                }
                reports.put(disk, r);
                recovering.remove(disk, old);
                health.get(disk).recoveries.incrementAndGet();
                LOG.log(System.Logger.Level.INFO, "journal of {0} recovered after a disk error (attempt {1}): checkpoint at {2},"
                        + " {3} records replayed to {4}, {5} replies cached", disk, attempt, r.checkpointLsn(), r.replayed(),
                        r.lastLsn(), r.cachedReplies());
                return;
            } catch (RuntimeException e) {
                failure = e.getMessage();
            }
        }
        if (attempt >= retryAttempts) {
            health.get(disk).gaveUp = true;
            recovering.remove(disk, old);
            LOG.log(System.Logger.Level.ERROR, "journal of {0}: gave up remounting after {1} attempts; the volume stays"
                    + " stopped until it is mounted again: {2}", disk, attempt, failure);
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "journal of {0}: remount attempt {1} failed: {2}", disk, attempt, failure);
        schedule(disk, old, attempt + 1, next);
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
                    try {
                        j.checkpoint();
                    } catch (UnderstudyException e) {
                        recoverIfBroken(disk, j);
                        throw e;
                    }
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
        private Duration retryFirst = Duration.ofMillis(100);
        private Duration retryMax = Duration.ofSeconds(2);
        private int retryAttempts = 600;

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

        /**
         * {@return this}
         *
         * @param first    the wait before the first remount after a disk error
         * @param max      the longest wait between attempts (the wait doubles up to it)
         * @param attempts remount attempts before the volume stays stopped (the default, 600 at up to 2 s,
         *                 is about 20 minutes)
         */
        public Builder diskRetry(Duration first, Duration max, int attempts) {
            if (first.isNegative() || first.isZero() || max.compareTo(first) < 0 || attempts < 1) {
                throw new IllegalArgumentException("disk retry needs 0 < first <= max and attempts >= 1: first " + first
                        + ", max " + max + ", attempts " + attempts);
            }
            this.retryFirst = first;
            this.retryMax = max;
            this.retryAttempts = attempts;
            return this;
        }

        /** {@return the service} */
        public JournaledVolumeService build() {
            return new JournaledVolumeService(this);
        }
    }
}
