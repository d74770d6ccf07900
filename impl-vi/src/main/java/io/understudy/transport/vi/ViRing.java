package io.understudy.transport.vi;

import static io.understudy.transport.vi.ViConnectionDescriptor.HEAD_OFFSET;
import static io.understudy.transport.vi.ViConnectionDescriptor.PADDING;
import static io.understudy.transport.vi.ViConnectionDescriptor.POSTED_OFFSET;
import static io.understudy.transport.vi.ViConnectionDescriptor.RECORD_HEADER_LENGTH;
import static io.understudy.transport.vi.ViConnectionDescriptor.TAIL_OFFSET;
import static io.understudy.transport.vi.ViConnectionDescriptor.align;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One direction of a VI connection: a single-producer, single-consumer ring of records in shared memory
 * (see {@link ViConnectionDescriptor}). The producer copies a record in, then publishes the tail with a
 * release store; the consumer reads the tail with an acquire load, so a record is seen whole or not at
 * all. A producer that dies mid-record leaves bytes past the published tail, which the consumer never
 * reads. A record whose header is impossible (too long, past the tail, across the end) is reported as
 * corrupt. Nothing here allocates or throws on the hot path; results are codes.
 *
 * <p>Not thread-safe: one producer thread and one consumer thread at a time (the VI's locks see to it).
 */
final class ViRing {
    static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    /** {@link #next()}: the ring is empty. */
    static final int EMPTY = -2;
    /** {@link #next()}: the record at the head is impossible; the ring cannot be trusted any more. */
    static final int CORRUPT = -3;

    private final ByteBuffer buf;
    private final int header;
    private final int data;
    private final int capacity;
    private final int maxPayload;
    private long tailCache; // producer's own tail
    private long headCache; // consumer's own head
    private long producerHeadCache; // the producer's last look at the consumer's head

    ViRing(ByteBuffer buf, int header, int data, int capacity, int maxPayload) {
        this.buf = buf;
        this.header = header;
        this.data = data;
        this.capacity = capacity;
        this.maxPayload = maxPayload;
        this.tailCache = (long) LONG.getAcquire(buf, header + TAIL_OFFSET);
        this.headCache = (long) LONG.getAcquire(buf, header + HEAD_OFFSET);
        this.producerHeadCache = headCache;
    }

    // ---- producer ----

    /**
     * Copies the segments of {@code d} and its immediate data in as one record.
     *
     * @return the ring position just past the record, or -1 if there is no room now
     */
    long offer(Descriptor d, int length) {
        int recordLength = align(RECORD_HEADER_LENGTH + length);
        int offset = (int) (tailCache % capacity);
        int toEnd = capacity - offset;
        int needed = recordLength <= toEnd ? recordLength : toEnd + recordLength;
        if (capacity - (tailCache - producerHeadCache) < needed) {
            // Read the consumer's position (a cache line it writes) only when the cached one says full.
            producerHeadCache = (long) LONG.getAcquire(buf, header + HEAD_OFFSET);
            if (capacity - (tailCache - producerHeadCache) < needed) {
                return -1;
            }
        }
        if (recordLength > toEnd) {
            buf.putInt(data + offset, PADDING);
            tailCache += toEnd;
            offset = 0;
        }
        int at = data + offset + RECORD_HEADER_LENGTH;
        for (int i = 0; i < d.segmentCount(); i++) {
            int n = d.segmentLength(i);
            buf.put(at, d.handle(i).raw(), d.offset(i), n);
            at += n;
        }
        buf.putInt(data + offset, length);
        buf.putInt(data + offset + 4, d.immediate());
        tailCache += recordLength;
        LONG.setRelease(buf, header + TAIL_OFFSET, tailCache);
        return tailCache;
    }

    /**
     * Copies {@code length} bytes of {@code src} from {@code from} in as one record (the wire fabric).
     *
     * @return the ring position just past the record, or -1 if there is no room now
     */
    long offerRaw(ByteBuffer src, int from, int length, int immediate) {
        int recordLength = align(RECORD_HEADER_LENGTH + length);
        int offset = (int) (tailCache % capacity);
        int toEnd = capacity - offset;
        int needed = recordLength <= toEnd ? recordLength : toEnd + recordLength;
        if (capacity - (tailCache - producerHeadCache) < needed) {
            producerHeadCache = (long) LONG.getAcquire(buf, header + HEAD_OFFSET);
            if (capacity - (tailCache - producerHeadCache) < needed) {
                return -1;
            }
        }
        if (recordLength > toEnd) {
            buf.putInt(data + offset, PADDING);
            tailCache += toEnd;
            offset = 0;
        }
        buf.put(data + offset + RECORD_HEADER_LENGTH, src, from, length);
        buf.putInt(data + offset, length);
        buf.putInt(data + offset + 4, immediate);
        tailCache += recordLength;
        LONG.setRelease(buf, header + TAIL_OFFSET, tailCache);
        return tailCache;
    }

    /** Copies the head record's payload to {@code dst} at {@code at}. */
    void copyPayload(ByteBuffer dst, int at, int len) {
        dst.put(at, buf, data + (int) (headCache % capacity) + RECORD_HEADER_LENGTH, len);
    }

    /** {@return how far the consumer has read} */
    long consumed() {
        return (long) LONG.getAcquire(buf, header + HEAD_OFFSET);
    }

    /** {@return the receive descriptors the consumer has posted so far} */
    long posted() {
        return (long) LONG.getAcquire(buf, header + POSTED_OFFSET);
    }

    // ---- consumer ----

    /** {@return the payload length of the record at the head, {@link #EMPTY} or {@link #CORRUPT}} */
    int next() {
        long tail = (long) LONG.getAcquire(buf, header + TAIL_OFFSET);
        while (true) {
            if (headCache == tail) {
                return EMPTY;
            }
            if (tail - headCache > capacity || tail < headCache) {
                return CORRUPT;
            }
            int offset = (int) (headCache % capacity);
            int len = buf.getInt(data + offset);
            if (len == PADDING) {
                headCache += capacity - offset;
                continue;
            }
            if (len < 0 || len > maxPayload || offset + RECORD_HEADER_LENGTH + (long) len > capacity
                    || headCache + align(RECORD_HEADER_LENGTH + len) > tail) {
                return CORRUPT;
            }
            return len;
        }
    }

    /** {@return the immediate data of the record at the head; call after {@link #next()} found one} */
    int immediate() {
        return buf.getInt(data + (int) (headCache % capacity) + 4);
    }

    /** Scatters the head record's payload into the segments of {@code d}, in order. */
    void copyTo(Descriptor d, int len) {
        int at = data + (int) (headCache % capacity) + RECORD_HEADER_LENGTH;
        int left = len;
        for (int i = 0; i < d.segmentCount() && left > 0; i++) {
            int n = Math.min(left, d.segmentLength(i));
            d.handle(i).raw().put(d.offset(i), buf, at, n);
            at += n;
            left -= n;
        }
    }

    /** Consumes the head record. */
    void advance(int len) {
        headCache += align(RECORD_HEADER_LENGTH + len);
        LONG.setRelease(buf, header + HEAD_OFFSET, headCache);
    }

    /** Publishes the number of receive descriptors posted so far. */
    void publishPosted(long count) {
        LONG.setRelease(buf, header + POSTED_OFFSET, count);
    }

    /** Test hook: writes the start of a record without publishing it, as a producer dying mid-write does. */
    void writeUnpublished(int length, byte fill) {
        int offset = (int) (tailCache % capacity);
        buf.putInt(data + offset, length);
        for (int i = 0; i < Math.min(length, capacity - offset - RECORD_HEADER_LENGTH) / 2; i++) {
            buf.put(data + offset + RECORD_HEADER_LENGTH + i, fill);
        }
    }

    /** Test hook: publishes a record header claiming {@code length} bytes, with nothing behind it. */
    void publishBogus(int length) {
        int offset = (int) (tailCache % capacity);
        buf.putInt(data + offset, length);
        tailCache += RECORD_HEADER_LENGTH;
        LONG.setRelease(buf, header + TAIL_OFFSET, tailCache);
    }
}
