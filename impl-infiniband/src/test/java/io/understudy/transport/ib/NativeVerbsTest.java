package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.spi.Availability;
import java.io.File;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native probe as far as a machine without RDMA allows: the kill switch, a missing library with the
 * package to install, the ABI check accepting this machine's libibverbs and refusing stand-in libraries
 * compiled here (unversioned symbols, another soname), librdmacm failing to create an event channel without
 * {@code /dev/infiniband/rdma_cm}, and device enumeration returning none with the right reason. The test
 * tagged {@code rdma-device} needs a device and skips, with the reason, where there is none.
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
            String r = reason(p.availability());
            assertTrue(r.startsWith(NativeVerbs.NO_DEVICE + "; ibv_get_device_list: "), r);
            assertEquals(List.of(), p.devices());
            assertNull(p.verbs(), "no verbs without a device");
            if (!Files.exists(Path.of("/dev/infiniband/rdma_cm"))) {
                // What librdmacm does here: no /dev/infiniband/rdma_cm, so no event channel, and the probe says so.
                assertTrue(r.contains("rdma_create_event_channel: errno 19 ENODEV (No such device)")
                        && r.contains("/dev/infiniband/rdma_cm does not exist"), r);
            }
            if (!Files.exists(Path.of("/sys/class/infiniband_verbs"))) {
                // No uverbs class at all (no ib_uverbs module): libibverbs answers ENOSYS.
                assertTrue(r.contains("ibv_get_device_list: errno 38 ENOSYS"), r);
            }
        } else {
            assertEquals(sysfsDevices(), p.devices().stream().sorted().toList(), "ibv_get_device_list against /sys/class/infiniband");
            if (p.availability().isAvailable()) {
                assertNotNull(p.verbs());
                assertEquals("native", p.verbs().implementation());
            }
        }
    }

    @Test
    void theInstalledLibraryPassesTheAbiCheckOfItsFileAndSymbolVersions() {
        Assumptions.assumeTrue(libraryInstalled(NativeVerbs.VERBS_LIBRARY), "rdma-core's libibverbs1 is not installed");
        String[] why = new String[1];
        MemorySegment h = Libc.dlopen(NativeVerbs.VERBS_LIBRARY, why).orElseThrow(() -> new AssertionError(why[0]));
        AbiCheck.Result file = NativeVerbs.libraryFileCheck(h);
        String detail = assertInstanceOf(AbiCheck.Compatible.class, file, file.toString()).detail();
        assertTrue(detail.startsWith("libibverbs.so.1."), detail);
        AbiCheck.Result symbols = AbiCheck.symbolVersions(NativeVerbs.VERBS_LIBRARY, NativeVerbs.VERBS_VERSIONS,
                (s, v) -> Libc.dlvsym(h, s, v).isPresent(), s -> Libc.dlsym(h, s).isPresent());
        assertInstanceOf(AbiCheck.Compatible.class, symbols, symbols.toString());
        // The versioned symbol is the default one the headers link against, not the IBVERBS_1.0 compat one.
        assertEquals(Libc.dlsym(h, "ibv_get_device_list").orElseThrow(), Libc.dlvsym(h, "ibv_get_device_list", "IBVERBS_1.1").orElseThrow());
        assertTrue(Libc.dlvsym(h, "ibv_get_device_list", "IBVERBS_9.9").isEmpty());
    }

    /** A library that has every verb's name, but unversioned: an impostor; refused before anything is called. */
    @Test
    void aFakeLibraryWithTheNamesButNotTheSymbolVersionsIsAnAbiMismatch(@TempDir Path dir) throws Exception {
        Path fake = fakeLibrary(dir, IbvLayout.LIBRARY_FILE, false);
        NativeVerbs.Probe p = NativeVerbs.probe(false, fake.toString(), NativeVerbs.CM_LIBRARY);
        String r = reason(p.availability());
        // glibc's dlvsym does not find an unversioned definition at a version (AbiCheck also refuses a loader that would).
        assertTrue(r.startsWith("ABI mismatch: ") && r.contains("has ibv_get_device_list but not at version IBVERBS_1.1"), r);
        assertNull(p.verbs());
    }

    /** The same symbols at the right versions, but in a file that says it is another soname. */
    @Test
    void aLibraryOfAnotherSonameIsAnAbiMismatch(@TempDir Path dir) throws Exception {
        Path fake = fakeLibrary(dir, "libibverbs.so.2.0.99.0", true);
        String r = reason(NativeVerbs.probe(false, fake.toString(), NativeVerbs.CM_LIBRARY).availability());
        assertTrue(r.startsWith("ABI mismatch: ") && r.contains("libibverbs ABI 2"), r);
    }

    /**
     * A library at the right soname and symbol versions passes the check and gets as far as enumeration: its
     * ibv_get_device_list finds nothing (errno ENOSYS), which the probe reports as no device.
     */
    @Test
    void aVersionedLibraryPassesTheCheckAndItsEmptyDeviceListIsNoDevice(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(libraryInstalled(NativeVerbs.CM_LIBRARY), "rdma-core's librdmacm1 is not installed");
        Path fake = fakeLibrary(dir, "libibverbs.so.1.15.99.0", true);
        String r = reason(NativeVerbs.probe(false, fake.toString(), NativeVerbs.CM_LIBRARY).availability());
        assertTrue(r.startsWith(NativeVerbs.NO_DEVICE + "; ibv_get_device_list: errno 38 ENOSYS"), r);
    }

    /** librdmacm without a device: rdma_create_event_channel fails, and the reason names errno and the node. */
    @Test
    void withoutADeviceTheCmEventChannelCannotBeCreated() {
        Assumptions.assumeTrue(libraryInstalled(NativeVerbs.VERBS_LIBRARY) && libraryInstalled(NativeVerbs.CM_LIBRARY),
                "rdma-core's libraries are not installed");
        Assumptions.assumeFalse(Files.exists(Path.of("/dev/infiniband/rdma_cm")), "this machine has /dev/infiniband/rdma_cm");
        String[] why = new String[1];
        NativeVerbs.Lib lib = new NativeVerbs.Lib(Libc.dlopen(NativeVerbs.VERBS_LIBRARY, why).orElseThrow(),
                Libc.dlopen(NativeVerbs.CM_LIBRARY, why).orElseThrow(), IbvLayout.LIBRARY_ABI_MINOR);
        String e = lib.cmChannelError();
        assertNotNull(e, "rdma_create_event_channel succeeded without /dev/infiniband/rdma_cm");
        assertTrue(e.startsWith("errno 19 ENODEV") && e.contains("/dev/infiniband/rdma_cm does not exist"), e);
        List<MemorySegment> devices = new java.util.ArrayList<>();
        int[] errno = new int[1];
        assertEquals(List.of(), lib.devices(devices, errno));
        lib.freeDeviceList();
        assertTrue(devices.isEmpty());
    }

    @Test
    void providerOnNativeVerbsWithoutADeviceIsUnavailableWithTheProbesReason() {
        NativeVerbs.Probe p = NativeVerbs.probe();
        Assumptions.assumeFalse(p.availability().isAvailable(), "this machine has usable native verbs");
        IbTransportProvider provider = new IbTransportProvider(IbOptions.Software.FALSE, p::availability, p::verbs);
        assertFalse(provider.availability().isAvailable());
        assertTrue(reason(provider.availability()).contains(reason(p.availability())), reason(provider.availability()));
        assertEquals("none", provider.implementation());
    }

    /**
     * Compiles a stand-in libibverbs exporting every entry point the probe binds; {@code versioned} gives them
     * the IBVERBS_1.0 / IBVERBS_1.1 versions of rdma-core. Its ibv_get_device_list returns NULL with ENOSYS.
     */
    static Path fakeLibrary(Path dir, String fileName, boolean versioned) throws Exception {
        Path gcc = LayoutTest.which("gcc");
        Assumptions.assumeTrue(gcc != null, "gcc is not installed; it builds the stand-in library");
        StringBuilder c = new StringBuilder("#include <errno.h>\n#include <stddef.h>\n");
        for (String s : NativeVerbs.VERBS_SYMBOLS) {
            if (s.equals("ibv_get_device_list")) {
                c.append("void *ibv_get_device_list(int *n) { if (n) *n = 0; errno = ENOSYS; return NULL; }\n");
            } else {
                c.append("void *").append(s).append("(void) { errno = ENOSYS; return NULL; }\n");
            }
        }
        Path src = dir.resolve("fake.c");
        Files.writeString(src, c);
        Path out = dir.resolve(fileName);
        List<String> cmd = new java.util.ArrayList<>(List.of(gcc.toString(), "-shared", "-fPIC", "-o", out.toString(), src.toString()));
        if (versioned) {
            StringBuilder map = new StringBuilder();
            for (String v : List.of(IbvLayout.VERBS_SYMBOL_VERSION_1_0, IbvLayout.VERBS_SYMBOL_VERSION)) {
                map.append(v).append(" { global: ");
                NativeVerbs.VERBS_VERSIONS.forEach((s, ver) -> {
                    if (ver.equals(v)) {
                        map.append(s).append("; ");
                    }
                });
                map.append(v.equals(IbvLayout.VERBS_SYMBOL_VERSION_1_0) ? "local: *; };\n" : "};\n");
            }
            Path script = dir.resolve("fake.map");
            Files.writeString(script, map);
            cmd.add("-Wl,--version-script=" + script);
        }
        LayoutTest.run(cmd.toArray(String[]::new));
        return out;
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
