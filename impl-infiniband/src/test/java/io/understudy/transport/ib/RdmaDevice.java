package io.understudy.transport.ib;

import java.io.File;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * What the tests tagged {@code rdma-device} need: a usable native probe and the IP address of an RDMA device's
 * interface ({@code -Dunderstudy.ib.address=...}, else the first IPv4 address of a net device under
 * {@code /sys/class/infiniband/<dev>/device/net}). Where there is none they skip with the reason;
 * {@code -Dunderstudy.ib.requireDevice=true} makes them fail instead.
 */
final class RdmaDevice {

    /** The property that turns a missing device into a failure. */
    static final String REQUIRE = "understudy.ib.requireDevice";

    private RdmaDevice() {
    }

    static boolean required() {
        return Boolean.getBoolean(REQUIRE);
    }

    /** Skips (or fails) unless the native verbs are available; {@return the probe} */
    static NativeVerbs.Probe probeOrSkip() {
        NativeVerbs.Probe p = NativeVerbs.probe();
        if (!p.availability().isAvailable()) {
            String why = "needs an RDMA device and the native verbs: " + p.availability();
            if (required()) {
                throw new AssertionError(REQUIRE + "=true but " + why);
            }
            Assumptions.abort(why);
        }
        return p;
    }

    /** {@return the IP address to bind and connect to, on an RDMA device's interface} Skips (or fails) if none. */
    static String addressOrSkip() {
        String given = System.getProperty("understudy.ib.address");
        if (given != null && !given.isBlank()) {
            return given.trim();
        }
        File[] devices = new File("/sys/class/infiniband").listFiles();
        for (File dev : devices == null ? new File[0] : devices) {
            String[] nets = new File(dev, "device/net").list();
            for (String net : nets == null ? new String[0] : nets) {
                try {
                    NetworkInterface ni = NetworkInterface.getByName(net);
                    if (ni == null || !ni.isUp()) {
                        continue;
                    }
                    List<InetAddress> all = Collections.list(ni.getInetAddresses());
                    for (InetAddress a : all) {
                        if (a instanceof Inet4Address) {
                            return a.getHostAddress();
                        }
                    }
                } catch (java.net.SocketException e) {
                    // try the next one
                }
            }
        }
        String why = "no IPv4 address on an RDMA device's interface (devices: " + (devices == null ? "none"
                : Arrays.toString(Arrays.stream(devices).map(File::getName).toArray())) + "); set -Dunderstudy.ib.address";
        if (required()) {
            throw new AssertionError(REQUIRE + "=true but " + why);
        }
        Assumptions.abort(why);
        return null;
    }
}
