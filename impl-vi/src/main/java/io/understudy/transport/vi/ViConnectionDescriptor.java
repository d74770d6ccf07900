package io.understudy.transport.vi;

/**
 * Layout of a VI connection file: the shared memory two VIs are connected through. The client creates and
 * initialises it, moves it into the server NIC's discriminator directory (which is the connection request)
 * and both sides map it; once both have mapped it the server unlinks it, so nothing is left behind even if
 * both processes die. All words are native-order; words written by one side and read by the other are
 * accessed with release/acquire semantics.
 *
 * <pre>
 *   0 MAGIC int            8 STATE int (INIT, REQUESTED, ACCEPTED, REJECTED, ABANDONED)
 *   4 VERSION int         12 RELIABILITY int (ordinal of {@link Reliability})
 *  16 MAX_TRANSFER int    the client's requested maximum transfer size; the server writes the agreed one
 *  20 RING_CAPACITY int   bytes of each ring's data area
 *  24 CLIENT_DISCONNECTED int, 28 SERVER_DISCONNECTED int: 1 once that side disconnected
 *  32 CLIENT_ERROR int,        36 SERVER_ERROR int: a {@link ViStatus} once that side's VI broke
 *  64 CLIENT_NIC  (short length + UTF-8, 128 bytes)
 * 192 SERVER_NIC  (short length + UTF-8, 128 bytes)
 * 320 DISCRIMINATOR (short length + UTF-8, 128 bytes)
 * 512 ring 0 header (client to server), 768 ring 1 header (server to client); each:
 *     +0 TAIL long (producer's position), +64 HEAD long (consumer's position),
 *     +128 POSTED long (receive descriptors the consumer has posted so far: the sender's credit window)
 * 1024 ring 0 data, 1024 + RING_CAPACITY ring 1 data
 * </pre>
 *
 * A record in a ring is an 8-byte header (int payload length, or {@link #PADDING}; int immediate data)
 * followed by the payload, padded to 8 bytes. Records never wrap: the producer writes a padding record
 * and starts again at offset 0. Constants only.
 */
final class ViConnectionDescriptor {
    static final int MAGIC = 0x56494131; // "VIA1"
    static final int VERSION = 1;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int STATE_OFFSET = 8;
    static final int RELIABILITY_OFFSET = 12;
    static final int MAX_TRANSFER_OFFSET = 16;
    static final int RING_CAPACITY_OFFSET = 20;
    static final int DISCONNECTED_OFFSET = 24; // + 4 * side
    static final int ERROR_OFFSET = 32; // + 4 * side
    static final int CLIENT_NIC_OFFSET = 64;
    static final int SERVER_NIC_OFFSET = 192;
    static final int DISCRIMINATOR_OFFSET = 320;
    static final int TEXT_FIELD_LENGTH = 128;

    static final int RING_HEADER_OFFSET = 512; // + 256 * ring
    static final int RING_HEADER_LENGTH = 256;
    static final int TAIL_OFFSET = 0;
    static final int HEAD_OFFSET = 64;
    static final int POSTED_OFFSET = 128;
    static final int DATA_OFFSET = 1024;

    static final int STATE_INIT = 0;
    static final int STATE_REQUESTED = 1;
    static final int STATE_ACCEPTED = 2;
    static final int STATE_REJECTED = 3;
    static final int STATE_ABANDONED = 4;

    static final int RECORD_HEADER_LENGTH = 8;
    static final int PADDING = -1;
    static final int ALIGNMENT = 8;

    static final int CLIENT = 0;
    static final int SERVER = 1;

    private ViConnectionDescriptor() {
    }

    static int align(int n) {
        return (n + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** {@return the ring data capacity that holds {@code records} records of {@code maxTransfer} bytes} */
    static int capacityFor(int records, int maxTransfer) {
        return records * align(RECORD_HEADER_LENGTH + maxTransfer) + ALIGNMENT;
    }

    static long fileLength(int capacity) {
        return DATA_OFFSET + 2L * capacity;
    }

    static int ringHeader(int ring) {
        return RING_HEADER_OFFSET + RING_HEADER_LENGTH * ring;
    }

    static int ringData(int ring, int capacity) {
        return DATA_OFFSET + ring * capacity;
    }
}
