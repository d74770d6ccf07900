package io.understudy.transport.vi;

import io.understudy.api.spi.Option;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The settings of the VI transport, as typed keys for {@link io.understudy.api.spi.ProviderContext}; in
 * the deployment configuration they are text under their names ({@code vi.bindAddress: 127.0.0.11}).
 *
 * <p>Data-access ports need no numbers here: a port's name is the VI discriminator ({@code DAFS},
 * {@code pDAF}, {@code vol7}). Constants only.
 *
 * @since 0.1
 */
public final class ViOptions {

    /** The largest frame allowed by default: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;
    /** The largest value {@link #MAX_FRAME_SIZE} may take: 2^30 - 1 bytes (the fragment header's field). */
    public static final int LIMIT_MAX_FRAME_SIZE = (1 << 30) - 1;

    /**
     * The address of the emulated NIC that this transport's listeners open; default {@code 127.0.0.1}.
     * Any printable name works ({@code host/nic0}); a node that a hosts file names by IP address uses
     * that address as its NIC address (the deployment sets {@code vi.bindAddress} to the node's address),
     * because an {@link io.understudy.api.InetEndpoint} is reached at the NIC named by its address.
     * Connections made before this transport listens come from an anonymous NIC.
     */
    public static final Option<String> BIND_ADDRESS = Option.string("vi.bindAddress", "127.0.0.1",
            "the address of the emulated VI NIC listeners open, such as 127.0.0.11 or host/nic0");

    /**
     * The directory of the shared-memory fabric; every process using the same directory can reach every
     * other. Default {@code /dev/shm/understudy-vi} where {@code /dev/shm} exists, else
     * {@code java.io.tmpdir/understudy-vi}.
     */
    public static final Option<String> DIRECTORY = Option.string("vi.directory", defaultDirectory().toString(),
            "the directory of the VI shared-memory fabric");

    /** The largest frame; default {@value #DEFAULT_MAX_FRAME_SIZE}. Frames travel in fragments. */
    public static final Option<Integer> MAX_FRAME_SIZE = Option.integer("vi.maxFrameSize", DEFAULT_MAX_FRAME_SIZE,
            "the largest VI frame payload in bytes, 0 to " + LIMIT_MAX_FRAME_SIZE);

    /** The VIs' maximum transfer size (a fragment); default 16 KiB, at most 1 MiB. */
    public static final Option<Integer> MAX_TRANSFER_SIZE = Option.integer("vi.maxTransferSize", 16 * 1024,
            "the VI maximum transfer size in bytes, 64 to " + ViAttributes.LIMIT_MAX_TRANSFER_SIZE);

    /** Receive descriptors each connection keeps posted: the sender's credits; default 16. */
    public static final Option<Integer> RECEIVE_DEPTH = Option.integer("vi.receiveDepth", 16,
            "receive descriptors posted per connection (the flow-control credits), 2 to 1024");

    /**
     * The longest a waiting thread parks between polls of shared memory; default 1 ms. Waiters spin
     * briefly, then yield, then park for doubling times up to this; it bounds the wake-up latency of an
     * idle connection and the CPU an idle one costs.
     */
    public static final Option<Duration> MAX_PARK = Option.duration("vi.maxPark", Duration.ofMillis(1),
            "the longest a VI waiter parks between polls, such as 1ms");

    /** The longest a connect waits, whatever the caller passes; default 30 seconds. */
    public static final Option<Duration> CONNECT_TIMEOUT = Option.duration("vi.connectTimeout", Duration.ofSeconds(30),
            "the longest a VI connect waits; a shorter timeout passed by the caller wins");

    /**
     * The TCP port of this transport's wire agent, through which VIs on other hosts connect; default 0:
     * no agent, so only this host reaches the NIC. With a port, the first listen also starts the agent
     * on {@link #WIRE_ADDRESS}; clients elsewhere connect to an {@link io.understudy.api.InetEndpoint}
     * that carries this port.
     */
    public static final Option<Integer> WIRE_PORT = Option.integer("vi.wirePort", 0,
            "the TCP port of the VI wire agent for peers on other hosts, 0 for none");

    /** The local address the wire agent binds; default {@code 0.0.0.0}. */
    public static final Option<String> WIRE_ADDRESS = Option.string("vi.wireAddress", "0.0.0.0",
            "the local address the VI wire agent binds, such as 0.0.0.0 or 10.0.0.5");

    private ViOptions() {
    }

    static Path defaultDirectory() {
        Path shm = Path.of("/dev/shm");
        return (Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")))
                .resolve("understudy-vi");
    }
}
