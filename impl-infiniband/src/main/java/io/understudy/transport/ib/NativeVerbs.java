package io.understudy.transport.ib;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.Availability;
import io.understudy.transport.ib.IbvLayout.CmEventDescriptor;
import io.understudy.transport.ib.IbvLayout.CmIdDescriptor;
import io.understudy.transport.ib.IbvLayout.CompChannelDescriptor;
import io.understudy.transport.ib.IbvLayout.ConnParamDescriptor;
import io.understudy.transport.ib.IbvLayout.Constants;
import io.understudy.transport.ib.IbvLayout.ContextDescriptor;
import io.understudy.transport.ib.IbvLayout.ContextOpsDescriptor;
import io.understudy.transport.ib.IbvLayout.EventChannelDescriptor;
import io.understudy.transport.ib.IbvLayout.MrDescriptor;
import io.understudy.transport.ib.IbvLayout.PollFdDescriptor;
import io.understudy.transport.ib.IbvLayout.QpCapDescriptor;
import io.understudy.transport.ib.IbvLayout.QpInitAttrDescriptor;
import io.understudy.transport.ib.IbvLayout.RecvWrDescriptor;
import io.understudy.transport.ib.IbvLayout.SendWrDescriptor;
import io.understudy.transport.ib.IbvLayout.SgeDescriptor;
import io.understudy.transport.ib.IbvLayout.SockaddrIn6Descriptor;
import io.understudy.transport.ib.IbvLayout.SockaddrInDescriptor;
import io.understudy.transport.ib.IbvLayout.VerbsContextDescriptor;
import io.understudy.transport.ib.IbvLayout.WcDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import static io.understudy.transport.ib.Libc.B;
import static io.understudy.transport.ib.Libc.I;
import static io.understudy.transport.ib.Libc.J;
import static io.understudy.transport.ib.Libc.P;

/**
 * The native verbs: libibverbs and librdmacm (Debian {@code rdma-core}: {@code libibverbs1}, {@code librdmacm1},
 * {@code ibverbs-providers}) through {@link java.lang.foreign}, no JNI. Probed once, lazily, and never throwing,
 * after Netty's native transports: a missing library, a library that is not the ABI the offsets came from, a
 * JVM without native access, no RDMA device, no RDMA CM device node, or the kill switch {@value #DISABLE_PROPERTY}
 * each become an {@link Availability} with the reason and what to do.
 *
 * <p><b>The probe</b>: {@code dlopen} both libraries; {@link AbiCheck} stages 1 and 2 (the real file name, every
 * entry point at its symbol version via {@code dlvsym}, and each is then bound at exactly that version); the
 * device list; each device opened and its context put through {@link AbiCheck} stage 3; an RDMA CM event
 * channel created and destroyed. Available only if all of that passes for at least one device.
 *
 * <p><b>The data path</b> ({@link #allocateDomain}): one RDMA CM event channel and an identifier bound to the
 * bind address (port 0) per domain, which names the device ({@code id->verbs}); that context passes
 * {@link AbiCheck#context} again before its operations table is read. Then {@code ibv_alloc_pd}, one completion
 * channel shared by the domain's CQs, and one platform thread that {@code poll}s the CM channel, the completion
 * channel and an eventfd (for shutdown), acknowledges every CM event and CQ event at once, and hands them to
 * the identifier or CQ they belong to. Memory is registered with {@code ibv_reg_mr} on page-aligned off-heap
 * memory of an automatic {@link Arena} (the {@link ByteBuffer} stays valid after deregistration, so a late
 * access cannot fault). Queue pairs are {@code rdma_create_qp} (RC) on the CM identifier of the connection:
 * on the active side after {@code rdma_resolve_addr} and {@code rdma_resolve_route}, on the passive side on the
 * connect request's identifier; receives posted before that are kept in Java and posted first, so they are on
 * the queue pair before {@code rdma_connect} / {@code rdma_accept}. {@code rnr_retry_count} is 0, as {@link Verbs}
 * requires. {@code ibv_poll_cq}, {@code ibv_req_notify_cq}, {@code ibv_post_send} and {@code ibv_post_recv} are
 * static inline in the header: they are called through the context's {@code ops} function pointers.
 *
 * <p><b>Misuse Java can see</b> is refused in Java: memory of another domain, a closed region or a range outside
 * it completes {@link Verbs.Status#LOCAL_PROTECTION_ERROR} without reaching the device; a post on a queue pair
 * that is disconnected completes {@link Verbs.Status#FLUSHED}; objects are destroyed under locks that exclude the
 * calls using them. Work request ids must not be negative: bit 63 marks sends, because a failed completion's
 * opcode is undefined in {@code struct ibv_wc}. Failures of verbs throw {@link UnderstudyException} naming the
 * verb and errno ({@code strerror}).
 *
 * <p><b>Addresses</b>: IP literals (IPv4, or IPv6 — which includes GIDs written in eight groups, as RoCE GIDs are
 * IPv6 addresses); the port number is the RDMA CM port ({@code RDMA_PS_TCP}), the data-access port's mapped
 * number. Native InfiniBand addressing by GID ({@code AF_IB}) is not implemented.
 */
final class NativeVerbs implements Verbs {

    /** System property that switches the native verbs off (a kill switch). */
    static final String DISABLE_PROPERTY = "understudy.ib.native.disable";
    /** The verbs library's soname. */
    static final String VERBS_LIBRARY = "libibverbs.so.1";
    /** The connection manager's soname. */
    static final String CM_LIBRARY = "librdmacm.so.1";
    /** What to install, for messages. */
    static final String INSTALL_HINT = "install rdma-core: apt-get install librdmacm1 libibverbs1 ibverbs-providers";
    /** The reason given when the libraries load but find no device (details follow it). */
    static final String NO_DEVICE = "no RDMA device (ls /sys/class/infiniband is empty)";
    /** How long an accepting side waits for the requester's ready-to-use (RDMA_CM_EVENT_ESTABLISHED). */
    static final long ACCEPT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Entry points of libibverbs the native verbs call, each with the symbol version it is bound at. */
    static final Map<String, String> VERBS_VERSIONS = versions(IbvLayout.VERBS_SYMBOL_VERSION, "ibv_get_device_list",
            "ibv_free_device_list", "ibv_get_device_name", "ibv_open_device", "ibv_close_device", "ibv_alloc_pd",
            "ibv_dealloc_pd", "ibv_reg_mr", "ibv_dereg_mr", "ibv_create_cq", "ibv_destroy_cq", "ibv_get_cq_event",
            "ibv_ack_cq_events");
    /** Entry points of librdmacm, each with its symbol version. */
    static final Map<String, String> CM_VERSIONS = versions(IbvLayout.CM_SYMBOL_VERSION, "rdma_create_event_channel",
            "rdma_destroy_event_channel", "rdma_create_id", "rdma_destroy_id", "rdma_bind_addr", "rdma_listen",
            "rdma_resolve_addr", "rdma_resolve_route", "rdma_create_qp", "rdma_destroy_qp", "rdma_connect", "rdma_accept",
            "rdma_reject", "rdma_disconnect", "rdma_get_cm_event", "rdma_ack_cm_event");

    static {
        VERBS_VERSIONS.put("ibv_create_comp_channel", IbvLayout.VERBS_SYMBOL_VERSION_1_0);
        VERBS_VERSIONS.put("ibv_destroy_comp_channel", IbvLayout.VERBS_SYMBOL_VERSION_1_0);
    }

    /** Entry points that must exist (names only, for older messages and tests). */
    static final List<String> VERBS_SYMBOLS = List.copyOf(VERBS_VERSIONS.keySet());
    static final List<String> CM_SYMBOLS = List.copyOf(CM_VERSIONS.keySet());

    private static final System.Logger LOG = System.getLogger(NativeVerbs.class.getName());
    private static final long SEND_BIT = 1L << 63;

