package io.understudy.naming.hosts;

/**
 * A strict parser of IP address literals that never consults a name service.
 *
 * <p>Why not {@code InetAddress.getByName}: given anything that is not a literal it does a DNS lookup, which
 * is exactly what a hosts file must never trigger. {@code InetAddress.ofLiteral} would do, but it arrived in
 * JDK 22 and this module compiles for 21. Guava's {@code InetAddresses} would add a dependency to the embedded
 * default. So: IPv4 as four decimal parts 0-255 without leading zeros (as glibc's {@code inet_pton} reads
 * hosts files, so {@code 010.0.0.1} is rejected instead of being read as octal or decimal by guess), IPv6 in
 * the RFC 4291 text forms including {@code ::} and a trailing dotted IPv4 part. Zone ids ({@code %eth0}) are
 * rejected: they are host-local, and resolving an interface name is not a literal parse.
 */
final class InetLiteral {

    private InetLiteral() {
    }

    /**
     * The outcome of a parse: the address bytes (4 or 16), or why the text is not a literal.
     *
     * @param bytes   the address in network order, or null
     * @param problem why not, or null
     */
    record Parsed(byte[] bytes, String problem) {
        static Parsed ok(byte[] bytes) {
            return new Parsed(bytes, null);
        }

        static Parsed bad(String problem) {
            return new Parsed(null, problem);
        }

        boolean isOk() {
            return bytes != null;
        }
    }

    /**
     * Parses an IPv4 or IPv6 literal.
     *
     * @param text the token, not null
     * @return the bytes, or why not
     */
    static Parsed parse(String text) {
        if (text.isEmpty()) {
            return Parsed.bad("it is empty");
        }
        if (text.indexOf(':') >= 0) {
            return parseV6(text);
        }
        if (text.indexOf('.') >= 0) {
            byte[] out = new byte[4];
            String problem = parseV4(text, out, 0);
            return problem == null ? Parsed.ok(out) : Parsed.bad(problem);
        }
        return Parsed.bad("it is neither an IPv4 address (four decimal parts such as 192.0.2.1) nor an IPv6 address (such as 2001:db8::1)");
    }

    /** Parses dotted-quad text into {@code out[at..at+3]}; returns null or the problem. */
    private static String parseV4(String text, byte[] out, int at) {
        int part = 0;
        int start = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i < text.length() && text.charAt(i) != '.') {
                continue;
            }
            if (part == 4) {
                return "an IPv4 address has four parts, this has more";
            }
            String p = text.substring(start, i);
            if (p.isEmpty()) {
                return "IPv4 part " + (part + 1) + " is empty";
            }
            int v = 0;
            for (int k = 0; k < p.length(); k++) {
                char c = p.charAt(k);
                if (c < '0' || c > '9') {
                    return "IPv4 part " + (part + 1) + " contains " + Printable.describe(c) + ", expected decimal digits";
                }
                v = v * 10 + (c - '0'); // may overflow for long parts, which the length check below rejects first
            }
            if (p.length() > 3) {
                return "IPv4 part " + (part + 1) + " has more than three digits";
            }
            if (p.length() > 1 && p.charAt(0) == '0') {
                return "IPv4 part " + (part + 1) + " (" + p + ") has a leading zero, which some systems read as octal";
            }
            if (v > 255) {
                return "IPv4 part " + (part + 1) + " (" + v + ") is greater than 255";
            }
            out[at + part] = (byte) v;
            part++;
            start = i + 1;
        }
        return part == 4 ? null : "an IPv4 address has four parts, this has " + part;
    }

    private static Parsed parseV6(String text) {
        if (text.indexOf('%') >= 0) {
            return Parsed.bad("IPv6 zone ids ('%' and an interface) are not supported in a hosts file; write the address without the zone");
        }
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return Parsed.bad("'::' may appear only once in an IPv6 address");
        }
        if (gap < 0) {
            Groups all = new Groups(text, true);
            if (all.problem != null) {
                return Parsed.bad(all.problem);
            }
            if (all.length != 16) {
                return Parsed.bad("an IPv6 address without '::' has eight groups, this has " + all.length / 2);
            }
            return Parsed.ok(all.bytes);
        }
        String before = text.substring(0, gap);
        String after = text.substring(gap + 2);
        Groups head = before.isEmpty() ? new Groups("", false) : new Groups(before, false);
        if (head.problem != null) {
            return Parsed.bad(head.problem);
        }
        Groups tail = after.isEmpty() ? new Groups("", false) : new Groups(after, true);
        if (tail.problem != null) {
            return Parsed.bad(tail.problem);
        }
        if (head.length + tail.length > 14) {
            return Parsed.bad("an IPv6 address with '::' has at most seven groups, this has " + (head.length + tail.length) / 2);
        }
        byte[] out = new byte[16];
        System.arraycopy(head.bytes, 0, out, 0, head.length);
        System.arraycopy(tail.bytes, 0, out, 16 - tail.length, tail.length);
        return Parsed.ok(out);
    }

    /** Colon-separated hex groups, optionally ending with a dotted IPv4 part: the bytes, or the problem. */
    private static final class Groups {
        final byte[] bytes = new byte[16];
        int length;
        String problem;

        Groups(String text, boolean ipv4Allowed) {
            if (!text.isEmpty()) {
                problem = parse(text, ipv4Allowed);
            }
        }

        private String parse(String text, boolean ipv4Allowed) {
            int start = 0;
            for (int i = 0; i <= text.length(); i++) {
                if (i < text.length() && text.charAt(i) != ':') {
                    continue;
                }
                String g = text.substring(start, i);
                if (g.isEmpty()) {
                    return "an IPv6 address has an empty group (a lone ':' at offset " + start + " of '" + Printable.of(text) + "')";
                }
                if (i == text.length() && ipv4Allowed && g.indexOf('.') >= 0) {
                    if (length + 4 > 16) {
                        return "an IPv6 address has too many groups before its IPv4 part";
                    }
                    String p = parseV4(g, bytes, length);
                    if (p != null) {
                        return "its trailing IPv4 part is invalid: " + p;
                    }
                    length += 4;
                    return null;
                }
                if (g.length() > 4) {
                    return "IPv6 group '" + Printable.of(g) + "' has more than four hex digits";
                }
                int v = 0;
                for (int k = 0; k < g.length(); k++) {
                    int d = hex(g.charAt(k));
                    if (d < 0) {
                        return "IPv6 group '" + Printable.of(g) + "' contains " + Printable.describe(g.charAt(k)) + ", expected hex digits";
                    }
                    v = v * 16 + d;
                }
                if (length + 2 > 16) {
                    return "an IPv6 address has eight groups, this has more";
                }
                bytes[length++] = (byte) (v >>> 8);
                bytes[length++] = (byte) v;
                start = i + 1;
            }
            return null;
        }

        private static int hex(char c) {
            if (c >= '0' && c <= '9') {
                return c - '0';
            }
            if (c >= 'a' && c <= 'f') {
                return c - 'a' + 10;
            }
            if (c >= 'A' && c <= 'F') {
                return c - 'A' + 10;
            }
            return -1;
        }
    }
}
