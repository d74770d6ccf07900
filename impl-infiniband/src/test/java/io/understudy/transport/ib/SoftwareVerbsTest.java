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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The verbs semantics the transport relies on, checked on the software verbs directly. */
class SoftwareVerbsTest {

    private final SoftwareVerbs verbs = new SoftwareVerbs();
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
        a = verbs.allocateDomain("fe80:0000:0000:0000:0000:0000:0000:00aa");
        b = verbs.allocateDomain("FE80:0000:0000:0000:0000:0000:0000:00BB");
        cqA = a.createCompletionQueue(8);
        cqB = b.createCompletionQueue(8);
        qpA = a.createQueuePair(cqA);
        qpB = b.createQueuePair(cqB);
        mrA = a.register(64);
        mrB = b.register(64);
        Verbs.CmListener l = b.listen(7);
        CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
            Verbs.ConnectRequest r = l.next(TimeUnit.SECONDS.toNanos(5));
            assertTrue(r.accept(qpB));
        });
        qpA.connect("fe80:0000:0000:0000:0000:0000:0000:00bb", 7, TimeUnit.SECONDS.toNanos(5));
        accepted.get(5, TimeUnit.SECONDS);
        l.close();
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    private static List<String> drain(Verbs.CompletionQueue cq) {
        Verbs.WorkCompletion[] wcs = {new Verbs.WorkCompletion(), new Verbs.WorkCompletion(), new Verbs.WorkCompletion()};
        List<String> out = new ArrayList<>();
        int n;
        while ((n = cq.poll(wcs)) > 0) {
            for (int i = 0; i < n; i++) {
                out.add(wcs[i].toString());
            }
        }
        return out;
    }

    @Test
    void aSendLandsInTheFirstPostedReceiveAndCompletesOnBothSides() {
        qpB.postReceive(1, mrB, 0, 32);
        qpB.postReceive(2, mrB, 32, 32);
        mrA.buffer().put(0, new byte[] {1, 2, 3});
        qpA.postSend(9, mrA, 0, 3);
        assertEquals(List.of("SEND wr 9 SUCCESS 3 bytes"), drain(cqA));
        assertEquals(List.of("RECEIVE wr 1 SUCCESS 3 bytes"), drain(cqB));
        assertEquals(3, mrB.buffer().get(2));
    }

    @Test
    void aSendWithoutAPostedReceiveFailsAndFlushesBothSides() {
        qpA.postReceive(5, mrA, 0, 64);
        qpA.postSend(9, mrA, 0, 3);
        assertEquals(List.of("RECEIVE wr 5 FLUSHED 0 bytes", "SEND wr 9 RNR_RETRY_EXCEEDED 0 bytes"), drain(cqA).stream().sorted().toList());
        qpB.postReceive(1, mrB, 0, 32);
        assertEquals(List.of("RECEIVE wr 1 FLUSHED 0 bytes"), drain(cqB), "a queue pair in the error state flushes new receives");
    }

    @Test
    void aMessageLongerThanTheReceiveFailsWithALengthError() {
        qpB.postReceive(1, mrB, 0, 8);
        qpA.postSend(9, mrA, 0, 16);
        assertEquals(List.of("SEND wr 9 REMOTE_ERROR 0 bytes"), drain(cqA));
        assertEquals(List.of("RECEIVE wr 1 LOCAL_LENGTH_ERROR 0 bytes"), drain(cqB));
    }

    @Test
    void memoryOfAnotherDomainIsAProtectionError() {
        qpB.postReceive(1, mrB, 0, 32);
        qpA.postSend(9, mrB, 0, 4);
        assertEquals(List.of("SEND wr 9 LOCAL_PROTECTION_ERROR 0 bytes"), drain(cqA));
        qpA.postReceive(2, mrA, 0, 8);
        assertEquals(List.of("RECEIVE wr 2 FLUSHED 0 bytes"), drain(cqA), "after a protection error the queue pair is in error");
    }

    @Test
    void disconnectFlushesThePeersPostedReceives() {
        qpB.postReceive(1, mrB, 0, 32);
        qpB.postReceive(2, mrB, 32, 32);
        qpA.disconnect();
        assertEquals(List.of("RECEIVE wr 1 FLUSHED 0 bytes", "RECEIVE wr 2 FLUSHED 0 bytes"), drain(cqB));
        qpB.postSend(3, mrB, 0, 1);
        assertEquals(List.of("SEND wr 3 FLUSHED 0 bytes"), drain(cqB), "a send after disconnect is flushed");
    }

    @Test
    void listeningTwiceOnOnePortIsInUseAndAClosedListenerRefuses() {
        Verbs.CmListener l = b.listen(8);
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> b.listen(8));
        assertEquals(ErrorCode.PORT_IN_USE, e.code());
        assertNull(l.next(1_000_000), "no request yet: next times out with null");
        l.close();
        Verbs.QueuePair q = a.createQueuePair(cqA);
        e = assertThrows(UnderstudyException.class, () -> q.connect("fe80:0000:0000:0000:0000:0000:0000:00bb", 8, 1_000_000_000L));
        assertEquals(ErrorCode.CONNECTION_REFUSED, e.code());
        e = assertThrows(UnderstudyException.class, () -> l.next(0));
        assertEquals(ErrorCode.CLOSED, e.code());
    }
}
