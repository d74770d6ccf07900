package io.understudy.transport.ib;

import io.understudy.api.spi.Availability;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The native verbs: libibverbs and librdmacm (Debian {@code rdma-core}: {@code libibverbs1}, {@code librdmacm1},
 * {@code ibverbs-providers}) through {@link java.lang.foreign}. Probed once, lazily, and never throwing, after
 * Netty's native transports: a missing library, a JVM without native access, no RDMA device, or the kill
 * switch {@value #DISABLE_PROPERTY} each become an {@link Availability} with the reason and what to do.
 *
 * <p><b>How far this goes today.</b> The probe loads both libraries, binds the connection-manager and verbs
 * entry points the data path needs (so a library without them is reported, not discovered mid-connection)
 * and enumerates devices with {@code ibv_get_device_list}. The data path itself (protection domain, memory
 * registration, queue pairs, CM events) is not implemented: it could not be run on the machine this was
 * written on, which has no RDMA device and no soft-RoCE. So where devices exist the probe still reports
 * unavailable, naming them and saying so, rather than claiming a transport it cannot deliver. Note for that
 * work: {@code ibv_post_send}, {@code ibv_post_recv} and {@code ibv_poll_cq} are static inline functions in
 * {@code <infiniband/verbs.h>} that call through {@code context->ops}; there is no symbol to bind, and they
 * must be reached through the function pointers at the offsets in {@link IbvLayout} (checked against the
 * installed headers by a test).
 */
final class NativeVerbs {

    /** System property that switches the native verbs off (a kill switch). */
    static final String DISABLE_PROPERTY = "understudy.ib.native.disable";
    /** The verbs library's soname. */
    static final String VERBS_LIBRARY = "libibverbs.so.1";
    /** The connection manager's soname. */
    static final String CM_LIBRARY = "librdmacm.so.1";
    /** What to install, for messages. */
    static final String INSTALL_HINT = "install rdma-core: apt-get install librdmacm1 libibverbs1 ibverbs-providers";
    /** The reason given when the libraries load but find no device. */
    static final String NO_DEVICE = "no RDMA device (ls /sys/class/infiniband is empty)";

    /** Entry points that must exist; the data path needs every one. */
    static final List<String> VERBS_SYMBOLS = List.of("ibv_get_device_list", "ibv_free_device_list", "ibv_get_device_name",
            "ibv_open_device", "ibv_close_device", "ibv_alloc_pd", "ibv_dealloc_pd", "ibv_reg_mr", "ibv_dereg_mr",
            "ibv_create_cq", "ibv_destroy_cq", "ibv_create_comp_channel", "ibv_get_cq_event", "ibv_ack_cq_events");
    static final List<String> CM_SYMBOLS = List.of("rdma_create_event_channel", "rdma_create_id", "rdma_bind_addr",
            "rdma_listen", "rdma_resolve_addr", "rdma_resolve_route", "rdma_create_qp", "rdma_connect", "rdma_accept",
            "rdma_reject", "rdma_disconnect", "rdma_get_cm_event", "rdma_ack_cm_event", "rdma_destroy_id");

    /** The outcome of a probe: availability and the devices found (empty when none or not probed). */
    record Probe(Availability availability, List<String> devices) {
    }

    private static final class Holder {
        static final Probe PROBE = probe(Boolean.getBoolean(DISABLE_PROPERTY), VERBS_LIBRARY, CM_LIBRARY);
    }

    private NativeVerbs() {
    }

    /** {@return this JVM's one probe, made on first use; never throws} */
    static Probe probe() {
        return Holder.PROBE;
    }

    /** The probe itself, for the JVM's one probe and for tests of other library names; never throws. */
    static Probe probe(boolean disabled, String verbsLibrary, String cmLibrary) {
        if (disabled) {
            return new Probe(Availability.unavailable("native verbs switched off by -D" + DISABLE_PROPERTY + "=true"), List.of());
        }
        try {
            SymbolLookup verbs = load(verbsLibrary);
            if (verbs == null) {
                return new Probe(Availability.unavailable("cannot load " + verbsLibrary + ": " + INSTALL_HINT), List.of());
            }
            SymbolLookup cm = load(cmLibrary);
            if (cm == null) {
                return new Probe(Availability.unavailable("cannot load " + cmLibrary + ": " + INSTALL_HINT), List.of());
            }
            for (String s : VERBS_SYMBOLS) {
                if (verbs.find(s).isEmpty()) {
                    return new Probe(Availability.unavailable(verbsLibrary + " has no symbol " + s + "; it is older than rdma-core"
                            + " 17 or not libibverbs: " + INSTALL_HINT), List.of());
                }
            }
            for (String s : CM_SYMBOLS) {
                if (cm.find(s).isEmpty()) {
                    return new Probe(Availability.unavailable(cmLibrary + " has no symbol " + s + ": " + INSTALL_HINT), List.of());
                }
            }
            List<String> devices = devices(verbs);
            if (devices.isEmpty()) {
                return new Probe(Availability.unavailable(NO_DEVICE), devices);
            }
            return new Probe(Availability.unavailable("RDMA devices " + devices + " found, but this build's native verbs stop at"
                    + " loading and device enumeration (the data path is not implemented); set ib.software=true to run the"
                    + " software verbs meanwhile"), devices);
        } catch (IllegalCallerException e) {
            return new Probe(Availability.unavailable("the JVM refuses native access to this module: run with"
                    + " --enable-native-access=io.understudy.transport.ib (or ALL-UNNAMED on the class path)", e), List.of());
        } catch (Throwable e) {
            return new Probe(Availability.unavailable("probing the native verbs failed: " + e + "; " + INSTALL_HINT, e), List.of());
        }
    }

    private static SymbolLookup load(String name) {
        try {
            return SymbolLookup.libraryLookup(name, Arena.global());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code ibv_get_device_list}, names by {@code ibv_get_device_name}, then {@code ibv_free_device_list}. */
    private static List<String> devices(SymbolLookup verbs) throws Throwable {
        Linker linker = Linker.nativeLinker();
        StructLayout callState = Linker.Option.captureStateLayout();
        VarHandle errnoHandle = callState.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        MethodHandle getList = linker.downcallHandle(verbs.find("ibv_get_device_list").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS), Linker.Option.captureCallState("errno"));
        MethodHandle getName = linker.downcallHandle(verbs.find("ibv_get_device_name").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        MethodHandle freeList = linker.downcallHandle(verbs.find("ibv_free_device_list").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(callState);
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment list = (MemorySegment) getList.invokeExact(state, count);
            if (list.equals(MemorySegment.NULL)) {
                // ENOSYS: the kernel has no RDMA subsystem at all; that too is "no device".
                int errno = (int) errnoHandle.get(state, 0L);
                if (errno != 0) {
                    System.getLogger(NativeVerbs.class.getName()).log(System.Logger.Level.DEBUG,
                            "ibv_get_device_list returned NULL, errno " + errno);
                }
                return List.of();
            }
            try {
                int n = count.get(ValueLayout.JAVA_INT, 0);
                MemorySegment array = list.reinterpret(ValueLayout.ADDRESS.byteSize() * n);
                List<String> names = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    MemorySegment dev = array.getAtIndex(ValueLayout.ADDRESS, i);
                    MemorySegment name = (MemorySegment) getName.invokeExact(dev);
                    names.add(name.equals(MemorySegment.NULL) ? "device" + i : name.reinterpret(64).getString(0));
                }
                return List.copyOf(names);
            } finally {
                freeList.invokeExact(list);
            }
        }
    }
}
