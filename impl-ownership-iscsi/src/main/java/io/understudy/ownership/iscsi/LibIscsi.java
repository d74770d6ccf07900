package io.understudy.ownership.iscsi;

import io.understudy.api.spi.Availability;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The binding to libiscsi's synchronous API ({@code libiscsi.so.7}, Debian package {@code libiscsi7}),
 * made with {@link java.lang.foreign}. The library is probed once, lazily; the probe never throws: a
 * missing library, a missing symbol or a JVM without native access turns into an {@link Availability}
 * with the reason and what to do. {@value #DISABLE_PROPERTY}{@code =true} switches the provider off.
 *
 * <p>Struct offsets are those of libiscsi 1.19 on LP64 Linux ({@link TaskLayout}); a test compiles a small C
 * program against the installed headers and compares them.
 */
final class LibIscsi {

    /** System property that makes the provider unavailable (a kill switch). */
    static final String DISABLE_PROPERTY = "understudy.iscsi.disable";
    /** System property naming another library file or name to load instead of {@value #LIBRARY}. */
    static final String LIBRARY_PROPERTY = "understudy.iscsi.library";
    /** The shared library's soname. */
    static final String LIBRARY = "libiscsi.so.7";
    /** The package that provides it, for messages. */
    static final String PACKAGE_HINT = "install the libiscsi7 package (Debian/Ubuntu: apt-get install libiscsi7)";

    /** {@code struct scsi_task} and {@code struct scsi_persistent_reserve_out_basic} offsets (LP64). */
    static final class TaskLayout {
        static final long STATUS = 0;
        static final long SENSE_KEY = 52;
        static final long SENSE_ASCQ = 56;
        static final long DATAIN_SIZE = 64;
        static final long DATAIN_DATA = 72;
        static final long PRO_RESERVATION_KEY = 0;
        static final long PRO_SERVICE_ACTION_RESERVATION_KEY = 8;
        static final long PRO_SPEC_I_PT = 16;
        static final long PRO_ALL_TG_PT = 17;
        static final long PRO_APTPL = 18;
        static final long PRO_SIZE = 24;

        private TaskLayout() {
        }
    }

    static final int ISCSI_SESSION_NORMAL = 2;
    static final int ISCSI_HEADER_DIGEST_NONE = 0;

    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT;
    private static final java.lang.foreign.AddressLayout P = ValueLayout.ADDRESS;

    final MethodHandle createContext;
    final MethodHandle destroyContext;
    final MethodHandle setTargetname;
    final MethodHandle setSessionType;
    final MethodHandle setHeaderDigest;
    final MethodHandle setTimeout;
    final MethodHandle setNoAutoReconnect;
    final MethodHandle fullConnectSync;
    final MethodHandle reconnectSync;
    final MethodHandle logoutSync;
    final MethodHandle getError;
    final MethodHandle read16Sync;
    final MethodHandle write16Sync;
    final MethodHandle readCapacity16Sync;
    final MethodHandle synchronizeCache10Sync;
    final MethodHandle prInSync;
    final MethodHandle prOutSync;
    final MethodHandle freeTask;

    private LibIscsi(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        createContext = bind(linker, lib, "iscsi_create_context", FunctionDescriptor.of(P, P));
        destroyContext = bind(linker, lib, "iscsi_destroy_context", FunctionDescriptor.of(I, P));
        setTargetname = bind(linker, lib, "iscsi_set_targetname", FunctionDescriptor.of(I, P, P));
        setSessionType = bind(linker, lib, "iscsi_set_session_type", FunctionDescriptor.of(I, P, I));
        setHeaderDigest = bind(linker, lib, "iscsi_set_header_digest", FunctionDescriptor.of(I, P, I));
        setTimeout = bind(linker, lib, "iscsi_set_timeout", FunctionDescriptor.of(I, P, I));
        setNoAutoReconnect = bind(linker, lib, "iscsi_set_noautoreconnect", FunctionDescriptor.ofVoid(P, I));
        fullConnectSync = bind(linker, lib, "iscsi_full_connect_sync", FunctionDescriptor.of(I, P, P, I));
        reconnectSync = bind(linker, lib, "iscsi_reconnect_sync", FunctionDescriptor.of(I, P));
        logoutSync = bind(linker, lib, "iscsi_logout_sync", FunctionDescriptor.of(I, P));
        getError = bind(linker, lib, "iscsi_get_error", FunctionDescriptor.of(P, P));
        // (iscsi, lun, lba, datalen, blocksize, rdprotect, dpo, fua, fua_nv, group_number)
        read16Sync = bind(linker, lib, "iscsi_read16_sync", FunctionDescriptor.of(P, P, I, L, I, I, I, I, I, I, I));
        // (iscsi, lun, lba, data, datalen, blocksize, wrprotect, dpo, fua, fua_nv, group_number)
        write16Sync = bind(linker, lib, "iscsi_write16_sync", FunctionDescriptor.of(P, P, I, L, P, I, I, I, I, I, I, I));
        readCapacity16Sync = bind(linker, lib, "iscsi_readcapacity16_sync", FunctionDescriptor.of(P, P, I));
        // (iscsi, lun, lba, num_blocks, syncnv, immed)
        synchronizeCache10Sync = bind(linker, lib, "iscsi_synchronizecache10_sync", FunctionDescriptor.of(P, P, I, I, I, I, I));
        // (iscsi, lun, sa, xferlen)
        prInSync = bind(linker, lib, "iscsi_persistent_reserve_in_sync", FunctionDescriptor.of(P, P, I, I, S));
        // (iscsi, lun, sa, scope, type, params)
        prOutSync = bind(linker, lib, "iscsi_persistent_reserve_out_sync", FunctionDescriptor.of(P, P, I, I, I, I, P));
        freeTask = bind(linker, lib, "scsi_free_scsi_task", FunctionDescriptor.ofVoid(P));
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd) {
        MemorySegment sym = lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "libiscsi has no symbol " + name + "; the provider needs libiscsi 1.19 or later (" + PACKAGE_HINT + ")"));
        return linker.downcallHandle(sym, fd);
    }

    record Probe(LibIscsi lib, Availability availability) {
    }

    private static final class Holder {
        static final Probe PROBE = probe();
    }

    private static Probe probe() {
        return probe(Boolean.getBoolean(DISABLE_PROPERTY), System.getProperty(LIBRARY_PROPERTY, LIBRARY));
    }

    /** The probe itself, for the JVM's one probe and for tests of other library names; never throws. */
    static Probe probe(boolean disabled, String name) {
        if (disabled) {
            return new Probe(null, Availability.unavailable("switched off by -D" + DISABLE_PROPERTY + "=true"));
        }
        try {
            SymbolLookup lookup = SymbolLookup.libraryLookup(name, Arena.global());
            return new Probe(new LibIscsi(lookup), Availability.available());
        } catch (IllegalArgumentException e) {
            return new Probe(null, Availability.unavailable("cannot load " + name + ": " + PACKAGE_HINT, e));
        } catch (IllegalCallerException e) {
            return new Probe(null, Availability.unavailable("the JVM refuses native access to this module: run with"
                    + " --enable-native-access=io.understudy.ownership.iscsi (or ALL-UNNAMED on the class path)", e));
        } catch (RuntimeException | LinkageError e) {
            return new Probe(null, Availability.unavailable("cannot bind libiscsi (" + name + "): " + e.getMessage() + "; "
                    + PACKAGE_HINT, e));
        }
    }

    /** {@return whether libiscsi can be used, and why not}; never throws */
    static Availability availability() {
        try {
            return Holder.PROBE.availability();
        } catch (LinkageError e) {
            return Availability.unavailable("cannot probe libiscsi: " + e + "; " + PACKAGE_HINT, e);
        }
    }

    /** {@return the binding} @throws IllegalStateException if unavailable (callers check availability first) */
    static LibIscsi get() {
        Probe p = Holder.PROBE;
        if (p.lib() == null) {
            throw new IllegalStateException("libiscsi is unavailable: " + p.availability());
        }
        return p.lib();
    }
}
