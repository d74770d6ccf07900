package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.transport.ib.IbvLayout.ContextDescriptor;
import io.understudy.transport.ib.IbvLayout.ContextOpsDescriptor;
import io.understudy.transport.ib.IbvLayout.VerbsContextDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link AbiCheck} with injected observations: the library file names, symbol versions and context contents
 * it must accept, and doctored ones it must refuse. (The same check on this machine's real library is in
 * {@link NativeVerbsTest}; on a real device context, in {@link IbNativeTransportTest}.)
 */
class AbiCheckTest {

    private static String mismatch(AbiCheck.Result r) {
        return assertInstanceOf(AbiCheck.Mismatch.class, r, String.valueOf(r)).reason();
    }

    private static String compatible(AbiCheck.Result r) {
        return assertInstanceOf(AbiCheck.Compatible.class, r, String.valueOf(r)).detail();
    }

    @Test
    void theLibraryTheOffsetsCameFromAndNewerMinorsOfSoname1Pass() {
        String exact = compatible(AbiCheck.libraryFile("/usr/lib/x86_64-linux-gnu/" + IbvLayout.LIBRARY_FILE));
        assertTrue(exact.contains("the ABI minor of the headers"), exact);
        assertEquals(IbvLayout.LIBRARY_ABI_MINOR, AbiCheck.abiMinor(new AbiCheck.Compatible(exact)));
        String newer = compatible(AbiCheck.libraryFile("/usr/lib64/libibverbs.so.1.15.50.0"));
        assertTrue(newer.contains("newer"), newer);
        assertEquals(15, AbiCheck.abiMinor(new AbiCheck.Compatible(newer)));
        assertTrue(compatible(AbiCheck.libraryFile("/usr/lib/libibverbs.so.1.8.28.0")).contains("older"));
    }

    @Test
    void otherSonamesUnversionedFilesAndImpostorsAreMismatches() {
        assertTrue(mismatch(AbiCheck.libraryFile("/opt/x/libibverbs.so.2.0.60.0")).contains("ABI 2"));
        assertTrue(mismatch(AbiCheck.libraryFile("/opt/x/libibverbs.so.1")).contains("does not carry its ABI minor"));
        assertTrue(mismatch(AbiCheck.libraryFile("/opt/x/libibverbs.so.1.0.0")).contains("before the IBVERBS_1.1 ABI"));
        String r = mismatch(AbiCheck.libraryFile("/lib/x86_64-linux-gnu/libc.so.6"));
        assertTrue(r.startsWith("ABI mismatch: ") && r.contains("not rdma-core's libibverbs"), r);
    }

    @Test
    void everySymbolMustResolveAtItsVersion() {
        Map<String, String> required = Map.of("ibv_get_device_list", "IBVERBS_1.1", "ibv_create_comp_channel", "IBVERBS_1.0");
        Set<String> have = Set.of("ibv_get_device_list@IBVERBS_1.1", "ibv_create_comp_channel@IBVERBS_1.0");
        compatible(AbiCheck.symbolVersions("libibverbs.so.1", required, (s, v) -> have.contains(s + "@" + v), s -> true));
        // A library built without symbol versions: the loader finds its symbols at any version asked for.
        String r = mismatch(AbiCheck.symbolVersions("fake.so", required, (s, v) -> true, s -> true));
        assertTrue(r.contains("carries no symbol versions"), r);
        // Versioned, but not at the versions the binding needs.
        r = mismatch(AbiCheck.symbolVersions("fake.so", required, (s, v) -> false, s -> true));
        assertTrue(r.contains("but not at version IBVERBS_1."), r);
        r = mismatch(AbiCheck.symbolVersions("fake.so", required, (s, v) -> false, s -> false));
        assertTrue(r.contains("has no ibv_"), r);
    }

    static AbiCheck.ContextFacts good() {
        return new AbiCheck.ContextFacts(IbvLayout.Constants.VERBS_ABI_IS_EXTENDED, VerbsContextDescriptor.SIZE, 0x1000, 0x1000, 7,
                "/dev/infiniband/uverbs0", Map.of("poll_cq", 1L, "req_notify_cq", 2L, "post_send", 3L, "post_recv", 4L));
    }

    static AbiCheck.ContextFacts with(long abi, long sz, long device, String target, long postSend) {
        return new AbiCheck.ContextFacts(abi, sz, device, 0x1000, 7, target,
                Map.of("poll_cq", 1L, "req_notify_cq", 2L, "post_send", postSend, "post_recv", 4L));
    }

