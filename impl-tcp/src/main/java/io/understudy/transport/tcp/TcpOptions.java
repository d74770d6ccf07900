package io.understudy.transport.tcp;

import io.understudy.api.spi.Option;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * The settings of the TCP transport, as typed keys for {@link io.understudy.api.spi.ProviderContext}. Set
 * them in code with {@code ProviderContext.builder().option(TcpOptions.BIND_ADDRESS, addr)} or as text in
 * the deployment configuration under their names ({@code tcp.bindAddress: 127.0.0.11}).
 *
 * <p>What is deliberately not an option: {@code TCP_NODELAY} is always on (frames are requests and
 * replies, and Nagle's delay would be added to each one) and {@code SO_REUSEADDR} is always on for
 * listeners (a node must be able to open {@code pDAF} again right after a giveback, while old connections
 * linger in {@code TIME_WAIT}). There is no read-timeout option: {@link
 * io.understudy.spi.transport.Connection#receive} takes its own timeout on every call, and a frame that
 * was partly received when it expired is resumed by the next call.
 *
 * <p>The data-access port numbers themselves are not options here: they are the SDK-wide mapping in
 * {@link io.understudy.api.spi.ProviderContext#portNumber}.
 *
 * <p>Constants only; immutable and thread-safe.
 *
 * @since 0.1
 */
public final class TcpOptions {

    /** The largest frame allowed by default: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

    /** The largest value {@link #MAX_FRAME_SIZE} may take: the largest Java array, with headroom. */
    public static final int LIMIT_MAX_FRAME_SIZE = Integer.MAX_VALUE - 8;

    /**
     * The local address listeners bind to; default {@code 0.0.0.0} (every IPv4 interface). Nodes that
     * share one host bind different loopback addresses, such as {@code 127.0.0.11} and {@code 127.0.0.12},
     * so both can listen on the same port numbers. Text is an address literal or a host name, resolved
     * once when the transport opens.
     */
    public static final Option<InetAddress> BIND_ADDRESS = new Option<>("tcp.bindAddress", wildcard(),
            TcpOptions::parseAddress, "the local address TCP listeners bind to, such as 0.0.0.0 or 127.0.0.11");

    /**
     * The longest any connect attempt waits, whatever timeout the caller passes; a shorter timeout given
     * to {@link io.understudy.spi.transport.Transport#connect} wins. Default 30 seconds.
     */
    public static final Option<Duration> CONNECT_TIMEOUT = Option.duration("tcp.connectTimeout", Duration.ofSeconds(30),
            "the longest a TCP connect waits; a shorter timeout passed by the caller wins");

    /**
     * The largest frame payload, in bytes, that a connection sends or accepts; default
     * {@value #DEFAULT_MAX_FRAME_SIZE} (16 MiB). A peer whose frame header claims more is disconnected
     * with {@code FRAME_TOO_LARGE} before any buffer is allocated for it; a local send of more fails
     * with {@code FRAME_TOO_LARGE} and sends nothing. Both sides of a connection should agree.
     */
    public static final Option<Integer> MAX_FRAME_SIZE = Option.integer("tcp.maxFrameSize", DEFAULT_MAX_FRAME_SIZE,
            "the largest TCP frame payload in bytes, 0 to " + LIMIT_MAX_FRAME_SIZE);

    private TcpOptions() {
    }

    private static InetAddress parseAddress(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("expected an address such as 0.0.0.0 or 127.0.0.11, got an empty text");
        }
        try {
            return InetAddress.getByName(t);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + t + "' is neither an address literal nor a host name this machine resolves", e);
        }
    }

    private static InetAddress wildcard() {
        try {
            return InetAddress.getByAddress(new byte[4]);
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are a valid IPv4 address", e);
        }
    }
}
