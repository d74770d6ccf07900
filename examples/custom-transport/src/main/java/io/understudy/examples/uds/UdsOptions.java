package io.understudy.examples.uds;

import io.understudy.api.spi.Option;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * The settings of the Unix-domain-socket transport, as typed keys for
 * {@link io.understudy.api.spi.ProviderContext}. A plugin declares its own keys like this so the SDK's
 * interfaces stay small; users set them in code or as text in the deployment configuration.
 *
 * <p>Where a socket lives: {@code <uds.directory>/<address>-<port name>.sock}, for example
 * {@code /tmp/understudy-uds/127.0.0.11-pDAF.sock}. A transport listens under its own {@link #ADDRESS}
 * and connects under the address of the {@link io.understudy.api.InetEndpoint} it is given, so the
 * name service and failover naming work exactly as they do for TCP, on one host.
 *
 * <p>Constants only; immutable and thread-safe.
 *
 * @since 0.1
 */
public final class UdsOptions {

    /**
     * The directory holding the socket files; default {@code understudy-uds} in {@code java.io.tmpdir}.
     * Every node of a deployment must use the same directory. Keep it short: a socket path is limited to
     * about 100 bytes.
     */
    public static final Option<Path> DIRECTORY = new Option<>("uds.directory",
            Path.of(System.getProperty("java.io.tmpdir"), "understudy-uds"), s -> Path.of(s.trim()),
            "the directory that holds the Unix domain socket files");

    /**
     * The address this node answers as, the one clients have in their {@code InetEndpoint}; default
     * {@code 127.0.0.1}. Two nodes on one host use two addresses, such as {@code 127.0.0.11} and
     * {@code 127.0.0.12}.
     */
    public static final Option<InetAddress> ADDRESS = new Option<>("uds.address", InetAddress.getLoopbackAddress(),
            UdsOptions::parseAddress, "the address this node answers as, such as 127.0.0.11");

    /** The largest frame payload in bytes, sent or accepted; default 16 MiB. */
    public static final Option<Integer> MAX_FRAME_SIZE = Option.integer("uds.maxFrameSize", 16 * 1024 * 1024,
            "the largest frame payload in bytes");

    private UdsOptions() {
    }

    private static InetAddress parseAddress(String text) {
        try {
            return InetAddress.getByName(text.trim());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an address", e);
        }
    }
}
