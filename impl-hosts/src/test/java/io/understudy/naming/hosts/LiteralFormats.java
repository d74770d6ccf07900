package io.understudy.naming.hosts;

import java.util.Locale;
import java.util.Random;

/** Writes addresses in the text forms people use, for round-trip and fuzz tests. */
final class LiteralFormats {

    private LiteralFormats() {
    }

    static String v4(byte[] b, int at) {
        return (b[at] & 0xff) + "." + (b[at + 1] & 0xff) + "." + (b[at + 2] & 0xff) + "." + (b[at + 3] & 0xff);
    }

    /** Eight groups, no compression: {@code 2001:db8:0:0:0:0:0:1}. */
    static String v6Full(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int g = 0; g < 8; g++) {
            if (g > 0) {
                sb.append(':');
            }
            sb.append(Integer.toHexString(((b[2 * g] & 0xff) << 8) | (b[2 * g + 1] & 0xff)));
        }
        return sb.toString();
    }

    /** The longest run of zero groups (at least one) replaced by {@code ::}, as RFC 5952 writes it (runs of one included). */
    static String v6Compressed(byte[] b) {
        int bestStart = -1;
        int bestLen = 0;
        for (int g = 0; g < 8; ) {
            if (group(b, g) != 0) {
                g++;
                continue;
            }
            int s = g;
            while (g < 8 && group(b, g) == 0) {
                g++;
            }
            if (g - s > bestLen) {
                bestStart = s;
                bestLen = g - s;
            }
        }
        if (bestStart < 0) {
            return v6Full(b);
        }
        StringBuilder sb = new StringBuilder();
        for (int g = 0; g < bestStart; g++) {
            sb.append(g > 0 ? ":" : "").append(Integer.toHexString(group(b, g)));
        }
        sb.append("::");
        for (int g = bestStart + bestLen; g < 8; g++) {
            sb.append(g > bestStart + bestLen ? ":" : "").append(Integer.toHexString(group(b, g)));
        }
        return sb.toString();
    }

    /** Six groups and a dotted IPv4 tail: {@code 0:0:0:0:0:ffff:192.0.2.1}. */
    static String v6WithV4Tail(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int g = 0; g < 6; g++) {
            sb.append(Integer.toHexString(group(b, g))).append(':');
        }
        return sb.append(v4(b, 12)).toString();
    }

    /** One of the forms above, in upper or lower case. */
    static String v6Any(byte[] b, Random r) {
        String s = switch (r.nextInt(3)) {
            case 0 -> v6Full(b);
            case 1 -> v6Compressed(b);
            default -> v6WithV4Tail(b);
        };
        return r.nextBoolean() ? s.toUpperCase(Locale.ROOT) : s;
    }

    /** Sixteen bytes with many zero groups, so {@code ::} forms are common. */
    static byte[] randomV6(Random r) {
        byte[] b = new byte[16];
        for (int g = 0; g < 8; g++) {
            if (r.nextInt(10) < 6) {
                b[2 * g] = (byte) (r.nextBoolean() ? 0 : r.nextInt(256));
                b[2 * g + 1] = (byte) r.nextInt(256);
            }
        }
        return b;
    }

    private static int group(byte[] b, int g) {
        return ((b[2 * g] & 0xff) << 8) | (b[2 * g + 1] & 0xff);
    }
}
