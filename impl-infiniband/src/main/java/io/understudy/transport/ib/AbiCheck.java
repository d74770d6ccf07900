package io.understudy.transport.ib;

import io.understudy.transport.ib.IbvLayout.ContextDescriptor;
import io.understudy.transport.ib.IbvLayout.VerbsContextDescriptor;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The start-up check that the loaded libibverbs is the ABI {@link IbvLayout}'s offsets were taken from, before
 * anything is called through an offset. Three stages, each a pure function of what was observed, so that tests
 * can feed it doctored observations:
 * <ol>
 * <li>{@link #libraryFile}: the real file name of the loaded library (resolved from the loader's record of
 *     the mapping, symlinks followed) is {@code libibverbs.so.1.<minor>.<release>}: soname major 1, the
 *     {@code IBVERBS_1.1} ABI whose {@code struct ibv_context} and operations table are frozen;
 * <li>{@link #symbolVersions}: every verb the binding calls exists at the symbol version it is bound at
 *     ({@code dlvsym}), so a library that merely has symbols of those names (an impostor, or an ABI before
 *     {@code IBVERBS_1.1}) is refused;
 * <li>{@link #context}: once a device context is open, {@code ibv_context.abi_compat} is
 *     {@code __VERBS_ABI_IS_EXTENDED}, the {@code verbs_context.sz} in front of it is consistent with the
 *     library's ABI minor ({@link IbvLayout#VERBS_CONTEXT_SIZE_RULE}), {@code ibv_context.device} is the device
 *     opened, {@code cmd_fd} is an open {@code /dev/infiniband/uverbs*} descriptor (which pins the size of the
 *     operations table in front of it), and the four inline verbs' function pointers are set.
 * </ol>
 */
final class AbiCheck {

    private static final Pattern FILE = Pattern.compile("libibverbs\\.so\\.(\\d+)(?:\\.(\\d+)(?:\\.([0-9.]+))?)?");

    /** A symbol version no library defines, to tell a versioned library from one without versions. */
    static final String NO_SUCH_VERSION = "UNDERSTUDY_NO_SUCH_VERSION_0";

    private AbiCheck() {
    }

    /** The outcome of a stage: compatible (with what was found) or a mismatch (with why). */
    sealed interface Result permits Compatible, Mismatch {
    }

    /** @param detail what was checked, for the probe's description */
    record Compatible(String detail) implements Result {
    }

    /** @param reason why the library is not the ABI the offsets came from, starting {@code "ABI mismatch: "} */
    record Mismatch(String reason) implements Result {
        Mismatch {
            if (!reason.startsWith("ABI mismatch: ")) {
                reason = "ABI mismatch: " + reason;
            }
        }
    }

    /** The libibverbs ABI minor a compatible {@link #libraryFile} result found, or -1 from a detail without one. */
    static int abiMinor(Compatible c) {
        Matcher m = Pattern.compile("ABI minor (\\d+)").matcher(c.detail());
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * Stage 1.
     *
     * @param realPath the loaded library's file, symlinks resolved, such as
     *                 {@code /usr/lib/x86_64-linux-gnu/libibverbs.so.1.14.44.0}
     */
    static Result libraryFile(String realPath) {
        String file = realPath.substring(realPath.lastIndexOf('/') + 1);
        Matcher m = FILE.matcher(file);
        if (!m.matches()) {
            return new Mismatch(realPath + " is not named libibverbs.so.1.<ABI minor>.<release>, so it is not rdma-core's"
                    + " libibverbs; the offsets are from " + IbvLayout.LIBRARY_FILE + " (" + IbvLayout.RDMA_CORE_VERSION + ")");
        }
        int major = Integer.parseInt(m.group(1));
        if (major != 1) {
            return new Mismatch(realPath + " is libibverbs ABI " + major + ", the offsets are for ABI 1 (" + IbvLayout.LIBRARY_FILE
                    + ", " + IbvLayout.RDMA_CORE_VERSION + ")");
        }
        if (m.group(2) == null) {
            return new Mismatch(realPath + " does not carry its ABI minor in its name (rdma-core installs"
                    + " libibverbs.so.1.<minor>.<release>), so which ABI it is cannot be told; the offsets are for "
                    + IbvLayout.LIBRARY_FILE);
        }
        int minor = Integer.parseInt(m.group(2));
        if (minor < 1) {
            return new Mismatch(realPath + " is libibverbs 1.0, before the IBVERBS_1.1 ABI the offsets are for ("
                    + IbvLayout.LIBRARY_FILE + ")");
        }
        String relation = minor == IbvLayout.LIBRARY_ABI_MINOR ? "the ABI minor of the headers"
                : minor > IbvLayout.LIBRARY_ABI_MINOR ? "newer than the headers' " + IbvLayout.LIBRARY_ABI_MINOR
                : "older than the headers' " + IbvLayout.LIBRARY_ABI_MINOR;
        return new Compatible(file + " (ABI minor " + minor + ", " + relation + ")");
    }

    /**
     * Stage 2.
     *
     * @param library  the library's name, for messages
     * @param required symbol name to the version it is bound at
     * @param present  whether {@code (symbol, version)} resolves ({@code dlvsym})
     * @param unversioned whether the symbol exists at all ({@code dlsym}), to say which of the two is wrong
     */
    static Result symbolVersions(String library, Map<String, String> required, BiPredicate<String, String> present,
                                 java.util.function.Predicate<String> unversioned) {
        // The loader accepts any version for a symbol of a library built without symbol versioning: ask for one
        // that cannot exist first, so that such a library is not taken for the versioned one.
        String first = required.keySet().iterator().next();
        if (present.test(first, NO_SUCH_VERSION)) {
            return new Mismatch(library + " carries no symbol versions (dlvsym finds " + first + " at the made-up version "
                    + NO_SUCH_VERSION + "), so it is not rdma-core's libibverbs/librdmacm (" + IbvLayout.RDMA_CORE_VERSION + ")");
        }
        for (Map.Entry<String, String> e : required.entrySet()) {
            if (!present.test(e.getKey(), e.getValue())) {
                String has = unversioned.test(e.getKey()) ? "has " + e.getKey() + " but not at version " + e.getValue()
                        : "has no " + e.getKey() + "@" + e.getValue();
                return new Mismatch(library + " " + has + ", the ABI the offsets are for (" + IbvLayout.RDMA_CORE_VERSION + ")");
            }
        }
        return new Compatible(required.size() + " symbols at their versions");
    }

    /**
     * What was read from an open {@code struct ibv_context}.
     *
     * @param abiCompat       {@code ibv_context.abi_compat}
     * @param verbsContextSz  {@code verbs_context.sz} (read only when abiCompat says the context is extended)
     * @param devicePointer   {@code ibv_context.device}
     * @param deviceOpened    the {@code struct ibv_device *} passed to {@code ibv_open_device} (0 when the context
     *                        was opened by librdmacm; the check then needs {@code devicePointer} non-zero)
     * @param cmdFd           {@code ibv_context.cmd_fd}
     * @param cmdFdTarget     what {@code /proc/self/fd/<cmd_fd>} links to, or null if it is not open
     * @param inlineVerbs     the function pointers of poll_cq, req_notify_cq, post_send, post_recv, by name
     */
    record ContextFacts(long abiCompat, long verbsContextSz, long devicePointer, long deviceOpened, int cmdFd,
                        String cmdFdTarget, Map<String, Long> inlineVerbs) {
    }

    /**
     * Stage 3.
     *
     * @param facts    what the context holds
     * @param abiMinor the loaded library's ABI minor (from stage 1)
     */
    static Result context(ContextFacts facts, int abiMinor) {
        if (facts.abiCompat() != IbvLayout.Constants.VERBS_ABI_IS_EXTENDED) {
            return new Mismatch(String.format("ibv_context.abi_compat (offset %d) is 0x%x, not __VERBS_ABI_IS_EXTENDED; the"
                    + " context is not rdma-core's verbs_context", ContextDescriptor.ABI_COMPAT, facts.abiCompat()));
        }
        long sz = facts.verbsContextSz();
        long headers = VerbsContextDescriptor.SIZE;
        boolean plausible = sz > ContextDescriptor.SIZE && sz < 1 << 16;
        boolean consistent = abiMinor == IbvLayout.LIBRARY_ABI_MINOR ? sz == headers
                : abiMinor > IbvLayout.LIBRARY_ABI_MINOR ? sz >= headers : sz <= headers;
        if (!plausible || !consistent) {
            return new Mismatch("verbs_context.sz is " + sz + " where the headers' sizeof(struct verbs_context) is " + headers
                    + " and the library is ABI minor " + abiMinor + " (" + IbvLayout.VERBS_CONTEXT_SIZE_RULE + ")");
        }
        if (facts.devicePointer() == 0 || (facts.deviceOpened() != 0 && facts.devicePointer() != facts.deviceOpened())) {
            return new Mismatch(String.format("ibv_context.device (offset %d) is 0x%x, not the device opened (0x%x)",
                    ContextDescriptor.DEVICE, facts.devicePointer(), facts.deviceOpened()));
        }
        if (facts.cmdFdTarget() == null || !facts.cmdFdTarget().startsWith("/dev/infiniband/uverbs")) {
            return new Mismatch("ibv_context.cmd_fd (offset " + ContextDescriptor.CMD_FD + ") is " + facts.cmdFd() + ", which is "
                    + (facts.cmdFdTarget() == null ? "not an open descriptor" : facts.cmdFdTarget())
                    + ", not /dev/infiniband/uverbs*: the operations table in front of it is not the size the offsets assume");
        }
        for (String op : List.of("poll_cq", "req_notify_cq", "post_send", "post_recv")) {
            Long p = facts.inlineVerbs().get(op);
            if (p == null || p == 0) {
                return new Mismatch("ibv_context.ops." + op + " is NULL: the provider does not implement it at the offset the"
                        + " headers give");
            }
        }
        return new Compatible("context: abi_compat extended, verbs_context.sz " + sz + ", cmd_fd " + facts.cmdFd() + " -> "
                + facts.cmdFdTarget());
    }
}
