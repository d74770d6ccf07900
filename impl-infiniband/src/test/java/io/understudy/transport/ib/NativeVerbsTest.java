package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.spi.Availability;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The native probe as far as a machine without RDMA allows: the kill switch, a missing library with the
 * package to install, and (where libibverbs is installed) device enumeration returning none with the right
 * reason. The test tagged {@code rdma-device} needs a device and skips, with the reason, where there is none.
 */
class NativeVerbsTest {

    private static boolean libraryInstalled(String soname) {
        for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu")) {
            if (Files.exists(Path.of(dir, soname))) {
                return true;
            }
        }
        return false;
    }

    private static List<String> sysfsDevices() {
        File[] f = new File("/sys/class/infiniband").listFiles();
        return f == null ? List.of() : java.util.Arrays.stream(f).map(File::getName).sorted().toList();
    }

    private static String reason(Availability a) {
        return ((Availability.Unavailable) a).reason();
    }

    @Test
    void theKillSwitchWinsOverEverything() {
        NativeVerbs.Probe p = NativeVerbs.probe(true, NativeVerbs.VERBS_LIBRARY, NativeVerbs.CM_LIBRARY);
        assertFalse(p.availability().isAvailable());
        assertTrue(reason(p.availability()).contains(NativeVerbs.DISABLE_PROPERTY), reason(p.availability()));
    }

    @Test
    void aMissingLibraryNamesThePackagesToInstallAndDoesNotThrow() {
        NativeVerbs.Probe p = NativeVerbs.probe(false, "libibverbs-understudy-absent.so.1", NativeVerbs.CM_LIBRARY);
        String r = reason(p.availability());
        assertTrue(r.contains("libibverbs-understudy-absent.so.1") && r.contains("apt-get install librdmacm1 libibverbs1 ibverbs-providers"), r);
        p = NativeVerbs.probe(false, NativeVerbs.VERBS_LIBRARY, "librdmacm-understudy-absent.so.1");
        r = reason(p.availability());
        assertTrue(r.contains("install rdma-core"), r);
    }

    @Test
    void aLibraryWithoutTheVerbsIsReportedNotCrashedOn() {
        // libc loads but has none of the verbs: the probe says which symbol is missing.
        NativeVerbs.Probe p = NativeVerbs.probe(false, "libc.so.6", NativeVerbs.CM_LIBRARY);
        assertTrue(reason(p.availability()).contains("has no symbol ibv_get_device_list"), reason(p.availability()));
    }

    @Test
    void theJvmsProbeRunsOnceAndWithoutADeviceSaysSo() {
        NativeVerbs.Probe p = NativeVerbs.probe();
        assertSame(p, NativeVerbs.probe(), "the probe must run once per JVM");
        assertNotNull(p.availability());
        if (!libraryInstalled(NativeVerbs.VERBS_LIBRARY) || !libraryInstalled(NativeVerbs.CM_LIBRARY)) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("CI=true but rdma-core is not installed; .ci/install-test-deps installs it");
            }
            assertTrue(reason(p.availability()).contains("install rdma-core"), reason(p.availability()));
            return;
        }
        if (sysfsDevices().isEmpty()) {
            assertEquals(NativeVerbs.NO_DEVICE, reason(p.availability()));
            assertEquals(List.of(), p.devices());
        } else {
            assertEquals(sysfsDevices(), p.devices().stream().sorted().toList(), "ibv_get_device_list against /sys/class/infiniband");
            assertTrue(reason(p.availability()).contains("not implemented"), reason(p.availability()));
        }
    }

    /** Runs where a device exists (force with -Dunderstudy.ib.requireDevice=true); skips here with the reason. */
    @Test
    @Tag("rdma-device")
    void enumeratesTheDevicesOfThisMachine() {
        List<String> sysfs = sysfsDevices();
        if (sysfs.isEmpty()) {
            if (Boolean.getBoolean("understudy.ib.requireDevice")) {
                throw new AssertionError("understudy.ib.requireDevice=true but /sys/class/infiniband is empty");
            }
            Assumptions.abort("needs an RDMA device: " + NativeVerbs.NO_DEVICE);
        }
        assertEquals(sysfs, NativeVerbs.probe().devices().stream().sorted().toList());
    }
}
