package io.understudy.transport.vi;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Small helpers shared by the library and the transport. */
final class TransportSupport {
    private TransportSupport() {
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Closing is best effort.
            }
        }
    }

    static void putText(ByteBuffer b, int offset, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.putShort(offset, (short) bytes.length);
        b.put(offset + 2, bytes);
    }

    static String getText(ByteBuffer b, int offset) {
        int len = b.getShort(offset);
        if (len < 0 || len > ViConnectionDescriptor.TEXT_FIELD_LENGTH - 2) {
            return null;
        }
        byte[] bytes = new byte[len];
        b.get(offset + 2, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
