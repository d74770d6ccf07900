package io.understudy.session;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The session layer's reply cache, a slot table in the manner of NFSv4.1 sessions: for each client
 * session the replies to its most recent {@code slotsPerSession} requests, keyed by sequence number, so a
 * request the client re-sends (the same session id and sequence after a failover) is answered from here
 * instead of running again.
 *
 * <p>Bounded: a session keeps at most {@code slotsPerSession} replies; when it drops its oldest, it
 * remembers the highest sequence dropped (its floor), and a re-send at or below the floor is answered
 * {@link Lookup.TooOld} (it may have run; it never runs twice). At most {@code maxSessions} sessions are
 * kept; the least recently used is dropped whole (a re-send from a dropped session would run again, so
 * size {@code maxSessions} above the number of clients). The cache has a compact binary form so a
 * consistency point can store it with the volume's data.
 *
 * <p>Not thread-safe: the journal calls it under its volume's order lock.
 *
 * @since 0.1
 */
public final class ReplyCache {

    /** The result of {@link #lookup}. */
    public sealed interface Lookup {
        /**
         * The request ran; this is its recorded reply.
         *
         * @param status the reply status ({@code OK} or {@code APPLICATION_ERROR})
         * @param reply  the reply bytes (not copied)
         * @param lsn    the journal position of its record (0 when restored from a consistency point)
         */
        record Hit(Status status, byte[] reply, long lsn) implements Lookup {
        }

        /** Not seen: the request has not run. */
        record Miss() implements Lookup {
        }

        /**
         * Older than the session's window: it may have run, and its reply is gone.
         *
         * @param floor the highest sequence dropped from this session
         */
        record TooOld(long floor) implements Lookup {
        }
    }

    private static final Lookup MISS = new Lookup.Miss();

    private final int slotsPerSession;
    private final int maxSessions;
    private final LinkedHashMap<Long, Session> sessions;

    private static final class Session {
        long floor;
        final TreeMap<Long, Lookup.Hit> slots = new TreeMap<>();
    }

    /**
     * Creates an empty cache.
     *
     * @param slotsPerSession replies kept per session (at least 1)
     * @param maxSessions     sessions kept (at least 1)
     */
    public ReplyCache(int slotsPerSession, int maxSessions) {
        if (slotsPerSession < 1 || maxSessions < 1) {
            throw new IllegalArgumentException("slotsPerSession and maxSessions must be at least 1, got "
                    + slotsPerSession + " and " + maxSessions);
        }
        this.slotsPerSession = slotsPerSession;
        this.maxSessions = maxSessions;
        this.sessions = new LinkedHashMap<>(16, 0.75f, true);
    }

    /**
     * {@return what is known about a request}
     *
     * @param sessionId the client's session
     * @param sequence  the request's sequence number
     */
    public Lookup lookup(long sessionId, long sequence) {
        Session s = sessions.get(sessionId);
        if (s == null) {
            return MISS;
        }
        Lookup.Hit hit = s.slots.get(sequence);
        if (hit != null) {
            return hit;
        }
        return sequence <= s.floor ? new Lookup.TooOld(s.floor) : MISS;
    }

    /**
     * Records the reply to a request that ran.
     *
     * @param sessionId the session
     * @param sequence  the sequence number
     * @param status    {@code OK} or {@code APPLICATION_ERROR}
     * @param reply     the reply bytes (kept, not copied)
     * @param lsn       the journal position of its record
     */
    public void record(long sessionId, long sequence, Status status, byte[] reply, long lsn) {
        Session s = sessions.get(sessionId);
        if (s == null) {
            s = new Session();
            sessions.put(sessionId, s);
            if (sessions.size() > maxSessions) {
                Iterator<Map.Entry<Long, Session>> it = sessions.entrySet().iterator();
                it.next();
                it.remove();
            }
        }
        if (sequence <= s.floor) {
            return;
        }
        s.slots.put(sequence, new Lookup.Hit(status, reply, lsn));
        while (s.slots.size() > slotsPerSession) {
            s.floor = Math.max(s.floor, s.slots.pollFirstEntry().getKey());
        }
    }

    /** {@return the number of sessions kept} */
    public int sessions() {
        return sessions.size();
    }

    /** {@return the number of replies kept, over all sessions} */
    public int replies() {
        int n = 0;
        for (Session s : sessions.values()) {
            n += s.slots.size();
        }
        return n;
    }

    /**
     * {@return the cache's binary form}: {@code u32 sessions}, then per session {@code u64 id, u64 floor,
     * u32 n} and per reply {@code u64 sequence, u8 status, u32 length, bytes}; big-endian, least recently
     * used session first.
     */
    public ByteBuffer encode() {
        int size = 4;
        for (Session s : sessions.values()) {
            size += 20;
            for (Lookup.Hit h : s.slots.values()) {
                size += 13 + h.reply().length;
            }
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(sessions.size());
        for (Map.Entry<Long, Session> e : sessions.entrySet()) {
            Session s = e.getValue();
            b.putLong(e.getKey()).putLong(s.floor).putInt(s.slots.size());
            for (Map.Entry<Long, Lookup.Hit> h : s.slots.entrySet()) {
                b.putLong(h.getKey()).put((byte) h.getValue().status().code()).putInt(h.getValue().reply().length)
                        .put(h.getValue().reply());
            }
        }
        return b.flip();
    }

    /**
     * Decodes a cache written by {@link #encode}.
     *
     * @param src             the bytes, from position to limit
     * @param slotsPerSession the bound for the new cache
     * @param maxSessions     the bound for the new cache
     * @return the cache
     * @throws UnderstudyException {@link ErrorCode#FRAME_MALFORMED} naming the offset of the bad field
     */
    public static ReplyCache decode(ByteBuffer src, int slotsPerSession, int maxSessions) {
        ByteBuffer b = src.slice();
        ReplyCache c = new ReplyCache(slotsPerSession, maxSessions);
        int n = need(b, 4).getInt();
        if (n < 0) {
            throw bad(0, "negative session count " + n);
        }
        for (int i = 0; i < n; i++) {
            need(b, 20);
            long id = b.getLong();
            long floor = b.getLong();
            int m = b.getInt();
            if (m < 0) {
                throw bad(b.position() - 4, "negative reply count " + m);
            }
            Session s = new Session();
            s.floor = floor;
            c.sessions.put(id, s);
            for (int j = 0; j < m; j++) {
                need(b, 13);
                long seq = b.getLong();
                int at = b.position();
                Status st = Status.ofCode(b.get() & 0xff);
                if (st == null) {
                    throw bad(at, "unknown status " + (b.get(at) & 0xff));
                }
                int len = b.getInt();
                if (len < 0 || len > b.remaining()) {
                    throw bad(b.position() - 4, "reply length " + len + " with " + b.remaining() + " bytes left");
                }
                byte[] r = new byte[len];
                b.get(r);
                c.record(id, seq, st, r, 0);
            }
        }
        if (b.hasRemaining()) {
            throw bad(b.position(), b.remaining() + " trailing bytes");
        }
        return c;
    }

    private static ByteBuffer need(ByteBuffer b, int n) {
        if (b.remaining() < n) {
            throw bad(b.position(), "needs " + n + " bytes, " + b.remaining() + " left");
        }
        return b;
    }

    private static UnderstudyException bad(int offset, String what) {
        return new UnderstudyException(ErrorCode.FRAME_MALFORMED, "malformed reply cache at offset " + offset + ": " + what);
    }
}
