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
        String host = address.getHostAddress();
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return hasPort() ? h + ":" + port : h;
    }

    @Override
    public String toString() {
        return describe();
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
