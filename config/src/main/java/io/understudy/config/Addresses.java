package io.understudy.config;

import io.understudy.api.InetEndpoint;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Parses literal IP addresses without ever asking a name service: the configuration names the addresses
 * nodes listen on, and a host name there would make startup depend on DNS, the very thing failover must not
 * need. IPv4 is parsed here; IPv6 is checked for its alphabet and handed to the JDK in brackets, which it
 * then parses as a literal and never looks up.
 */
final class Addresses {

    private Addresses() {
    }

    /** {@return the address, or null if {@code text} is not a literal IPv4 or IPv6 address} */
    static InetAddress literal(String text) {
        if (text == null || text.isEmpty() || text.length() > 64) {
            return null;
        }
        String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (t.indexOf(':') < 0) {
            if (t.length() != text.length()) {
                return null; // brackets around IPv4
            }
            byte[] v4 = ipv4(t);
            if (v4 == null) {
                return null;
            }
            try {
                return InetAddress.getByAddress(v4);
            } catch (UnknownHostException e) {
                return null; // cannot happen for 4 bytes
            }
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) {
                return null;
            }
        }
        try {
            // In brackets the JDK treats the text as an IPv6 literal and fails rather than resolving it.
            return InetAddress.getByName("[" + t + "]");
        } catch (UnknownHostException | RuntimeException e) {
            return null;
        }
    }

    private static byte[] ipv4(String t) {
        String[] parts = t.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
                return null; // leading zeros read as octal in some tools; refuse the ambiguity
            }
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                char c = p.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255) {
                return null;
            }
            b[i] = (byte) v;
        }
        return b;
    }

    /**
     * Parses {@code host:port} with a literal IP host; IPv6 in brackets ({@code [::1]:7100}).
     *
     * @return the endpoint
     * @throws IllegalArgumentException with the reason, if the text is not that form
     */
    static InetEndpoint hostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + text + "' has no port");
        }
        String host = text.substring(0, colon);
        String port = text.substring(colon + 1);
        if (host.indexOf(':') >= 0 && !(host.startsWith("[") && host.endsWith("]"))) {
            throw new IllegalArgumentException("'" + text + "' has an IPv6 address outside brackets; write it as [::1]:7100");
        }
        InetAddress address = literal(host);
        if (address == null) {
            throw new IllegalArgumentException("'" + host + "' is not a literal IP address");
        }
        int n = -1;
        if (!port.isEmpty() && port.length() <= 5 && port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            n = Integer.parseInt(port);
        }
        if (n < 1 || n > 65535) {
            throw new IllegalArgumentException("'" + port + "' is not a port number 1-65535");
        }
        return new InetEndpoint(address, n);
    }

    /** {@return the address as configuration writes it: {@code 127.0.0.11}, or IPv6 without brackets} */
    static String show(InetAddress address) {
        return address.getHostAddress();
    }
}
