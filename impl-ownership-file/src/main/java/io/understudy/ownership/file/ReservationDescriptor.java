package io.understudy.ownership.file;

/**
 * The layout of a disk's reservation sidecar, {@code <disk>.pr}: the emulated SCSI-3 persistent
 * reservation, the second half of the seed's {@code <SECTORS,SCSI>} pair. All numbers are little-endian.
 *
 * <p>The file holds {@value #SLOT_COUNT} slots of {@value #SLOT_LENGTH} bytes. Each update writes the whole
 * new state, with a sequence number one higher, into the slot {@code sequence % 2} (so never over the
 * current state) and forces it to disk; a reader takes the valid slot with the highest sequence. A write
 * torn by a crash therefore leaves the previous state readable. An all-zero (or missing, or empty) file is
 * the state of a disk that nobody ever registered on.
 *
 * <pre>
 *  Slot (offsets within the slot):
 *    0  int    magic 'U' 'N' 'P' 'R'
 *    4  short  layout version
 *    6  short  reservation type: 0 none, 5 Write Exclusive - Registrants Only (the SPC-3 code)
 *    8  long   sequence: which write of this file this slot is; in slot sequence % 2
 *   16  long   PR generation: counts reservation operations (REGISTER, RESERVE, PREEMPT, RELEASE, CLEAR)
 *   24  long   epoch of the last successful claim or preempt
 *   32  long   reservation key of the holder; 0 when the type is none
 *   40  short  number of registrations (at most 16)
 *   42  short  number of fences (at most 16)
 *   44  int    reserved, 0
 *   48  registrations: 16 identities of 56 bytes
 *  944  fences: 16 entries of 128 bytes
 * 4092  int    CRC32C of bytes 0 .. 4091 of the slot
 *
 *  Identity (56 bytes):  0 long key; 8 label length; 9 label (8 bytes); 17 name length; 18 name (32 bytes)
 *  Fence (128 bytes):    0 victim identity; 56 preempting identity; 112 long epoch of the preempt; 120 reserved
 * </pre>
 *
 * <p>A fence records that a node's registration was removed by a PREEMPT. The emulation keeps it (a SCSI
 * target does not) so that a fenced node, which may not have been registered at all when a partner
 * preempted it, cannot register again behind the partner's back; it is cleared when the disk is released.
 *
 * @since 0.1
 */
public final class ReservationDescriptor {

    /** Bytes in one slot. */
    public static final int SLOT_LENGTH = 4096;
    /** Slots in the file. */
    public static final int SLOT_COUNT = 2;
    /** Bytes in the whole file. */
    public static final int FILE_LENGTH = SLOT_LENGTH * SLOT_COUNT;

    /** Offset of the magic number, an {@code int}. */
    public static final int MAGIC_OFFSET = 0;
    /** The magic number: the bytes {@code 'U' 'N' 'P' 'R'} read as a little-endian {@code int}. */
    public static final int MAGIC = 0x52504E55;
    /** Offset of the layout version, a {@code short}. */
    public static final int VERSION_OFFSET = 4;
    /** The layout version this code writes and reads. */
    public static final short VERSION = 1;
    /** Offset of the reservation type, a {@code short}. */
    public static final int TYPE_OFFSET = 6;
    /** Reservation type: no reservation. */
    public static final short TYPE_NONE = 0;
    /** Reservation type: Write Exclusive - Registrants Only, SPC-3 type code 5h. */
    public static final short TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY = 5;
    /** Offset of the slot's sequence number, a {@code long}. */
    public static final int SEQUENCE_OFFSET = 8;
    /** Offset of the PR generation, a {@code long}. */
    public static final int GENERATION_OFFSET = 16;
    /** Offset of the epoch of the last successful claim or preempt, a {@code long}. */
    public static final int EPOCH_OFFSET = 24;
    /** Offset of the holder's reservation key, a {@code long}. */
    public static final int HOLDER_KEY_OFFSET = 32;
    /** Offset of the number of registrations, a {@code short}. */
    public static final int REGISTRATION_COUNT_OFFSET = 40;
    /** Offset of the number of fences, a {@code short}. */
    public static final int FENCE_COUNT_OFFSET = 42;

    /** Offset of an identity's reservation key, a {@code long}. */
    public static final int IDENTITY_KEY_OFFSET = 0;
    /** Offset of an identity's label length, one unsigned byte; the label follows. */
    public static final int IDENTITY_LABEL_LENGTH_OFFSET = 8;
    /** The most bytes a label takes. */
    public static final int MAX_LABEL_LENGTH = 8;
    /** Offset of an identity's name length, one unsigned byte; the name follows. */
    public static final int IDENTITY_NAME_LENGTH_OFFSET = IDENTITY_LABEL_LENGTH_OFFSET + 1 + MAX_LABEL_LENGTH;
    /** The most bytes a node name takes. */
    public static final int MAX_NAME_LENGTH = 32;
    /** Bytes in an identity. */
    public static final int IDENTITY_LENGTH = 56;

    /** Offset of the registrations. */
    public static final int REGISTRATIONS_OFFSET = 48;
    /** The most registrations a disk holds. */
    public static final int MAX_REGISTRATIONS = 16;

    /** Offset of the fences. */
    public static final int FENCES_OFFSET = REGISTRATIONS_OFFSET + MAX_REGISTRATIONS * IDENTITY_LENGTH;
    /** Offset, within a fence, of the fenced node's identity. */
    public static final int FENCE_VICTIM_OFFSET = 0;
    /** Offset, within a fence, of the preempting node's identity. */
    public static final int FENCE_BY_OFFSET = IDENTITY_LENGTH;
    /** Offset, within a fence, of the preempt's epoch, a {@code long}. */
    public static final int FENCE_EPOCH_OFFSET = 2 * IDENTITY_LENGTH;
    /** Bytes in a fence. */
    public static final int FENCE_LENGTH = 128;
    /** The most fences a disk holds. */
    public static final int MAX_FENCES = 16;

    /** Offset of the CRC32C checksum, an {@code int}, computed over the slot's bytes before it. */
    public static final int CHECKSUM_OFFSET = SLOT_LENGTH - 4;

    static {
        if (FENCES_OFFSET + MAX_FENCES * FENCE_LENGTH > CHECKSUM_OFFSET) {
            throw new AssertionError("reservation slot layout overflows");
        }
    }

    private ReservationDescriptor() {
    }
}
