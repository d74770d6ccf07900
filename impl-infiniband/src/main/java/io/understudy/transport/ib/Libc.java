package io.understudy.transport.ib;

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
import java.util.Map;
import java.util.Optional;

/**
 * The libc functions the native verbs need, through {@link java.lang.foreign}: the dynamic loader
 * ({@code dlopen}, {@code dlsym}, {@code dlvsym}, {@code dladdr}, {@code dlerror}; in libc since glibc 2.34,
 * else in {@code libdl.so.2}), {@code strerror}, and the descriptors the event thread waits on
 * ({@code poll}, {@code eventfd}, {@code fcntl}, {@code read}, {@code write}, {@code close}). Calls that set
 * errno capture it ({@link Linker.Option#captureCallState}); {@link #call} returns it with the result.
 */
final class Libc {

    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfByte B = ValueLayout.JAVA_BYTE;
    static final java.lang.foreign.AddressLayout P = ValueLayout.ADDRESS;

    private static final SymbolLookup LOOKUP = lookup();
    private static final MethodHandle DLOPEN = bind("dlopen", FunctionDescriptor.of(P, P, I), false);
    private static final MethodHandle DLERROR = bind("dlerror", FunctionDescriptor.of(P), false);
    private static final MethodHandle DLSYM = bind("dlsym", FunctionDescriptor.of(P, P, P), false);
    private static final MethodHandle DLVSYM = bind("dlvsym", FunctionDescriptor.of(P, P, P, P), false);
    private static final MethodHandle DLADDR = bind("dladdr", FunctionDescriptor.of(I, P, P), false);
    private static final MethodHandle STRERROR = bind("strerror", FunctionDescriptor.of(P, I), false);
    static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(I, P, J, I), true);
    static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(I, I, I), true);
    static final MethodHandle READ = bind("read", FunctionDescriptor.of(J, I, P, J), true);
    static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(J, I, P, J), true);
    static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(I, I), true);
    private static final MethodHandle FCNTL = LINKER.downcallHandle(find("fcntl"), FunctionDescriptor.of(I, I, I, I),
            Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));

    /** errno names for messages (Linux, x86-64 and aarch64 share these). */
    private static final Map<Integer, String> NAMES = Map.ofEntries(Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"),
            Map.entry(4, "EINTR"), Map.entry(5, "EIO"), Map.entry(11, "EAGAIN"), Map.entry(12, "ENOMEM"),
            Map.entry(13, "EACCES"), Map.entry(14, "EFAULT"), Map.entry(16, "EBUSY"), Map.entry(17, "EEXIST"),
            Map.entry(19, "ENODEV"), Map.entry(22, "EINVAL"), Map.entry(24, "EMFILE"), Map.entry(28, "ENOSPC"),
            Map.entry(38, "ENOSYS"), Map.entry(61, "ENODATA"), Map.entry(95, "EOPNOTSUPP"), Map.entry(98, "EADDRINUSE"),
            Map.entry(99, "EADDRNOTAVAIL"), Map.entry(101, "ENETUNREACH"), Map.entry(104, "ECONNRESET"),
            Map.entry(110, "ETIMEDOUT"), Map.entry(111, "ECONNREFUSED"), Map.entry(113, "EHOSTUNREACH"));

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EADDRINUSE = 98;
    static final int EADDRNOTAVAIL = 99;
    static final int ENODEV = 19;

    private Libc() {
    }

    /** A result and the errno the call left (meaningful only when the result says it failed). */
    record Result(long value, MemorySegment pointer, int errno) {
        boolean isNull() {
            return pointer != null && pointer.equals(MemorySegment.NULL);
        }
    }

    private static SymbolLookup lookup() {
        SymbolLookup libc = LINKER.defaultLookup();
        if (libc.find("dlvsym").isPresent()) {
            return libc;
        }
        // glibc before 2.34 keeps the loader's functions in libdl.
        return libc.or(SymbolLookup.libraryLookup("libdl.so.2", Arena.global()));
    }

    private static MemorySegment find(String name) {
        return LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd, boolean errno) {
        return errno ? LINKER.downcallHandle(find(name), fd, Linker.Option.captureCallState("errno"))
                : LINKER.downcallHandle(find(name), fd);
    }

    /** {@return a handle for a function that sets errno: its first argument is the call-state segment} */
    static MethodHandle withErrno(MemorySegment function, FunctionDescriptor fd) {
        return LINKER.downcallHandle(function, fd, Linker.Option.captureCallState("errno"));
    }

    /** {@return a handle for a function whose failures are its return value} */
    static MethodHandle plain(MemorySegment function, FunctionDescriptor fd) {
        return LINKER.downcallHandle(function, fd);
    }

    /**
     * Calls a handle made by {@link #withErrno} (or bound with errno here), passing the call state first.
     *
     * @return the result (an int or long widened, or the pointer) and errno
     */
    static Result call(MethodHandle h, Object... args) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            Object[] all = new Object[args.length + 1];
            all[0] = state;
            System.arraycopy(args, 0, all, 1, args.length);
            Object r = h.invokeWithArguments(all);
            int errno = (int) ERRNO.get(state, 0L);
            return switch (r) {
                case MemorySegment m -> new Result(m.address(), m, errno);
                case Integer i -> new Result(i, null, errno);
                case Long l -> new Result(l, null, errno);
                case null -> new Result(0, null, errno);
                default -> throw new IllegalStateException("unexpected result " + r);
            };
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Calls a handle without errno. */
    static Object plainCall(MethodHandle h, Object... args) {
        try {
            return h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@return "errno 19 ENODEV (No such device)"} */
    static String describe(int errno) {
        String text;
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            text = s.equals(MemorySegment.NULL) ? "unknown error" : s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            text = "strerror failed: " + t;
        }
        return "errno " + errno + " " + NAMES.getOrDefault(errno, "E?") + " (" + text + ")";
    }

    /** {@return the errno name, such as ENODEV, or E? for one not in the table} */
    static String name(int errno) {
        return NAMES.getOrDefault(errno, "E?");
    }

    /** {@code dlopen(name, RTLD_NOW)}: the handle, or empty with {@code dlerror()}'s text in {@code why[0]}. */
    static Optional<MemorySegment> dlopen(String name, String[] why) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = (MemorySegment) DLOPEN.invokeExact(a.allocateFrom(name), IbvLayout.Constants.RTLD_NOW);
            if (h.equals(MemorySegment.NULL)) {
                why[0] = dlerror();
                return Optional.empty();
            }
            return Optional.of(h);
        } catch (Throwable t) {
            why[0] = t.toString();
            return Optional.empty();
        }
    }

    private static String dlerror() {
        try {
            MemorySegment s = (MemorySegment) DLERROR.invokeExact();
            return s.equals(MemorySegment.NULL) ? "(no dlerror text)" : s.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return t.toString();
        }
    }

    /** {@code dlsym(handle, name)}: the default version of a symbol of the library or its dependencies. */
    static Optional<MemorySegment> dlsym(MemorySegment handle, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = (MemorySegment) DLSYM.invokeExact(handle, a.allocateFrom(name));
            return s.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(s);
        } catch (Throwable t) {
            return Optional.empty();
        }
    }

    /** {@code dlvsym(handle, name, version)}: the symbol at exactly that version, or empty. */
    static Optional<MemorySegment> dlvsym(MemorySegment handle, String name, String version) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = (MemorySegment) DLVSYM.invokeExact(handle, a.allocateFrom(name), a.allocateFrom(version));
            return s.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(s);
        } catch (Throwable t) {
            return Optional.empty();
        }
    }

    /** {@code dladdr}: the file the loader mapped {@code address} from, as it was opened (may be a symlink). */
    static Optional<String> fileOf(MemorySegment address) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(IbvLayout.DlInfoDescriptor.SIZE, 8);
            int ok = (int) DLADDR.invokeExact(address, info);
            if (ok == 0) {
                return Optional.empty();
            }
            MemorySegment name = info.get(P, IbvLayout.DlInfoDescriptor.FNAME);
            return name.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(name.reinterpret(4096).getString(0));
        } catch (Throwable t) {
            return Optional.empty();
        }
    }

    /** Sets O_NONBLOCK on a descriptor; {@return 0 or the errno} */
    static int setNonBlocking(int fd) {
        Result flags = call(FCNTL, fd, IbvLayout.Constants.F_GETFL, 0);
        if (flags.value() < 0) {
            return flags.errno();
        }
        Result set = call(FCNTL, fd, IbvLayout.Constants.F_SETFL, (int) flags.value() | IbvLayout.Constants.O_NONBLOCK);
        return set.value() < 0 ? set.errno() : 0;
    }
}
