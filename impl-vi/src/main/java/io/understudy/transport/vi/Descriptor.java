package io.understudy.transport.vi;

import java.util.Objects;

/**
 * A send or receive descriptor: a control segment (status, length, immediate data) and up to
 * {@link #maxSegments()} data segments, each naming a range of {@link MemoryHandle registered memory}.
 * Post it with {@link Vi#postSend} or {@link Vi#postReceive}; it comes back through
 * {@link Vi#sendDone()}/{@link Vi#receiveDone()} or a {@link CompletionQueue} with {@link #status()} set.
 * Descriptors are reusable and allocate nothing after construction.
 *
 * <p>Not thread-safe: one owner at a time (the application until posted, the VI until completed).
 *
 * @since 0.1
 */
public final class Descriptor {
    private final MemoryHandle[] handles;
    private final int[] offsets;
    private final int[] lengths;
    private int segments;
    private int immediate;
    private volatile int status = ViStatus.SUCCESS;
    private int length;
    long recordEnd; // reliable reception: ring position the peer must consume past

    /** Creates a descriptor with room for {@code maxSegments} data segments. @param maxSegments 1 or more */
    public Descriptor(int maxSegments) {
        if (maxSegments < 1) {
            throw new IllegalArgumentException("maxSegments is " + maxSegments + "; expected 1 or more");
        }
        handles = new MemoryHandle[maxSegments];
        offsets = new int[maxSegments];
        lengths = new int[maxSegments];
    }

    /** Clears the segments, the immediate data and the status, for reuse. @return this */
    public Descriptor reset() {
        segments = 0;
        immediate = 0;
        length = 0;
        status = ViStatus.SUCCESS;
        return this;
    }

    /**
     * Adds a data segment. The range is checked when the descriptor is processed, not here.
     *
     * @param memory where
     * @param offset offset in the registered region
     * @param len    bytes
     * @return this
     */
    public Descriptor segment(MemoryHandle memory, int offset, int len) {
        Objects.requireNonNull(memory, "memory");
        if (segments == handles.length) {
            throw new IllegalStateException("descriptor already has its " + handles.length + " segments");
        }
        handles[segments] = memory;
        offsets[segments] = offset;
        lengths[segments] = len;
        segments++;
        return this;
    }

    /** Sets the 32-bit immediate data sent with the message. @param value the data @return this */
    public Descriptor immediate(int value) {
        immediate = value;
        return this;
    }

    /** {@return the immediate data: as set for a send, as received for a completed receive} */
    public int immediate() {
        return immediate;
    }

    /** {@return the completion status, a {@link ViStatus} code; {@link ViStatus#NOT_DONE} while posted} */
    public int status() {
        return status;
    }

    /** {@return the bytes transferred, once completed} */
    public int length() {
        return length;
    }

    /** {@return the number of data segments} */
    public int segmentCount() {
        return segments;
    }

    /** {@return the most segments this descriptor holds} */
    public int maxSegments() {
        return handles.length;
    }

    MemoryHandle handle(int i) {
        return handles[i];
    }

    int offset(int i) {
        return offsets[i];
    }

    int segmentLength(int i) {
        return lengths[i];
    }

    /** {@return the sum of the segment lengths, or -1 if a length is negative or the sum overflows} */
    long totalLength() {
        long sum = 0;
        for (int i = 0; i < segments; i++) {
            if (lengths[i] < 0) {
                return -1;
            }
            sum += lengths[i];
        }
        return sum;
    }

    void posted() {
        status = ViStatus.NOT_DONE;
    }

    void complete(int status, int length, int immediate) {
        this.length = length;
        this.immediate = immediate;
        this.status = status;
    }

    void complete(int status) {
        this.status = status;
    }

    /**
     * {@return {@link ViStatus#SUCCESS}, or why a segment may not be used by a VI with this tag on this NIC}
     *
     * @param nic the VI's NIC
     * @param tag the VI's protection tag
     */
    int check(ViNic nic, ProtectionTag tag) {
        for (int i = 0; i < segments; i++) {
            MemoryHandle h = handles[i];
            if (h.nic() != nic || !h.isRegistered()) {
                return ViStatus.PROTECTION_ERROR;
            }
            if (!h.protectionTag().equals(tag)) {
                return ViStatus.PTAG_MISMATCH;
            }
            if (offsets[i] < 0 || lengths[i] < 0 || (long) offsets[i] + lengths[i] > h.length()) {
                return ViStatus.PROTECTION_ERROR;
            }
        }
        return ViStatus.SUCCESS;
    }
}
