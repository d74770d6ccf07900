package io.understudy.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * An IPv4 or IPv6 address, optionally with a port number. The port is given when the name service
 * publishes it (a DNS SRV record); otherwise it is {@link #NO_PORT} and the transport maps the
 * data-access port name to its own number.
 *
 * @param address the address, not null
 * @param port    1 to 65535, or {@link #NO_PORT}
 * @since 0.1
 */
public record InetEndpoint(InetAddress address, int port) implements Endpoint {

    /** The port value meaning "not published; use the transport's mapping". */
    public static final int NO_PORT = 0;

    /** Validates the endpoint. */
    public InetEndpoint {
        if (address == null) {
            throw new UnderstudyException(ErrorCode.INVALID_ENDPOINT, "inet endpoint needs an address, got null");
        }
        if (port < 0 || port > 65535) {
            throw new UnderstudyException(ErrorCode.INVALID_ENDPOINT,
                    "inet endpoint port " + port + " for " + address.getHostAddress() + " is out of range; expected 1-65535, or 0 for none");
        }
    }

    /**
     * {@return an endpoint with no published port}
     *
     * @param address the address
     */
    public static InetEndpoint of(InetAddress address) {
        return new InetEndpoint(address, NO_PORT);
    }

    /** {@return whether the name service published a port number} */
    public boolean hasPort() {
        return port != NO_PORT;
    }

    /**
     * {@return the socket address, using this endpoint's port if it has one, else {@code mappedPort}}
     *
     * @param mappedPort the transport's port number for the data-access port
     */
    public InetSocketAddress socketAddress(int mappedPort) {
        return new InetSocketAddress(address, hasPort() ? port : mappedPort);
    }

    @Override
    public String describe() {
        String h = address instanceof java.net.Inet6Address ? "[" + compact(address.getAddress()) + "]" : address.getHostAddress();
        return hasPort() ? h + ":" + port : h;
    }

    @Override
    public String toString() {
        return describe();
    }

    /** RFC 5952 text for an IPv6 address: lower case, the longest run of two or more zero groups as "::". */
    private static String compact(byte[] a) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InetEndpoint e && e.port == port && Objects.equals(e.address, address);
    }

    @Override
    public int hashCode() {
        return address.hashCode() * 31 + port;
    }
}
