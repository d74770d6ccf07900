package io.understudy.api.ownership;

import java.nio.ByteBuffer;

/**
 * The data path to one disk, as seen by one node, with fencing enforced: once another node has preempted
 * this node's registration, every {@link #write} and {@link #force} fails with
 * {@link io.understudy.api.ErrorCode#FENCED}, as a SCSI-3 target answers RESERVATION CONFLICT. Reads stay
 * allowed (Write Exclusive - Registrants Only semantics).
 *
 * <p>Offsets are relative to the data area, which starts after the ownership records (sector S is never
 * reachable through this interface). Thread-safe; calls block on I/O.
 *
 * @since 0.1
 */
public interface DiskIo extends AutoCloseable {

    /** {@return the disk} */
    DiskId disk();

    /** {@return the size of the data area in bytes} */
    long size();

    /**
     * Writes all of {@code src} at {@code position}.
     *
     * @param position offset in the data area
     * @param src      the bytes; its position advances
     * @throws io.understudy.api.UnderstudyException {@code FENCED} if this node was preempted,
     *                                               {@code DISK_IO} on I/O errors or out-of-range writes
     */
    void write(long position, ByteBuffer src);

    /**
     * Reads into {@code dst} from {@code position} until it is full or the data area ends.
     *
     * @param position offset in the data area
     * @param dst      the buffer; its position advances
     * @return bytes read, -1 at the end
     */
    int read(long position, ByteBuffer dst);

    /**
     * Makes every completed write durable.
     *
     * @throws io.understudy.api.UnderstudyException {@code FENCED} if this node was preempted
     */
    void force();

    /** Closes this handle; the disk's ownership does not change. */
    @Override
    void close();
}
