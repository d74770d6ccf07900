package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@link Verbs} semantics the transport relies on, on the native verbs and a real device (the counterpart of
 * {@link SoftwareVerbsTest}); completions arrive asynchronously, so each expectation waits, bounded, on the CQ.
 * Also: the probe's context check ran on this device. Tagged {@code rdma-device}: skips with the reason here.
 */
@Tag("rdma-device")
class NativeVerbsDeviceTest {

    private static final AtomicInteger PORTS = new AtomicInteger(19000 + (int) (ProcessHandle.current().pid() % 500) * 4);
    private NativeVerbs.Probe probe;
    private String address;
    private Verbs.ProtectionDomain a;
    private Verbs.ProtectionDomain b;
    private Verbs.CompletionQueue cqA;
    private Verbs.CompletionQueue cqB;
    private Verbs.QueuePair qpA;
    private Verbs.QueuePair qpB;
    private Verbs.MemoryRegion mrA;
    private Verbs.MemoryRegion mrB;

    @BeforeEach
    void connect() throws Exception {
        probe = RdmaDevice.probeOrSkip();
        address = RdmaDevice.addressOrSkip();
        a = probe.verbs().allocateDomain(address);
        b = probe.verbs().allocateDomain(address);
        cqA = a.createCompletionQueue(8);
        cqB = b.createCompletionQueue(8);
        qpA = a.createQueuePair(cqA);
        qpB = b.createQueuePair(cqB);
        mrA = a.register(64);
        mrB = b.register(64);
        int port = PORTS.incrementAndGet();
        Verbs.CmListener l = b.listen(port);
        CompletableFuture<Boolean> accepted = CompletableFuture.supplyAsync(() -> l.next(TimeUnit.SECONDS.toNanos(10)).accept(qpB));
        qpA.connect(address, port, TimeUnit.SECONDS.toNanos(10));
        assertTrue(accepted.get(10, TimeUnit.SECONDS));
        l.close();
    }

    @AfterEach
    void close() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    /** Waits (at most 5 s) for {@code count} completions; {@return them, sorted} */
    private static List<String> drain(Verbs.CompletionQueue cq, int count) {
        Verbs.WorkCompletion[] wcs = {new Verbs.WorkCompletion(), new Verbs.WorkCompletion(), new Verbs.WorkCompletion()};
        List<String> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (out.size() < count && System.nanoTime() < deadline) {
            int n = cq.poll(wcs);
            for (int i = 0; i < n; i++) {
                out.add(wcs[i].toString());
            }
            if (n == 0) {
                cq.await(Math.max(1, deadline - System.nanoTime()));
            }
        }
        return out.stream().sorted().toList();
    }

    @Test
    void theProbeCheckedTheContextOfThisDevice() {
        assertTrue(probe.verbs().description().contains("context: abi_compat extended"), probe.verbs().description());
        assertEquals("native", probe.verbs().implementation());
    }

    @Test
    void aSendLandsInTheFirstPostedReceiveAndCompletesOnBothSides() {
        qpB.postReceive(1, mrB, 0, 32);
        qpB.postReceive(2, mrB, 32, 32);
        mrA.buffer().put(0, new byte[] {1, 2, 3});
        qpA.postSend(9, mrA, 0, 3);
        assertEquals(List.of("RECEIVE wr 1 SUCCESS 3 bytes"), drain(cqB, 1));
        // A send's byte_len is not defined by ibv_wc; its status is.
        List<String> sent = drain(cqA, 1);
        assertEquals(1, sent.size());
        assertTrue(sent.getFirst().startsWith("SEND wr 9 SUCCESS"), sent.toString());
        assertEquals(3, mrB.buffer().get(2));
    }

    @Test
    void aSendWithoutAPostedReceiveFailsWithRnrAndPutsTheSenderInError() {
        qpA.postReceive(5, mrA, 0, 64);
        qpA.postSend(9, mrA, 0, 3);
        assertEquals(List.of("RECEIVE wr 5 FLUSHED 0 bytes", "SEND wr 9 RNR_RETRY_EXCEEDED 0 bytes"), drain(cqA, 2));
    }

    @Test
    void aMessageLongerThanTheReceiveFailsWithALengthError() {
        qpB.postReceive(1, mrB, 0, 8);
        qpA.postSend(9, mrA, 0, 16);
        assertEquals(List.of("RECEIVE wr 1 LOCAL_LENGTH_ERROR 0 bytes"), drain(cqB, 1));
        assertEquals(List.of("SEND wr 9 REMOTE_ERROR 0 bytes"), drain(cqA, 1));
    }

    @Test
    void memoryOfAnotherDomainIsRefusedBeforeTheDevice() {
        qpA.postSend(9, mrB, 0, 4);
        assertEquals(List.of("SEND wr 9 LOCAL_PROTECTION_ERROR 0 bytes"), drain(cqA, 1));
        qpA.postReceive(2, mrA, 0, 8);
        assertEquals(List.of("RECEIVE wr 2 FLUSHED 0 bytes"), drain(cqA, 1), "after a protection error the queue pair is in error");
        qpA.postReceive(3, mrA, 60, 8);
        assertEquals(List.of("RECEIVE wr 3 FLUSHED 0 bytes"), drain(cqA, 1));
    }

    @Test
    void disconnectFlushesThePeersPostedReceives() {
        qpB.postReceive(1, mrB, 0, 32);
        qpB.postReceive(2, mrB, 32, 32);
        qpA.disconnect();
        assertEquals(List.of("RECEIVE wr 1 FLUSHED 0 bytes", "RECEIVE wr 2 FLUSHED 0 bytes"), drain(cqB, 2));
        // The peer's DISCONNECTED event moved qpB to the error state; a send is then flushed (in Java or by the device).
        qpB.postSend(3, mrB, 0, 1);
        assertEquals(List.of("SEND wr 3 FLUSHED 0 bytes"), drain(cqB, 1), "a send after disconnect is flushed");
    }

    @Test
    void listeningTwiceOnOnePortIsInUseAndAClosedListenerRefuses() {
        int port = PORTS.incrementAndGet();
        Verbs.CmListener l = b.listen(port);
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> b.listen(port));
        assertEquals(ErrorCode.PORT_IN_USE, e.code());
        assertNull(l.next(1_000_000), "no request yet: next times out with null");
        l.close();
        Verbs.QueuePair q = a.createQueuePair(cqA);
        e = assertThrows(UnderstudyException.class, () -> q.connect(address, port, TimeUnit.SECONDS.toNanos(5)));
        assertEquals(ErrorCode.CONNECTION_REFUSED, e.code(), e.getMessage());
        e = assertThrows(UnderstudyException.class, () -> l.next(0));
        assertEquals(ErrorCode.CLOSED, e.code());
    }
}