    @Test
    void aContextAsTheHeadersDefineItPasses() {
        String d = compatible(AbiCheck.context(good(), IbvLayout.LIBRARY_ABI_MINOR));
        assertTrue(d.contains("verbs_context.sz " + VerbsContextDescriptor.SIZE), d);
        // A newer library's verbs_context is larger, an older one's smaller: both are the same ibv_context.
        compatible(AbiCheck.context(with(-1, VerbsContextDescriptor.SIZE + 16, 0x1000, "/dev/infiniband/uverbs1", 3),
                IbvLayout.LIBRARY_ABI_MINOR + 1));
        compatible(AbiCheck.context(with(-1, VerbsContextDescriptor.SIZE - 16, 0x1000, "/dev/infiniband/uverbs1", 3),
                IbvLayout.LIBRARY_ABI_MINOR - 1));
    }

    @Test
    void doctoredContextsAreMismatches() {
        int minor = IbvLayout.LIBRARY_ABI_MINOR;
        String gid = "/dev/infiniband/uverbs0";
        assertTrue(mismatch(AbiCheck.context(with(0, VerbsContextDescriptor.SIZE, 0x1000, gid, 3), minor)).contains("abi_compat"));
        assertTrue(mismatch(AbiCheck.context(with(-1, VerbsContextDescriptor.SIZE + 8, 0x1000, gid, 3), minor))
                .contains("verbs_context.sz is " + (VerbsContextDescriptor.SIZE + 8)));
        assertTrue(mismatch(AbiCheck.context(with(-1, VerbsContextDescriptor.SIZE - 8, 0x1000, gid, 3), minor + 1)).contains("sz"));
        assertTrue(mismatch(AbiCheck.context(with(-1, 12, 0x1000, gid, 3), minor - 1)).contains("sz"));
        assertTrue(mismatch(AbiCheck.context(with(-1, VerbsContextDescriptor.SIZE, 0x2000, gid, 3), minor)).contains("ibv_context.device"));
        assertTrue(mismatch(AbiCheck.context(with(-1, VerbsContextDescriptor.SIZE, 0x1000, "/dev/null", 3), minor)).contains("cmd_fd"));
        assertTrue(mismatch(AbiCheck.context(with(-1, VerbsContextDescriptor.SIZE, 0x1000, null, 3), minor)).contains("not an open descriptor"));
        assertTrue(mismatch(AbiCheck.context(with(-1, VerbsContextDescriptor.SIZE, 0x1000, gid, 0), minor)).contains("ops.post_send is NULL"));
    }

    /** What NativeVerbs.facts reads from a context built in memory at IbvLayout's offsets, behind its verbs_context. */
    @Test
    void factsAreReadAtTheDescriptorsOffsets() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment vctx = a.allocate(VerbsContextDescriptor.SIZE, 16);
            MemorySegment ctx = vctx.asSlice(VerbsContextDescriptor.CONTEXT, ContextDescriptor.SIZE);
            vctx.set(ValueLayout.JAVA_LONG, VerbsContextDescriptor.SZ, VerbsContextDescriptor.SIZE);
            ctx.set(ValueLayout.JAVA_LONG, ContextDescriptor.DEVICE, 0xd00dL);
            ctx.set(ValueLayout.JAVA_LONG, ContextDescriptor.ABI_COMPAT, -1L);
            ctx.set(ValueLayout.JAVA_INT, ContextDescriptor.CMD_FD, -1);
            ctx.set(ValueLayout.JAVA_LONG, ContextDescriptor.OPS + ContextOpsDescriptor.POLL_CQ, 11L);
            ctx.set(ValueLayout.JAVA_LONG, ContextDescriptor.OPS + ContextOpsDescriptor.REQ_NOTIFY_CQ, 12L);
            ctx.set(ValueLayout.JAVA_LONG, ContextDescriptor.OPS + ContextOpsDescriptor.POST_SEND, 13L);
            ctx.set(ValueLayout.JAVA_LONG, ContextDescriptor.OPS + ContextOpsDescriptor.POST_RECV, 14L);
            AbiCheck.ContextFacts f = NativeVerbs.facts(MemorySegment.ofAddress(ctx.address()), 0xd00dL);
            assertEquals(-1L, f.abiCompat());
            assertEquals(VerbsContextDescriptor.SIZE, f.verbsContextSz());
            assertEquals(0xd00dL, f.devicePointer());
            assertEquals(Map.of("poll_cq", 11L, "req_notify_cq", 12L, "post_send", 13L, "post_recv", 14L), f.inlineVerbs());
            // cmd_fd -1 is no uverbs descriptor: a context that is not a device's is refused before any call through it.
            String r = mismatch(AbiCheck.context(f, IbvLayout.LIBRARY_ABI_MINOR));
            assertTrue(r.contains("cmd_fd") && r.contains("not an open descriptor"), r);
        }
    }
}
