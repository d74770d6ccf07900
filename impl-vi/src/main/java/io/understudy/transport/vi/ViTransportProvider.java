package io.understudy.transport.vi;

import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ViEndpoint;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The VI transport: id {@code vi}, priority {@value #PRIORITY} (below TCP, so it is used when selected
 * by {@code transport.provider: vi}), available wherever the JDK runs, reaches {@link ViEndpoint}s and
 * {@link InetEndpoint}s.
 *
 * <p>Data-access ports are VI discriminators: {@code pDAF} is waited on only while the node serves its
 * partner, so a client's connect to it is refused until then. A {@link ViEndpoint} names a NIC address
 * directly; an {@link InetEndpoint} names the NIC whose address is its IP address in text
 * ({@code 127.0.0.11}), so the hosts-file naming of the demo works unchanged; its port, if any, is
 * ignored. The fabric is shared memory under {@link ViOptions#DIRECTORY}, reaching every process on this
 * host; an {@code InetEndpoint} that carries a port is reached over the wire fabric (TCP) at the wire
 * agent that a transport with {@link ViOptions#WIRE_PORT} runs, on any host. Frames travel in fragments of the maximum transfer
 * size, with credit-based flow control over posted receive descriptors, so nothing is ever dropped.
 *
 * <p>Thread-safe; the constructor does nothing.
 *
 * @since 0.1
 */
public final class ViTransportProvider extends TransportProvider {

    /** The id, {@value}. */
    public static final String ID = "vi";
    /** The priority, {@value}. */
    public static final int PRIORITY = 3;

    /** Creates the provider; does no I/O. */
    public ViTransportProvider() {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    /** {@return available: the emulation needs only the JDK and a writable directory} */
    @Override
    public Availability availability() {
        return Availability.available();
    }

    /** {@return {@code ViEndpoint} and {@code InetEndpoint}} */
    @Override
    public Set<Class<? extends Endpoint>> endpointTypes() {
        return Set.of(ViEndpoint.class, InetEndpoint.class);
    }

    /**
     * Opens a VI transport. Opening claims no NIC: the first {@link Transport#listen} opens the NIC at
     * {@link ViOptions#BIND_ADDRESS}.
     *
     * @param context the SDK's context
     * @return a new transport
     * @throws UnderstudyException {@code INVALID_CONFIGURATION} if an option is invalid
     */
    @Override
    public Transport open(ProviderContext context) {
        Objects.requireNonNull(context, "context");
        int maxFrame = context.option(ViOptions.MAX_FRAME_SIZE);
        check(maxFrame >= 0 && maxFrame <= ViOptions.LIMIT_MAX_FRAME_SIZE, ViOptions.MAX_FRAME_SIZE.name(), maxFrame,
                "0 to " + ViOptions.LIMIT_MAX_FRAME_SIZE);
        int mtu = context.option(ViOptions.MAX_TRANSFER_SIZE);
        check(mtu >= 64 && mtu <= ViAttributes.LIMIT_MAX_TRANSFER_SIZE, ViOptions.MAX_TRANSFER_SIZE.name(), mtu,
                "64 to " + ViAttributes.LIMIT_MAX_TRANSFER_SIZE);
        int depth = context.option(ViOptions.RECEIVE_DEPTH);
        check(depth >= 2 && depth <= 1024, ViOptions.RECEIVE_DEPTH.name(), depth, "2 to 1024");
        Duration park = context.option(ViOptions.MAX_PARK);
        check(!park.isNegative() && park.compareTo(Duration.ofSeconds(1)) <= 0, ViOptions.MAX_PARK.name(), park, "0 to 1s");
        Duration cap = context.option(ViOptions.CONNECT_TIMEOUT);
        check(!cap.isNegative() && !cap.isZero(), ViOptions.CONNECT_TIMEOUT.name(), cap, "a positive duration such as 30s");
        String bind = context.option(ViOptions.BIND_ADDRESS).trim();
        check(!bind.isEmpty() && bind.length() <= 64 && bind.chars().allMatch(c -> c > 0x20 && c < 0x7f),
                ViOptions.BIND_ADDRESS.name(), bind, "1-64 printable characters without spaces");
        int wirePort = context.option(ViOptions.WIRE_PORT);
        check(wirePort >= 0 && wirePort <= 65535, ViOptions.WIRE_PORT.name(), wirePort, "0 (none) or a TCP port, 1-65535");
        InetSocketAddress wire = null;
        if (wirePort > 0) {
            String host = context.option(ViOptions.WIRE_ADDRESS).trim();
            wire = new InetSocketAddress(host, wirePort);
            check(!wire.isUnresolved(), ViOptions.WIRE_ADDRESS.name(), host, "an address this host has");
        }
        String dir = context.option(ViOptions.DIRECTORY);
        ViFabric fabric;
        try {
            fabric = ViFabric.sharedMemory(Path.of(dir), Math.max(park.toNanos(), Idle.MIN_PARK_NANOS));
        } catch (RuntimeException e) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + ViOptions.DIRECTORY.name() + " is '" + dir
                    + "': " + e.getMessage() + "; expected a writable directory", e);
        }
        return new ViTransport(fabric, bind, maxFrame, mtu, depth, cap, wire);
    }

    private static void check(boolean ok, String name, Object value, String expected) {
        if (!ok) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + name + " is " + value + "; expected " + expected);
        }
    }
}