    private static Map<String, String> versions(String version, String... names) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : names) {
            m.put(n, version);
        }
        return m;
    }

    /**
     * The outcome of a probe.
     *
     * @param availability available, or why not
     * @param devices      the devices found (empty when none or not probed)
     * @param verbs        the bound native verbs when available, else null
     */
    record Probe(Availability availability, List<String> devices, NativeVerbs verbs) {
        Probe(Availability availability, List<String> devices) {
            this(availability, devices, null);
        }
    }

    private static final class Holder {
        static final Probe PROBE = probe(Boolean.getBoolean(DISABLE_PROPERTY), VERBS_LIBRARY, CM_LIBRARY);
    }

    private final Lib lib;
    private final String description;

    private NativeVerbs(Lib lib, String description) {
        this.lib = lib;
        this.description = description;
    }

    /** {@return this JVM's one probe, made on first use; never throws} */
    static Probe probe() {
        return Holder.PROBE;
    }

    /** The probe itself, for the JVM's one probe and for tests of other library names or files; never throws. */
    static Probe probe(boolean disabled, String verbsLibrary, String cmLibrary) {
        if (disabled) {
            return new Probe(Availability.unavailable("native verbs switched off by -D" + DISABLE_PROPERTY + "=true"), List.of());
        }
        try {
            String[] why = new String[1];
            MemorySegment verbs = Libc.dlopen(verbsLibrary, why).orElse(null);
            if (verbs == null) {
                return new Probe(Availability.unavailable("cannot load " + verbsLibrary + " (" + why[0] + "): " + INSTALL_HINT), List.of());
            }
            MemorySegment cm = Libc.dlopen(cmLibrary, why).orElse(null);
            if (cm == null) {
                return new Probe(Availability.unavailable("cannot load " + cmLibrary + " (" + why[0] + "): " + INSTALL_HINT), List.of());
            }
            for (String s : VERBS_SYMBOLS) {
                if (Libc.dlsym(verbs, s).isEmpty()) {
                    return new Probe(Availability.unavailable(verbsLibrary + " has no symbol " + s + "; it is older than rdma-core"
                            + " 17 or not libibverbs: " + INSTALL_HINT), List.of());
                }
            }
            for (String s : CM_SYMBOLS) {
                if (Libc.dlsym(cm, s).isEmpty()) {
                    return new Probe(Availability.unavailable(cmLibrary + " has no symbol " + s + ": " + INSTALL_HINT), List.of());
                }
            }
            AbiCheck.Result file = libraryFileCheck(verbs);
            if (file instanceof AbiCheck.Mismatch m) {
                return new Probe(Availability.unavailable(m.reason()), List.of());
            }
            AbiCheck.Result symbols = AbiCheck.symbolVersions(verbsLibrary, VERBS_VERSIONS,
                    (s, v) -> Libc.dlvsym(verbs, s, v).isPresent(), s -> Libc.dlsym(verbs, s).isPresent());
            if (symbols instanceof AbiCheck.Mismatch m) {
                return new Probe(Availability.unavailable(m.reason()), List.of());
            }
            AbiCheck.Result cmSymbols = AbiCheck.symbolVersions(cmLibrary, CM_VERSIONS,
                    (s, v) -> Libc.dlvsym(cm, s, v).isPresent(), s -> Libc.dlsym(cm, s).isPresent());
            if (cmSymbols instanceof AbiCheck.Mismatch m) {
                return new Probe(Availability.unavailable(m.reason()), List.of());
            }
            int minor = AbiCheck.abiMinor((AbiCheck.Compatible) file);
            Lib lib = new Lib(verbs, cm, minor);
            List<MemorySegment> list = new ArrayList<>();
            int[] listErrno = new int[1];
            List<String> devices = lib.devices(list, listErrno);
            try {
                if (devices.isEmpty()) {
                    String cmError = lib.cmChannelError();
                    return new Probe(Availability.unavailable(NO_DEVICE + "; ibv_get_device_list: " + (listErrno[0] == 0 ? "0 devices"
                            : Libc.describe(listErrno[0])) + "; rdma_create_event_channel: " + (cmError == null ? "succeeded" : cmError)),
                            devices);
                }
                List<String> problems = new ArrayList<>();
                String context = null;
                for (int i = 0; i < list.size(); i++) {
                    String outcome = lib.openAndCheck(list.get(i), devices.get(i));
                    if (outcome.startsWith("ok: ")) {
                        context = context == null ? outcome.substring(4) : context;
                    } else {
                        problems.add(devices.get(i) + ": " + outcome);
                    }
                }
                if (context == null) {
                    String all = String.join("; ", problems);
                    return new Probe(Availability.unavailable(all.contains("ABI mismatch") ? "ABI mismatch: " + all
                            : "no RDMA device could be opened: " + all), devices);
                }
                String cmError = lib.cmChannelError();
                if (cmError != null) {
                    return new Probe(Availability.unavailable("RDMA devices " + devices + " found, but rdma_create_event_channel"
                            + " failed: " + cmError), devices);
                }
                String description = ((AbiCheck.Compatible) file).detail() + ", " + ((AbiCheck.Compatible) symbols).detail()
                        + ", " + context;
                return new Probe(Availability.available(), devices, new NativeVerbs(lib, description));
            } finally {
                lib.freeDeviceList();
            }
        } catch (IllegalCallerException e) {
            return new Probe(Availability.unavailable("the JVM refuses native access to this module: run with"
                    + " --enable-native-access=io.understudy.transport.ib (or ALL-UNNAMED on the class path)", e), List.of());
        } catch (Throwable e) {
            // Libc's bindings are made in its static initialiser, which wraps a refusal of native access.
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof IllegalCallerException) {
                    return new Probe(Availability.unavailable("the JVM refuses native access to this module: run with"
                            + " --enable-native-access=io.understudy.transport.ib (or ALL-UNNAMED on the class path)", e), List.of());
                }
            }
            return new Probe(Availability.unavailable("probing the native verbs failed: " + e + "; " + INSTALL_HINT, e), List.of());
        }
    }

    /** Stage 1 of {@link AbiCheck} on a loaded library: its real file, via dladdr of one of its symbols. */
    static AbiCheck.Result libraryFileCheck(MemorySegment handle) {
        MemorySegment sym = Libc.dlsym(handle, "ibv_get_device_list").orElse(null);
        String opened = sym == null ? null : Libc.fileOf(sym).orElse(null);
        if (opened == null) {
            return new AbiCheck.Mismatch("the loader cannot say which file ibv_get_device_list is in (dladdr failed)");
        }
        String real;
        try {
            real = Path.of(opened).toRealPath().toString();
        } catch (Exception e) {
            real = opened;
        }
        return AbiCheck.libraryFile(real);
    }

    /** {@return what the probe checked, for messages} */
    String description() {
        return description;
    }

    @Override
    public String implementation() {
        return "native";
    }

    @Override
    public String toString() {
        return "native verbs (" + description + ")";
    }

    @Override
    public ProtectionDomain allocateDomain(String bindAddress) {
        InetAddress bind = literal(bindAddress, ErrorCode.INVALID_CONFIGURATION, "ib.bindAddress");
        if (bind.isAnyLocalAddress()) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "ib.bindAddress " + bindAddress + " is the wildcard;"
                    + " the native verbs need the IP address of an RDMA device's interface (IPoIB or RoCE), which names the device");
        }
        return new NativeDomain(lib, bind);
    }

    // ------------------------------------------------------------------------------------------------ bindings

    /** The bound entry points, each at its symbol version. */
    static final class Lib {
        final int abiMinor;
        final MethodHandle getDeviceList, freeDeviceList, getDeviceName, openDevice, closeDevice, allocPd, deallocPd, regMr,
                deregMr, createCompChannel, destroyCompChannel, createCq, destroyCq, getCqEvent, ackCqEvents;
        final MethodHandle createEventChannel, destroyEventChannel, createId, destroyId, bindAddr, listen, resolveAddr,
                resolveRoute, createQp, destroyQp, connect, accept, reject, disconnect, getCmEvent, ackCmEvent;

        Lib(MemorySegment verbs, MemorySegment cm, int abiMinor) {
            this.abiMinor = abiMinor;
            getDeviceList = e(verbs, "ibv_get_device_list", FunctionDescriptor.of(P, P));
            freeDeviceList = p(verbs, "ibv_free_device_list", FunctionDescriptor.ofVoid(P));
            getDeviceName = p(verbs, "ibv_get_device_name", FunctionDescriptor.of(P, P));
            openDevice = e(verbs, "ibv_open_device", FunctionDescriptor.of(P, P));
            closeDevice = e(verbs, "ibv_close_device", FunctionDescriptor.of(I, P));
            allocPd = e(verbs, "ibv_alloc_pd", FunctionDescriptor.of(P, P));
            deallocPd = p(verbs, "ibv_dealloc_pd", FunctionDescriptor.of(I, P));
            regMr = e(verbs, "ibv_reg_mr", FunctionDescriptor.of(P, P, P, J, I));
            deregMr = p(verbs, "ibv_dereg_mr", FunctionDescriptor.of(I, P));
            createCompChannel = e(verbs, "ibv_create_comp_channel", FunctionDescriptor.of(P, P));
            destroyCompChannel = p(verbs, "ibv_destroy_comp_channel", FunctionDescriptor.of(I, P));
            createCq = e(verbs, "ibv_create_cq", FunctionDescriptor.of(P, P, I, P, P, I));
            destroyCq = p(verbs, "ibv_destroy_cq", FunctionDescriptor.of(I, P));
            getCqEvent = e(verbs, "ibv_get_cq_event", FunctionDescriptor.of(I, P, P, P));
            ackCqEvents = p(verbs, "ibv_ack_cq_events", FunctionDescriptor.ofVoid(P, I));
            createEventChannel = e(cm, "rdma_create_event_channel", FunctionDescriptor.of(P));
            destroyEventChannel = p(cm, "rdma_destroy_event_channel", FunctionDescriptor.ofVoid(P));
            createId = e(cm, "rdma_create_id", FunctionDescriptor.of(I, P, P, P, I));
            destroyId = e(cm, "rdma_destroy_id", FunctionDescriptor.of(I, P));
            bindAddr = e(cm, "rdma_bind_addr", FunctionDescriptor.of(I, P, P));
            listen = e(cm, "rdma_listen", FunctionDescriptor.of(I, P, I));
            resolveAddr = e(cm, "rdma_resolve_addr", FunctionDescriptor.of(I, P, P, P, I));
            resolveRoute = e(cm, "rdma_resolve_route", FunctionDescriptor.of(I, P, I));
            createQp = e(cm, "rdma_create_qp", FunctionDescriptor.of(I, P, P, P));
            destroyQp = p(cm, "rdma_destroy_qp", FunctionDescriptor.ofVoid(P));
            connect = e(cm, "rdma_connect", FunctionDescriptor.of(I, P, P));
            accept = e(cm, "rdma_accept", FunctionDescriptor.of(I, P, P));
            reject = e(cm, "rdma_reject", FunctionDescriptor.of(I, P, P, B));
            disconnect = e(cm, "rdma_disconnect", FunctionDescriptor.of(I, P));
            getCmEvent = e(cm, "rdma_get_cm_event", FunctionDescriptor.of(I, P, P));
            ackCmEvent = p(cm, "rdma_ack_cm_event", FunctionDescriptor.of(I, P));
        }

        private static MemorySegment sym(MemorySegment lib, String name) {
            String version = VERBS_VERSIONS.getOrDefault(name, CM_VERSIONS.get(name));
            return Libc.dlvsym(lib, name, version).orElseThrow(() -> new UnsatisfiedLinkError("ABI mismatch: no " + name + "@" + version));
        }

        private static MethodHandle e(MemorySegment lib, String name, FunctionDescriptor fd) {
            return Libc.withErrno(sym(lib, name), fd);
        }

        private static MethodHandle p(MemorySegment lib, String name, FunctionDescriptor fd) {
            return Libc.plain(sym(lib, name), fd);
        }

        private MemorySegment listHead;

        /** {@code ibv_get_device_list}: the names, the device pointers into {@code into}; {@link #freeDeviceList} after. */
        List<String> devices(List<MemorySegment> into, int[] errno) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment count = a.allocate(I);
                Libc.Result r = Libc.call(getDeviceList, count);
                if (r.isNull()) {
                    errno[0] = r.errno();
                    return List.of();
                }
                listHead = r.pointer();
                int n = count.get(I, 0);
                MemorySegment array = r.pointer().reinterpret(P.byteSize() * (n + 1L));
                List<String> names = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    MemorySegment dev = array.getAtIndex(P, i);
                    into.add(dev);
                    MemorySegment name = (MemorySegment) Libc.plainCall(getDeviceName, dev);
                    names.add(name.equals(MemorySegment.NULL) ? "device" + i : name.reinterpret(64).getString(0));
                }
                return List.copyOf(names);
            }
        }

        void freeDeviceList() {
            if (listHead != null) {
                Libc.plainCall(freeDeviceList, listHead);
                listHead = null;
            }
        }

        /** Opens a device, runs {@link AbiCheck#context} on its context, closes it: "ok: detail" or the problem. */
        String openAndCheck(MemorySegment device, String name) {
            Libc.Result r = Libc.call(openDevice, device);
            if (r.isNull()) {
                return "ibv_open_device failed: " + Libc.describe(r.errno()) + (r.errno() == 13
                        ? " (the user may not open /dev/infiniband/uverbs*)" : "");
            }
            try {
                AbiCheck.Result c = AbiCheck.context(facts(r.pointer(), device.address()), abiMinor);
                return switch (c) {
                    case AbiCheck.Compatible ok -> "ok: " + name + " " + ok.detail();
                    case AbiCheck.Mismatch m -> m.reason();
                };
            } finally {
                Libc.call(closeDevice, r.pointer());
            }
        }

        /** {@return null if an RDMA CM event channel can be created (it is destroyed again), else why not} */
        String cmChannelError() {
            Libc.Result r = Libc.call(createEventChannel);
            if (r.isNull()) {
                boolean node = Files.exists(Path.of("/dev/infiniband/rdma_cm"));
                return Libc.describe(r.errno()) + (node ? "" : "; /dev/infiniband/rdma_cm does not exist (no RDMA device, or load"
                        + " the rdma_ucm kernel module)");
            }
            Libc.plainCall(destroyEventChannel, r.pointer());
            return null;
        }
    }

    /** Reads what {@link AbiCheck#context} needs from an open {@code struct ibv_context}. */
    static AbiCheck.ContextFacts facts(MemorySegment contextAddress, long deviceOpened) {
        MemorySegment ctx = contextAddress.reinterpret(ContextDescriptor.SIZE);
        long abi = ctx.get(J, ContextDescriptor.ABI_COMPAT);
        long sz = 0;
        if (abi == Constants.VERBS_ABI_IS_EXTENDED) {
            sz = MemorySegment.ofAddress(ctx.address() - VerbsContextDescriptor.CONTEXT + VerbsContextDescriptor.SZ)
                    .reinterpret(J.byteSize()).get(J, 0);
        }
        int fd = ctx.get(I, ContextDescriptor.CMD_FD);
        String target = null;
        if (fd >= 0) {
            try {
                target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            } catch (Exception e) {
                target = null;
            }
        }
        Map<String, Long> ops = new LinkedHashMap<>();
        ops.put("poll_cq", ctx.get(J, ContextDescriptor.OPS + ContextOpsDescriptor.POLL_CQ));
        ops.put("req_notify_cq", ctx.get(J, ContextDescriptor.OPS + ContextOpsDescriptor.REQ_NOTIFY_CQ));
        ops.put("post_send", ctx.get(J, ContextDescriptor.OPS + ContextOpsDescriptor.POST_SEND));
        ops.put("post_recv", ctx.get(J, ContextDescriptor.OPS + ContextOpsDescriptor.POST_RECV));
        return new AbiCheck.ContextFacts(abi, sz, ctx.get(J, ContextDescriptor.DEVICE), deviceOpened, fd, target, ops);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static InetAddress literal(String text, ErrorCode code, String what) {
        try {
            return InetAddress.ofLiteral(text.trim());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new UnderstudyException(code, what + " '" + text + "' is not an IP address literal; the native verbs address"
                    + " devices by IP (IPoIB or RoCE; a GID in eight-group form is read as the IPv6 address it is)", e);
        }
    }

    /** Writes a {@code sockaddr_in} or {@code sockaddr_in6} into a zeroed {@code sockaddr_storage}. */
    static MemorySegment sockaddr(Arena arena, InetAddress address, int port) {
        MemorySegment s = arena.allocate(IbvLayout.SockaddrStorage.SIZE, 8);
        ValueLayout.OfShort be = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
        if (address instanceof Inet4Address) {
            s.set(ValueLayout.JAVA_SHORT, SockaddrInDescriptor.FAMILY, (short) Constants.AF_INET);
            s.set(be, SockaddrInDescriptor.PORT, (short) port);
            MemorySegment.copy(address.getAddress(), 0, s, B, SockaddrInDescriptor.ADDR, 4);
        } else {
            s.set(ValueLayout.JAVA_SHORT, SockaddrIn6Descriptor.FAMILY, (short) Constants.AF_INET6);
            s.set(be, SockaddrIn6Descriptor.PORT, (short) port);
            MemorySegment.copy(address.getAddress(), 0, s, B, SockaddrIn6Descriptor.ADDR, 16);
            s.set(I, SockaddrIn6Descriptor.SCOPE_ID, ((Inet6Address) address).getScopeId());
        }
        return s;
    }

    /** {@return "address:port" of a {@code sockaddr_in} or {@code sockaddr_in6}, or a note if neither} */
    static String describeSockaddr(MemorySegment s) {
        ValueLayout.OfShort be = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
        int family = Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        try {
            if (family == Constants.AF_INET) {
                byte[] a = s.asSlice(SockaddrInDescriptor.ADDR, 4).toArray(B);
                return InetAddress.getByAddress(a).getHostAddress() + ":" + Short.toUnsignedInt(s.get(be, SockaddrInDescriptor.PORT));
            }
            if (family == Constants.AF_INET6) {
                byte[] a = s.asSlice(SockaddrIn6Descriptor.ADDR, 16).toArray(B);
                return "[" + InetAddress.getByAddress(a).getHostAddress() + "]:" + Short.toUnsignedInt(s.get(be, SockaddrIn6Descriptor.PORT));
            }
        } catch (java.net.UnknownHostException e) {
            // cannot happen for 4 or 16 bytes
        }
        return "(address family " + family + ")";
    }

    private static UnderstudyException failed(String verb, int errno, String context) {
        return new UnderstudyException(ErrorCode.TRANSPORT_IO, verb + " failed" + (context.isEmpty() ? "" : " (" + context + ")")
                + ": " + Libc.describe(errno));
    }

    static Status status(int ibvStatus) {
        return switch (ibvStatus) {
            case Constants.IBV_WC_SUCCESS -> Status.SUCCESS;
            case Constants.IBV_WC_LOC_LEN_ERR -> Status.LOCAL_LENGTH_ERROR;
            case Constants.IBV_WC_LOC_PROT_ERR -> Status.LOCAL_PROTECTION_ERROR;
            case Constants.IBV_WC_WR_FLUSH_ERR -> Status.FLUSHED;
            case Constants.IBV_WC_RNR_RETRY_EXC_ERR -> Status.RNR_RETRY_EXCEEDED;
            default -> Status.REMOTE_ERROR;
        };
    }

    static String eventName(int event) {
        return switch (event) {
            case Constants.RDMA_CM_EVENT_ADDR_RESOLVED -> "ADDR_RESOLVED";
            case Constants.RDMA_CM_EVENT_ADDR_ERROR -> "ADDR_ERROR";
            case Constants.RDMA_CM_EVENT_ROUTE_RESOLVED -> "ROUTE_RESOLVED";
            case Constants.RDMA_CM_EVENT_ROUTE_ERROR -> "ROUTE_ERROR";
            case Constants.RDMA_CM_EVENT_CONNECT_REQUEST -> "CONNECT_REQUEST";
            case Constants.RDMA_CM_EVENT_CONNECT_RESPONSE -> "CONNECT_RESPONSE";
            case Constants.RDMA_CM_EVENT_CONNECT_ERROR -> "CONNECT_ERROR";
            case Constants.RDMA_CM_EVENT_UNREACHABLE -> "UNREACHABLE";
            case Constants.RDMA_CM_EVENT_REJECTED -> "REJECTED";
            case Constants.RDMA_CM_EVENT_ESTABLISHED -> "ESTABLISHED";
            case Constants.RDMA_CM_EVENT_DISCONNECTED -> "DISCONNECTED";
            case Constants.RDMA_CM_EVENT_DEVICE_REMOVAL -> "DEVICE_REMOVAL";
            case Constants.RDMA_CM_EVENT_ADDR_CHANGE -> "ADDR_CHANGE";
            case Constants.RDMA_CM_EVENT_TIMEWAIT_EXIT -> "TIMEWAIT_EXIT";
            default -> "event " + event;
        };
    }

    /** Receives the CM events of one identifier, on the domain's event thread; must not block. */
    private interface CmHandler {
        void onCmEvent(int event, int status);
    }

    // ------------------------------------------------------------------------------------------------ domain

    /** A protection domain with its CM event channel, completion channel and event thread. */
    static final class NativeDomain implements ProtectionDomain {
        final Lib lib;
        final InetAddress bind;
        final String bindText;
        final Map<Long, CmHandler> handlers = new ConcurrentHashMap<>();
        final Map<Long, NativeCq> cqs = new ConcurrentHashMap<>();
        final Set<NativeQp> qps = ConcurrentHashMap.newKeySet();
        final Set<NativeListener> listeners = ConcurrentHashMap.newKeySet();
        final Set<NativeMr> mrs = ConcurrentHashMap.newKeySet();
        private final ReentrantLock lifecycle = new ReentrantLock();
        MemorySegment channel = MemorySegment.NULL;
        MemorySegment anchor = MemorySegment.NULL;
        MemorySegment context = MemorySegment.NULL;
        MemorySegment pd = MemorySegment.NULL;
        MemorySegment compChannel = MemorySegment.NULL;
        int wakeFd = -1;
        MethodHandle pollCq;
        MethodHandle reqNotifyCq;
        MethodHandle postSend;
        MethodHandle postRecv;
        private Thread eventThread;
        private volatile boolean stopping;
        private volatile boolean closed;

        NativeDomain(Lib lib, InetAddress bind) {
            this.lib = lib;
            this.bind = bind;
            this.bindText = bind.getHostAddress();
            try {
                open();
            } catch (RuntimeException | Error e) {
                release();
                throw e;
            }
        }

        private void open() {
            Libc.Result ch = Libc.call(lib.createEventChannel);
            if (ch.isNull()) {
                throw new UnderstudyException(ErrorCode.PROVIDER_UNAVAILABLE, "rdma_create_event_channel failed: "
                        + Libc.describe(ch.errno()));
            }
            channel = ch.pointer().reinterpret(EventChannelDescriptor.FD + I.byteSize());
            nonBlocking(channel.get(I, EventChannelDescriptor.FD), "the RDMA CM event channel");
            anchor = createId("the domain's identifier");
            try (Arena a = Arena.ofConfined()) {
                Libc.Result b = Libc.call(lib.bindAddr, anchor, sockaddr(a, bind, 0));
                if (b.value() != 0) {
                    ErrorCode code = b.errno() == Libc.EADDRNOTAVAIL || b.errno() == Libc.ENODEV || b.errno() == 22
                            ? ErrorCode.INVALID_CONFIGURATION : ErrorCode.TRANSPORT_IO;
                    throw new UnderstudyException(code, "rdma_bind_addr(" + bindText + ") failed: " + Libc.describe(b.errno())
                            + "; ib.bindAddress must be the IP address of an RDMA device's interface (ip addr on the IPoIB or"
                            + " RoCE interface; a link-local IPv6 address needs its %scope)");
                }
            }
            context = anchor.reinterpret(CmIdDescriptor.SIZE).get(P, CmIdDescriptor.VERBS);
            if (context.equals(MemorySegment.NULL)) {
                throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "ib.bindAddress " + bindText + " is not the address"
                        + " of an RDMA device (rdma_bind_addr bound no device)");
            }
            // Before any call through an offset: this context is the ABI the offsets came from.
            if (AbiCheck.context(facts(context, 0), lib.abiMinor) instanceof AbiCheck.Mismatch m) {
                throw new UnderstudyException(ErrorCode.PROVIDER_UNAVAILABLE, m.reason() + " (context of " + bindText + ")");
            }
            context = context.reinterpret(ContextDescriptor.SIZE);
            pollCq = op(ContextOpsDescriptor.POLL_CQ, FunctionDescriptor.of(I, P, I, P));
            reqNotifyCq = op(ContextOpsDescriptor.REQ_NOTIFY_CQ, FunctionDescriptor.of(I, P, I));
            postSend = op(ContextOpsDescriptor.POST_SEND, FunctionDescriptor.of(I, P, P, P));
            postRecv = op(ContextOpsDescriptor.POST_RECV, FunctionDescriptor.of(I, P, P, P));
            Libc.Result p = Libc.call(lib.allocPd, context);
            if (p.isNull()) {
                throw failed("ibv_alloc_pd", p.errno(), bindText);
            }
            pd = p.pointer();
            Libc.Result cc = Libc.call(lib.createCompChannel, context);
            if (cc.isNull()) {
                throw failed("ibv_create_comp_channel", cc.errno(), bindText);
            }
            compChannel = cc.pointer().reinterpret(CompChannelDescriptor.FD + I.byteSize());
            nonBlocking(compChannel.get(I, CompChannelDescriptor.FD), "the completion channel");
            Libc.Result w = Libc.call(Libc.EVENTFD, 0, Constants.EFD_NONBLOCK | Constants.EFD_CLOEXEC);
            if (w.value() < 0) {
                throw failed("eventfd", w.errno(), "");
            }
            wakeFd = (int) w.value();
            eventThread = Thread.ofPlatform().daemon().name("ib-cm " + bindText).start(this::eventLoop);
        }

        private MethodHandle op(long slot, FunctionDescriptor fd) {
            MemorySegment fn = context.get(P, ContextDescriptor.OPS + slot);
            return Libc.plain(fn, fd);
        }

        private static void nonBlocking(int fd, String what) {
            int errno = Libc.setNonBlocking(fd);
            if (errno != 0) {
                throw failed("fcntl(O_NONBLOCK) on " + what, errno, "");
            }
        }

        MemorySegment createId(String what) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(P);
                Libc.Result r = Libc.call(lib.createId, channel, out, MemorySegment.NULL, Constants.RDMA_PS_TCP);
                if (r.value() != 0) {
                    throw failed("rdma_create_id", r.errno(), what);
                }
                return out.get(P, 0).reinterpret(CmIdDescriptor.SIZE);
            }
        }

        void destroyId(MemorySegment id) {
            handlers.remove(id.address());
            Libc.Result r = Libc.call(lib.destroyId, id);
            if (r.value() != 0) {
                LOG.log(System.Logger.Level.WARNING, "rdma_destroy_id failed: " + Libc.describe(r.errno()));
            }
        }

        void ensureOpen() {
            if (closed) {
                throw new UnderstudyException(ErrorCode.CLOSED, "the protection domain on " + bindText + " is closed");
            }
        }

        @Override
        public MemoryRegion register(int length) {
            if (length <= 0) {
                throw new IllegalArgumentException("memory region length must be positive, got " + length);
            }
            lifecycle.lock();
            try {
                ensureOpen();
                MemorySegment memory = Arena.ofAuto().allocate(length, 4096);
                Libc.Result r = Libc.call(lib.regMr, pd, memory, (long) length, Constants.IBV_ACCESS_LOCAL_WRITE);
                if (r.isNull()) {
                    throw failed("ibv_reg_mr", r.errno(), length + " bytes" + (r.errno() == 12
                            ? "; the locked-memory limit (ulimit -l) may be too low" : ""));
                }
                MemorySegment mr = r.pointer().reinterpret(MrDescriptor.RKEY + 4);
                NativeMr m = new NativeMr(this, mr, memory, mr.get(I, MrDescriptor.LKEY));
                mrs.add(m);
                return m;
            } finally {
                lifecycle.unlock();
            }
        }

        @Override
        public CompletionQueue createCompletionQueue(int depth) {
            if (depth <= 0) {
                throw new IllegalArgumentException("completion queue depth must be positive, got " + depth);
            }
            lifecycle.lock();
            try {
                ensureOpen();
                Libc.Result r = Libc.call(lib.createCq, context, 2 * depth, MemorySegment.NULL, compChannel, 0);
                if (r.isNull()) {
                    throw failed("ibv_create_cq", r.errno(), 2 * depth + " entries");
                }
                NativeCq cq = new NativeCq(this, r.pointer(), depth);
                cqs.put(r.pointer().address(), cq);
                return cq;
            } finally {
                lifecycle.unlock();
            }
        }

        @Override
        public QueuePair createQueuePair(CompletionQueue cq) {
            if (!(cq instanceof NativeCq n) || n.domain != this) {
                throw new IllegalArgumentException("the completion queue is not one of this native domain's");
            }
            ensureOpen();
            NativeQp qp = new NativeQp(this, n);
            qps.add(qp);
            n.qps.add(qp);
            return qp;
        }

        @Override
        public CmListener listen(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("RDMA CM port must be 1 to 65535, got " + port);
            }
            lifecycle.lock();
            try {
                ensureOpen();
                MemorySegment id = createId("listener on port " + port);
                try (Arena a = Arena.ofConfined()) {
                    Libc.Result b = Libc.call(lib.bindAddr, id, sockaddr(a, bind, port));
                    if (b.value() != 0) {
                        int errno = b.errno();
                        destroyId(id);
                        if (errno == Libc.EADDRINUSE) {
                            throw new UnderstudyException(ErrorCode.PORT_IN_USE, "RDMA CM port " + port + " at " + bindText
                                    + " is already bound (rdma_bind_addr: " + Libc.describe(errno) + ")");
                        }
                        throw failed("rdma_bind_addr", errno, bindText + ":" + port);
                    }
                    Libc.Result l = Libc.call(lib.listen, id, 128);
                    if (l.value() != 0) {
                        int errno = l.errno();
                        destroyId(id);
                        if (errno == Libc.EADDRINUSE) {
                            throw new UnderstudyException(ErrorCode.PORT_IN_USE, "RDMA CM port " + port + " at " + bindText
                                    + " is already listened on (rdma_listen: " + Libc.describe(errno) + ")");
                        }
                        throw failed("rdma_listen", errno, bindText + ":" + port);
                    }
                }
                NativeListener listener = new NativeListener(this, id, bindText + ":" + port);
                handlers.put(id.address(), listener);
                listeners.add(listener);
                return listener;
            } finally {
                lifecycle.unlock();
            }
        }

        /** The event thread: CM events and completion events, acknowledged at once and handed on. */
        private void eventLoop() {
            try (Arena a = Arena.ofConfined()) {
                long n = 3;
                MemorySegment fds = a.allocate(PollFdDescriptor.SIZE * n, 8);
                int[] fd = {channel.get(I, EventChannelDescriptor.FD), compChannel.get(I, CompChannelDescriptor.FD), wakeFd};
                for (int i = 0; i < n; i++) {
                    fds.set(I, i * PollFdDescriptor.SIZE + PollFdDescriptor.FD, fd[i]);
                    fds.set(ValueLayout.JAVA_SHORT, i * PollFdDescriptor.SIZE + PollFdDescriptor.EVENTS, (short) Constants.POLLIN);
                }
                MemorySegment out = a.allocate(P);
                MemorySegment out2 = a.allocate(P);
                MemorySegment eight = a.allocate(8);
                while (!stopping) {
                    for (int i = 0; i < n; i++) {
                        fds.set(ValueLayout.JAVA_SHORT, i * PollFdDescriptor.SIZE + PollFdDescriptor.REVENTS, (short) 0);
                    }
                    Libc.Result r = Libc.call(Libc.POLL, fds, n, -1);
                    if (r.value() < 0) {
                        if (r.errno() == Libc.EINTR) {
                            continue;
                        }
                        LOG.log(System.Logger.Level.ERROR, "poll on the RDMA channels of " + bindText + " failed: " + Libc.describe(r.errno()));
                        return;
                    }
                    if (revents(fds, 2) != 0) {
                        Libc.call(Libc.READ, wakeFd, eight, 8L);
                    }
                    if (stopping) {
                        return;
                    }
                    if (revents(fds, 0) != 0) {
                        drainCm(out);
                    }
                    if (revents(fds, 1) != 0) {
                        drainCq(out, out2);
                    }
                }
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "the RDMA event thread of " + bindText + " failed", t);
            }
        }

        private static short revents(MemorySegment fds, int i) {
            return fds.get(ValueLayout.JAVA_SHORT, i * PollFdDescriptor.SIZE + PollFdDescriptor.REVENTS);
        }

        private void drainCm(MemorySegment out) {
            while (true) {
                Libc.Result r = Libc.call(lib.getCmEvent, channel, out);
                if (r.value() != 0) {
                    if (r.errno() != Libc.EAGAIN && r.errno() != 61) {
                        LOG.log(System.Logger.Level.WARNING, "rdma_get_cm_event failed: " + Libc.describe(r.errno()));
                    }
                    return;
                }
                MemorySegment ev = out.get(P, 0).reinterpret(CmEventDescriptor.SIZE);
                long id = ev.get(J, CmEventDescriptor.ID);
                long listenId = ev.get(J, CmEventDescriptor.LISTEN_ID);
                int type = ev.get(I, CmEventDescriptor.EVENT);
                int status = ev.get(I, CmEventDescriptor.STATUS);
                String peer = type == Constants.RDMA_CM_EVENT_CONNECT_REQUEST
                        ? describeSockaddr(MemorySegment.ofAddress(id).reinterpret(CmIdDescriptor.SIZE)
                        .asSlice(CmIdDescriptor.DST_ADDR, IbvLayout.SockaddrStorage.SIZE)) : null;
                // Acknowledged at once: rdma_destroy_id waits for every event of its identifier to be acknowledged.
                Libc.plainCall(lib.ackCmEvent, ev);
                try {
                    dispatch(type, status, id, listenId, peer);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "handling " + eventName(type) + " failed", e);
                }
            }
        }

        private void dispatch(int type, int status, long id, long listenId, String peer) {
            if (type == Constants.RDMA_CM_EVENT_CONNECT_REQUEST) {
                MemorySegment child = MemorySegment.ofAddress(id).reinterpret(CmIdDescriptor.SIZE);
                NativeRequest req = new NativeRequest(this, child, peer);
                if (!(handlers.get(listenId) instanceof NativeListener l) || !l.offer(req)) {
                    Libc.call(lib.reject, child, MemorySegment.NULL, (byte) 0);
                    destroyId(child);
                }
                return;
            }
            CmHandler h = handlers.get(id);
            if (h != null) {
                h.onCmEvent(type, status);
            }
        }

        private void drainCq(MemorySegment cqOut, MemorySegment ctxOut) {
            while (true) {
                Libc.Result r = Libc.call(lib.getCqEvent, compChannel, cqOut, ctxOut);
                if (r.value() != 0) {
                    return;
                }
                MemorySegment cq = cqOut.get(P, 0);
                Libc.plainCall(lib.ackCqEvents, cq, 1);
                NativeCq c = cqs.get(cq.address());
                if (c != null) {
                    c.notified();
                }
            }
        }

        @Override
        public void close() {
            lifecycle.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
            } finally {
                lifecycle.unlock();
            }
            for (NativeListener l : new ArrayList<>(listeners)) {
                l.close();
            }
            for (NativeQp qp : new ArrayList<>(qps)) {
                qp.disconnect();
                qp.destroy();
            }
            for (NativeCq cq : new ArrayList<>(cqs.values())) {
                cq.close();
            }
            for (NativeMr mr : new ArrayList<>(mrs)) {
                mr.close();
            }
            release();
        }

        /** Stops the event thread and destroys what {@link #open} made, in reverse order. */
        private void release() {
            boolean threadGone = true;
            if (eventThread != null) {
                stopping = true;
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment one = a.allocate(J);
                    one.set(J, 0, 1L);
                    Libc.call(Libc.WRITE, wakeFd, one, 8L);
                }
                try {
                    threadGone = eventThread.join(java.time.Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    threadGone = false;
                }
            }
            if (!threadGone) {
                // The thread may still use the channels: leaking them is safe, destroying them is not.
                LOG.log(System.Logger.Level.ERROR, "the RDMA event thread of " + bindText + " did not stop; its channels are leaked");
                return;
            }
            if (!compChannel.equals(MemorySegment.NULL)) {
                int r = (int) Libc.plainCall(lib.destroyCompChannel, compChannel);
                if (r != 0) {
                    LOG.log(System.Logger.Level.WARNING, "ibv_destroy_comp_channel failed: " + Libc.describe(r));
                }
                compChannel = MemorySegment.NULL;
            }
            if (!pd.equals(MemorySegment.NULL)) {
                int r = (int) Libc.plainCall(lib.deallocPd, pd);
                if (r != 0) {
                    LOG.log(System.Logger.Level.WARNING, "ibv_dealloc_pd failed: " + Libc.describe(r));
                }
                pd = MemorySegment.NULL;
            }
            if (!anchor.equals(MemorySegment.NULL)) {
                destroyId(anchor);
                anchor = MemorySegment.NULL;
            }
            if (!channel.equals(MemorySegment.NULL)) {
                Libc.plainCall(lib.destroyEventChannel, channel);
                channel = MemorySegment.NULL;
            }
            if (wakeFd >= 0) {
                Libc.call(Libc.CLOSE, wakeFd);
                wakeFd = -1;
            }
        }

        @Override
        public String toString() {
            return "native protection domain on " + bindText + (closed ? " (closed)" : "");
        }
    }

    // ------------------------------------------------------------------------------------------------ memory

    /** Registered memory: off-heap, page-aligned; deregistered on close (the buffer stays readable). */
    static final class NativeMr implements MemoryRegion {
        final NativeDomain domain;
        private final MemorySegment mr;
        final MemorySegment memory;
        private final ByteBuffer buffer;
        private final int lkey;
        volatile boolean closed;

        NativeMr(NativeDomain domain, MemorySegment mr, MemorySegment memory, int lkey) {
            this.domain = domain;
            this.mr = mr;
            this.memory = memory;
            this.buffer = memory.asByteBuffer();
            this.lkey = lkey;
        }

        @Override
        public ByteBuffer buffer() {
            return buffer;
        }

        @Override
        public int lkey() {
            return lkey;
        }

        boolean covers(int offset, int length) {
            return !closed && offset >= 0 && length >= 0 && offset <= memory.byteSize() - length;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            domain.mrs.remove(this);
            int r = (int) Libc.plainCall(domain.lib.deregMr, mr);
            if (r != 0) {
                LOG.log(System.Logger.Level.WARNING, "ibv_dereg_mr failed: " + Libc.describe(r));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ CQ

    private record Entry(long wrId, Opcode opcode, Status status, int byteLength) {
    }

    /**
     * A completion queue on the domain's completion channel. {@link #await} arms it ({@code ibv_req_notify_cq}),
     * polls once more so that a completion that came before arming is not missed, then waits on a Java condition
     * that the event thread signals: no thread blocks in native code but the domain's event thread.
     */
    static final class NativeCq implements CompletionQueue {
        private static final int BATCH = 32;
        final NativeDomain domain;
        private final MemorySegment cq;
        final Set<NativeQp> qps = ConcurrentHashMap.newKeySet();
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition signal = lock.newCondition();
        private final ArrayDeque<Entry> synthetic = new ArrayDeque<>();
        private final MemorySegment wcs = Arena.ofAuto().allocate(WcDescriptor.SIZE * BATCH, 8);
        private int stashPos;
        private int stashCount;
        private boolean notified;
        private boolean woken;
        private boolean closed;
        private boolean destroyed;

        /** The depth asked for: the queue pairs on it take that many work requests each way; the CQ holds twice that. */
        final int depth;

        NativeCq(NativeDomain domain, MemorySegment cq, int depth) {
            this.domain = domain;
            this.cq = cq;
            this.depth = depth;
        }

        /** A completion made in Java (misuse refused before the device, or a post on a disconnected pair). */
        void push(long wrId, Opcode opcode, Status status) {
            lock.lock();
            try {
                synthetic.add(new Entry(wrId, opcode, status, 0));
                notified = true;
                signal.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void notified() {
            lock.lock();
            try {
                notified = true;
                signal.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int poll(WorkCompletion[] into) {
            lock.lock();
            try {
                if (destroyed) {
                    return 0;
                }
                int n = 0;
                while (n < into.length && !synthetic.isEmpty()) {
                    Entry e = synthetic.poll();
                    into[n++].set(e.wrId, e.opcode, e.status, e.byteLength);
                }
                while (n < into.length && stashPos < stashCount) {
                    read(stashPos++, into[n++]);
                }
                if (stashPos < stashCount || n == into.length) {
                    return n;
                }
                stashPos = stashCount = 0;
                int k = pollNative(Math.min(BATCH, into.length - n));
                for (int i = 0; i < k; i++) {
                    read(i, into[n++]);
                }
                return n;
            } finally {
                lock.unlock();
            }
        }

        private int pollNative(int max) {
            int k;
            try {
                k = (int) domain.pollCq.invokeExact(cq, max, wcs);
            } catch (Throwable t) {
                throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "ibv_poll_cq failed: " + t, t);
            }
            if (k < 0) {
                throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "ibv_poll_cq failed: returned " + k);
            }
            return k;
        }

        private void read(int i, WorkCompletion into) {
            long at = i * WcDescriptor.SIZE;
            long wrId = wcs.get(J, at + WcDescriptor.WR_ID);
            int st = wcs.get(I, at + WcDescriptor.STATUS);
            Opcode op = (wrId & SEND_BIT) != 0 ? Opcode.SEND : Opcode.RECEIVE;
            into.set(wrId & ~SEND_BIT, op, status(st), st == Constants.IBV_WC_SUCCESS ? wcs.get(I, at + WcDescriptor.BYTE_LEN) : 0);
        }

        @Override
        public boolean await(long nanos) {
            lock.lock();
            try {
                if (destroyed) {
                    return false;
                }
                if (!synthetic.isEmpty() || stashPos < stashCount) {
                    return true;
                }
                notified = false;
                int r;
                try {
                    r = (int) domain.reqNotifyCq.invokeExact(cq, 0);
                } catch (Throwable t) {
                    throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "ibv_req_notify_cq failed: " + t, t);
                }
                if (r != 0) {
                    throw failed("ibv_req_notify_cq", r, "");
                }
                // A completion queued before the queue was armed raises no event: look once more.
                int k = pollNative(BATCH);
                if (k > 0) {
                    stashPos = 0;
                    stashCount = k;
                    return true;
                }
                long left = nanos;
                while (!notified && !woken && !closed && left > 0) {
                    try {
                        left = signal.awaitNanos(left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                woken = false;
                return notified || !synthetic.isEmpty();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void wakeup() {
            lock.lock();
            try {
                woken = true;
                signal.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Destroys its queue pairs, then the CQ. Never holds its lock while taking a queue pair's. */
        @Override
        public void close() {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                signal.signalAll();
            } finally {
                lock.unlock();
            }
            for (NativeQp qp : new ArrayList<>(qps)) {
                qp.destroy();
            }
            lock.lock();
            try {
                destroyed = true;
                int r = (int) Libc.plainCall(domain.lib.destroyCq, cq);
                if (r != 0) {
                    LOG.log(System.Logger.Level.WARNING, "ibv_destroy_cq failed: " + Libc.describe(r) + "; the CQ is leaked");
                }
                domain.cqs.remove(cq.address());
            } finally {
                lock.unlock();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ QP

    private record Pending(long wrId, NativeMr mr, int offset, int length) {
    }

    private enum QpState { NEW, CONNECTING, CONNECTED, ERROR, DESTROYED }

    /**
     * A reliable-connected queue pair on a CM identifier, made when the identifier exists (see the class comment);
     * receives posted earlier are kept and posted first.
     */
    static final class NativeQp implements QueuePair, CmHandler {
        private final NativeDomain d;
        private final NativeCq cq;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final ArrayDeque<Pending> pending = new ArrayDeque<>();
        private final ArrayDeque<int[]> events = new ArrayDeque<>();
        private final MemorySegment recvWr = Arena.ofAuto().allocate(RecvWrDescriptor.SIZE + SgeDescriptor.SIZE + 8, 8);
        private final MemorySegment sendWr = Arena.ofAuto().allocate(SendWrDescriptor.SIZE + SgeDescriptor.SIZE + 8, 8);
        private MemorySegment id;
        private MemorySegment qp = MemorySegment.NULL;
        private QpState state = QpState.NEW;
        private String peer = "(not connected)";

        NativeQp(NativeDomain d, NativeCq cq) {
            this.d = d;
            this.cq = cq;
        }

        @Override
        public void onCmEvent(int event, int status) {
            lock.lock();
            try {
                if (state == QpState.DESTROYED) {
                    return;
                }
                events.add(new int[] {event, status});
                if ((event == Constants.RDMA_CM_EVENT_DISCONNECTED || event == Constants.RDMA_CM_EVENT_DEVICE_REMOVAL)
                        && state == QpState.CONNECTED) {
                    // The peer disconnected: move our queue pair to the error state too, which flushes our receives.
                    state = QpState.ERROR;
                    Libc.call(d.lib.disconnect, id);
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        private static long check(long wrId) {
            if (wrId < 0) {
                throw new IllegalArgumentException("work request ids must not be negative (bit 63 is the native verbs'), got " + wrId);
            }
            return wrId;
        }

        @Override
        public void postReceive(long wrId, MemoryRegion mr, int offset, int length) {
            check(wrId);
            if (!(mr instanceof NativeMr m) || m.domain != d || !m.covers(offset, length)) {
                cq.push(wrId, Opcode.RECEIVE, Status.LOCAL_PROTECTION_ERROR);
                disconnect();
                return;
            }
            lock.lock();
            try {
                switch (state) {
                    case NEW, CONNECTING -> {
                        if (qp.equals(MemorySegment.NULL)) {
                            pending.add(new Pending(wrId, m, offset, length));
                        } else {
                            postRecvNative(wrId, m, offset, length);
                        }
                    }
                    case CONNECTED -> postRecvNative(wrId, m, offset, length);
                    case ERROR, DESTROYED -> cq.push(wrId, Opcode.RECEIVE, Status.FLUSHED);
                }
            } finally {
                lock.unlock();
            }
        }

        private void postRecvNative(long wrId, NativeMr m, int offset, int length) {
            MemorySegment wr = recvWr;
            MemorySegment sge = wr.asSlice(RecvWrDescriptor.SIZE, SgeDescriptor.SIZE);
            MemorySegment bad = wr.asSlice(RecvWrDescriptor.SIZE + SgeDescriptor.SIZE, 8);
            sge.set(J, SgeDescriptor.ADDR, m.memory.address() + offset);
            sge.set(I, SgeDescriptor.LENGTH, length);
            sge.set(I, SgeDescriptor.LKEY, m.lkey());
            wr.set(J, RecvWrDescriptor.WR_ID, wrId);
            wr.set(J, RecvWrDescriptor.NEXT, 0L);
            wr.set(P, RecvWrDescriptor.SG_LIST, sge);
            wr.set(I, RecvWrDescriptor.NUM_SGE, 1);
            int r;
            try {
                r = (int) d.postRecv.invokeExact(qp, wr, bad);
            } catch (Throwable t) {
                throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "ibv_post_recv failed: " + t, t);
            }
            if (r != 0) {
                throw failed("ibv_post_recv", r, "queue pair to " + peer);
            }
        }

        @Override
        public void postSend(long wrId, MemoryRegion mr, int offset, int length) {
            check(wrId);
            lock.lock();
            try {
                if (state == QpState.NEW || state == QpState.CONNECTING) {
                    throw new IllegalStateException("postSend on a queue pair that is not connected");
                }
                if (!(mr instanceof NativeMr m) || m.domain != d || !m.covers(offset, length)) {
                    cq.push(wrId, Opcode.SEND, Status.LOCAL_PROTECTION_ERROR);
                } else if (state != QpState.CONNECTED) {
                    cq.push(wrId, Opcode.SEND, Status.FLUSHED);
                    return;
                } else {
                    MemorySegment wr = sendWr;
                    MemorySegment sge = wr.asSlice(SendWrDescriptor.SIZE, SgeDescriptor.SIZE);
                    MemorySegment bad = wr.asSlice(SendWrDescriptor.SIZE + SgeDescriptor.SIZE, 8);
                    wr.fill((byte) 0);
                    sge.set(J, SgeDescriptor.ADDR, m.memory.address() + offset);
                    sge.set(I, SgeDescriptor.LENGTH, length);
                    sge.set(I, SgeDescriptor.LKEY, m.lkey());
                    wr.set(J, SendWrDescriptor.WR_ID, wrId | SEND_BIT);
                    wr.set(P, SendWrDescriptor.SG_LIST, sge);
                    wr.set(I, SendWrDescriptor.NUM_SGE, 1);
                    wr.set(I, SendWrDescriptor.OPCODE, Constants.IBV_WR_SEND);
                    wr.set(I, SendWrDescriptor.SEND_FLAGS, Constants.IBV_SEND_SIGNALED);
                    int r;
                    try {
                        r = (int) d.postSend.invokeExact(qp, wr, bad);
                    } catch (Throwable t) {
                        throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "ibv_post_send failed: " + t, t);
                    }
                    if (r != 0) {
                        throw failed("ibv_post_send", r, "queue pair to " + peer);
                    }
                    return;
                }
            } finally {
                lock.unlock();
            }
            disconnect();
        }

        /** rdma_create_qp on {@code id}, then the receives posted so far; lock held. */
        private void createQp() {
            MemorySegment idContext = id.get(P, CmIdDescriptor.VERBS);
            if (idContext.address() != d.context.address()) {
                throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "the connection to " + peer + " runs over another RDMA device"
                        + " than the protection domain's (" + d.bindText + "); route it through the bind address's device");
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment attr = a.allocate(QpInitAttrDescriptor.SIZE, 8);
                int depth = cq.depth;
                attr.set(P, QpInitAttrDescriptor.SEND_CQ, cq.cq);
                attr.set(P, QpInitAttrDescriptor.RECV_CQ, cq.cq);
                attr.set(I, QpInitAttrDescriptor.CAP + QpCapDescriptor.MAX_SEND_WR, depth);
                attr.set(I, QpInitAttrDescriptor.CAP + QpCapDescriptor.MAX_RECV_WR, depth);
                attr.set(I, QpInitAttrDescriptor.CAP + QpCapDescriptor.MAX_SEND_SGE, 1);
                attr.set(I, QpInitAttrDescriptor.CAP + QpCapDescriptor.MAX_RECV_SGE, 1);
                attr.set(I, QpInitAttrDescriptor.QP_TYPE, Constants.IBV_QPT_RC);
                attr.set(I, QpInitAttrDescriptor.SQ_SIG_ALL, 1);
                Libc.Result r = Libc.call(d.lib.createQp, id, d.pd, attr);
                if (r.value() != 0) {
                    throw failed("rdma_create_qp", r.errno(), "RC, " + depth + " work requests each way, to " + peer);
                }
            }
            qp = id.get(P, CmIdDescriptor.QP);
            while (!pending.isEmpty()) {
                Pending p = pending.poll();
                postRecvNative(p.wrId, p.mr, p.offset, p.length);
            }
        }

        private MemorySegment conn(Arena a) {
            MemorySegment p = a.allocate(ConnParamDescriptor.SIZE, 8);
            p.set(B, ConnParamDescriptor.RESPONDER_RESOURCES, (byte) 0);
            p.set(B, ConnParamDescriptor.INITIATOR_DEPTH, (byte) 0);
            p.set(B, ConnParamDescriptor.RETRY_COUNT, (byte) 7);
            p.set(B, ConnParamDescriptor.RNR_RETRY_COUNT, (byte) 0);
            return p;
        }

        /** Waits for the next CM event of this identifier; lock held. {@return {event, status}, or null on timeout} */
        private int[] nextEvent(long deadline) {
            while (events.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UnderstudyException(ErrorCode.CLOSED, "interrupted connecting to " + peer, e);
                }
            }
            return events.poll();
        }

        private void expect(int wanted, long deadline, String step, String where, long nanos) {
            int[] e = nextEvent(deadline);
            if (e == null) {
                throw new UnderstudyException(ErrorCode.TIMEOUT, step + " of " + where + " did not complete within "
                        + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms");
            }
            if (e[0] != wanted) {
                String why = eventName(e[0]) + " (status " + e[1] + (e[1] < 0 ? ", " + Libc.describe(-e[1]) : "") + ")";
                ErrorCode code = e[0] == Constants.RDMA_CM_EVENT_UNREACHABLE && e[1] == -110 ? ErrorCode.TIMEOUT : ErrorCode.CONNECTION_REFUSED;
                throw new UnderstudyException(code, step + " of " + where + " failed: " + why
                        + (e[0] == Constants.RDMA_CM_EVENT_REJECTED ? "; nothing listens there or the listener rejected" : ""));
            }
        }

        @Override
        public void connect(String address, int port, long nanos) {
            InetAddress to = literal(address, ErrorCode.INVALID_ENDPOINT, "the address to connect to");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("RDMA CM port must be 1 to 65535, got " + port);
            }
            String where = (to instanceof Inet6Address ? "[" + to.getHostAddress() + "]" : to.getHostAddress()) + ":" + port;
            long deadline = System.nanoTime() + nanos;
            lock.lock();
            try {
                if (state != QpState.NEW) {
                    throw new IllegalStateException("connect on a queue pair that is " + state);
                }
                d.ensureOpen();
                state = QpState.CONNECTING;
                peer = where;
                try {
                    id = d.createId("connection to " + where);
                    d.handlers.put(id.address(), this);
                    int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(nanos)));
                    try (Arena a = Arena.ofConfined()) {
                        Libc.Result r = Libc.call(d.lib.resolveAddr, id, sockaddr(a, d.bind, 0), sockaddr(a, to, port), ms);
                        if (r.value() != 0) {
                            throw new UnderstudyException(ErrorCode.CONNECTION_REFUSED, "rdma_resolve_addr(" + where + ") failed: "
                                    + Libc.describe(r.errno()));
                        }
                    }
                    expect(Constants.RDMA_CM_EVENT_ADDR_RESOLVED, deadline, "address resolution", where, nanos);
                    Libc.Result r = Libc.call(d.lib.resolveRoute, id, ms);
                    if (r.value() != 0) {
                        throw new UnderstudyException(ErrorCode.CONNECTION_REFUSED, "rdma_resolve_route(" + where + ") failed: "
                                + Libc.describe(r.errno()));
                    }
                    expect(Constants.RDMA_CM_EVENT_ROUTE_RESOLVED, deadline, "route resolution", where, nanos);
                    createQp();
                    try (Arena a = Arena.ofConfined()) {
                        Libc.Result c = Libc.call(d.lib.connect, id, conn(a));
                        if (c.value() != 0) {
                            throw new UnderstudyException(ErrorCode.CONNECTION_REFUSED, "rdma_connect(" + where + ") failed: "
                                    + Libc.describe(c.errno()));
                        }
                    }
                    expect(Constants.RDMA_CM_EVENT_ESTABLISHED, deadline, "connection", where, nanos);
                    state = QpState.CONNECTED;
                } catch (RuntimeException e) {
                    destroyLocked();
                    throw e;
                }
            } finally {
                lock.unlock();
            }
        }

        /** The passive side: the queue pair on the request's identifier, then rdma_accept and ESTABLISHED. */
        boolean attach(NativeRequest req) {
            lock.lock();
            try {
                if (state != QpState.NEW) {
                    throw new IllegalStateException("accept with a queue pair that is " + state);
                }
                state = QpState.CONNECTING;
                id = req.id;
                peer = req.peer();
                d.handlers.put(id.address(), this);
                try {
                    createQp();
                } catch (RuntimeException e) {
                    state = QpState.ERROR;
                    // Tell the requester now instead of letting its connect time out.
                    Libc.call(d.lib.reject, id, MemorySegment.NULL, (byte) 0);
                    LOG.log(System.Logger.Level.WARNING, "accepting " + peer + " failed", e);
                    return false;
                }
                try (Arena a = Arena.ofConfined()) {
                    Libc.Result r = Libc.call(d.lib.accept, id, conn(a));
                    if (r.value() != 0) {
                        state = QpState.ERROR;
                        LOG.log(System.Logger.Level.DEBUG, "rdma_accept(" + peer + ") failed: " + Libc.describe(r.errno()));
                        return false;
                    }
                }
                int[] e = nextEvent(System.nanoTime() + ACCEPT_WAIT_NANOS);
                if (e == null || e[0] != Constants.RDMA_CM_EVENT_ESTABLISHED) {
                    state = QpState.ERROR;
                    Libc.call(d.lib.disconnect, id);
                    return false;
                }
                state = QpState.CONNECTED;
                return true;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void disconnect() {
            List<Pending> flushed;
            lock.lock();
            try {
                if (state == QpState.ERROR || state == QpState.DESTROYED) {
                    return;
                }
                boolean live = state == QpState.CONNECTED || state == QpState.CONNECTING;
                state = QpState.ERROR;
                if (live && id != null) {
                    // Moves the queue pair to the error state (its receives flush) and tells the peer.
                    Libc.call(d.lib.disconnect, id);
                }
                flushed = new ArrayList<>(pending);
                pending.clear();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            for (Pending p : flushed) {
                cq.push(p.wrId, Opcode.RECEIVE, Status.FLUSHED);
            }
        }

        /** Destroys the queue pair and its identifier (before its CQ is destroyed). Idempotent. */
        void destroy() {
            lock.lock();
            try {
                destroyLocked();
            } finally {
                lock.unlock();
            }
        }

        private void destroyLocked() {
            if (state == QpState.DESTROYED) {
                return;
            }
            state = QpState.DESTROYED;
            if (id != null) {
                if (!qp.equals(MemorySegment.NULL)) {
                    Libc.plainCall(d.lib.destroyQp, id);
                    qp = MemorySegment.NULL;
                }
                d.destroyId(id);
                id = null;
            }
            d.qps.remove(this);
            cq.qps.remove(this);
            changed.signalAll();
        }

        @Override
        public String peer() {
            lock.lock();
            try {
                return peer;
            } finally {
                lock.unlock();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ CM

    /** A listening identifier; connect requests arrive from the event thread. */
    static final class NativeListener implements CmListener, CmHandler {
        private final NativeDomain d;
        private final MemorySegment id;
        private final String name;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition arrived = lock.newCondition();
        private final ArrayDeque<NativeRequest> requests = new ArrayDeque<>();
        private boolean closed;

        NativeListener(NativeDomain d, MemorySegment id, String name) {
            this.d = d;
            this.id = id;
            this.name = name;
        }

        @Override
        public void onCmEvent(int event, int status) {
            if (event == Constants.RDMA_CM_EVENT_DEVICE_REMOVAL) {
                lock.lock();
                try {
                    closed = true;
                    arrived.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }

        /** From the event thread: queue a request, or refuse it if closed. */
        boolean offer(NativeRequest req) {
            lock.lock();
            try {
                if (closed) {
                    return false;
                }
                d.handlers.put(req.id.address(), req);
                requests.add(req);
                arrived.signalAll();
                return true;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public ConnectRequest next(long nanos) {
            long deadline = System.nanoTime() + nanos;
            lock.lock();
            try {
                while (requests.isEmpty()) {
                    if (closed) {
                        throw new UnderstudyException(ErrorCode.CLOSED, "the RDMA CM listener " + name + " is closed");
                    }
                    try {
                        if (nanos == 0) {
                            arrived.await();
                        } else {
                            long left = deadline - System.nanoTime();
                            if (left <= 0) {
                                return null;
                            }
                            arrived.awaitNanos(left);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new UnderstudyException(ErrorCode.CLOSED, "interrupted waiting for a connection request on " + name, e);
                    }
                }
                if (closed) {
                    throw new UnderstudyException(ErrorCode.CLOSED, "the RDMA CM listener " + name + " is closed");
                }
                return requests.poll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            List<NativeRequest> refused;
            lock.lock();
            try {
                if (closed && !d.listeners.contains(this)) {
                    return;
                }
                closed = true;
                refused = new ArrayList<>(requests);
                requests.clear();
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
            if (!d.listeners.remove(this)) {
                return;
            }
            refused.forEach(NativeRequest::reject);
            d.destroyId(id);
        }
    }

    /** A connect request: its own identifier, accepted with a queue pair or rejected. */
    static final class NativeRequest implements ConnectRequest, CmHandler {
        private final NativeDomain d;
        final MemorySegment id;
        private final String peer;
        private final ReentrantLock lock = new ReentrantLock();
        /** 0 pending, 1 handed to a queue pair, 2 rejected, 3 the requester gave up. */
        private int state;

        NativeRequest(NativeDomain d, MemorySegment id, String peer) {
            this.d = d;
            this.id = id;
            this.peer = peer;
        }

        @Override
        public void onCmEvent(int event, int status) {
            lock.lock();
            try {
                if (state == 0) {
                    state = 3;
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public String peer() {
            return peer;
        }

        @Override
        public boolean accept(QueuePair qp) {
            if (!(qp instanceof NativeQp n) || n.d != d) {
                throw new IllegalArgumentException("the queue pair is not one of this native domain's");
            }
            lock.lock();
            try {
                if (state != 0) {
                    return false;
                }
                state = 1;
            } finally {
                lock.unlock();
            }
            // The queue pair now owns the identifier and destroys it when it is destroyed.
            return n.attach(this);
        }

        @Override
        public void reject() {
            boolean destroy;
            lock.lock();
            try {
                destroy = state == 0 || state == 3;
                if (state == 0) {
                    Libc.call(d.lib.reject, id, MemorySegment.NULL, (byte) 0);
                }
                if (destroy) {
                    state = 2;
                }
            } finally {
                lock.unlock();
            }
            if (destroy) {
                d.destroyId(id);
            }
        }
    }
}
