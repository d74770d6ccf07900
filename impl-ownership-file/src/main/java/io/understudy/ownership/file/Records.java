package io.understudy.ownership.file;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.NodeId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/** Encoding helpers shared by sector S and the reservation sidecar: identities, checksums, corruption. */
final class Records {

    private Records() {
    }

    /** A decoding failure; turned into {@code OWNERSHIP_RECORD_CORRUPT} with the file's name by the caller. */
    static final class Corrupt extends Exception {
        private static final long serialVersionUID = 1L;

        Corrupt(String reason) {
            super(reason, null, false, false);
        }
    }

    static ByteBuffer buffer(int length) {
        return ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    }

    static int crc32c(ByteBuffer b, int from, int to) {
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().limit(to).position(from));
        return (int) crc.getValue();
    }

    private static final byte[] ZEROS = new byte[ReservationDescriptor.SLOT_LENGTH];

    static boolean allZero(ByteBuffer b, int from, int to) {
        if (b.hasArray() && to - from <= ZEROS.length) {
            int base = b.arrayOffset();
            return java.util.Arrays.mismatch(b.array(), base + from, base + to, ZEROS, 0, to - from) < 0;
        }
        for (int i = from; i < to; i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Writes a length byte and the UTF-8 bytes of {@code s} at {@code lengthOffset}, {@code lengthOffset + 1}. */
    static void putString(ByteBuffer b, int lengthOffset, String s, int max) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > max) {
            throw new IllegalArgumentException("'" + s + "' takes " + bytes.length + " bytes, more than " + max);
        }
        b.put(lengthOffset, (byte) bytes.length);
        b.put(lengthOffset + 1, bytes);
    }

    /** {@return the length byte at {@code lengthOffset}, checked against 0..max} */
    static int length(ByteBuffer b, int lengthOffset, int max, String what) throws Corrupt {
        int n = Byte.toUnsignedInt(b.get(lengthOffset));
        if (n > max) {
            throw new Corrupt(what + " length " + n + " is more than " + max);
        }
        return n;
    }

    static String string(ByteBuffer b, int offset, int length, String what) throws Corrupt {
        try {
            CharBuffer c = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(b.duplicate().limit(offset + length).position(offset));
            return c.toString();
        } catch (CharacterCodingException e) {
            throw new Corrupt(what + " is not valid UTF-8");
        }
    }

    /** Reads a node identity: a label (length byte, bytes) then a name (length byte, bytes). */
    static NodeId node(ByteBuffer b, int labelLengthOffset, int maxLabel, int maxName, String what) throws Corrupt {
        int labelLength = length(b, labelLengthOffset, maxLabel, what + " label");
        int nameLengthOffset = labelLengthOffset + 1 + maxLabel;
        int nameLength = length(b, nameLengthOffset, maxName, what + " name");
        if (labelLength == 0 || nameLength == 0) {
            throw new Corrupt(what + " has a label of " + labelLength + " bytes and a name of " + nameLength + " bytes; both must be present");
        }
        String label = string(b, labelLengthOffset + 1, labelLength, what + " label");
        String name = string(b, nameLengthOffset + 1, nameLength, what + " name");
        try {
            return new NodeId(name, label);
        } catch (UnderstudyException e) {
            throw new Corrupt(what + " is not a valid node: " + e.getMessage());
        }
    }

    /** Writes a node identity in the layout {@link #node} reads. */
    static void putNode(ByteBuffer b, int labelLengthOffset, int maxLabel, int maxName, NodeId node) {
        putString(b, labelLengthOffset, node.label(), maxLabel);
        putString(b, labelLengthOffset + 1 + maxLabel, node.name(), maxName);
    }

    static UnderstudyException corrupt(String what, Object file, String reason) {
        return new UnderstudyException(ErrorCode.OWNERSHIP_RECORD_CORRUPT, what + " of " + file + " is corrupt: " + reason
                + ". The disk's owner cannot be known from it, so no node may claim, preempt or release the disk;"
                + " stop the nodes that use it, inspect the file, and restore the record from a backup or re-create the disk");
    }
}
