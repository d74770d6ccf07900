package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The verbs rules of {@link SoftwareVerbsTest}, on the tcp fabric (loopback), plus its wire decoder. */
class TcpVerbsTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private final TcpVerbs verbs = new TcpVerbs();
    private int port;
    private Verbs.ProtectionDomain a;
    private Verbs.ProtectionDomain b;
    private Verbs.CompletionQueue cqA;
    private Verbs.CompletionQueue cqB;
    private TcpVerbs.Qp qpA;
    private TcpVerbs.Qp qpB;
    private Verbs.MemoryRegion mrA;
    private Verbs.MemoryRegion mrB;

    @BeforeEach
    void connect() throws Exception {
        port = IbTcpFabricTransportTest.freePort();
        a = verbs.allocateDomain("127.0.0.1");
        b = verbs.allocateDomain("127.0.0.1");
        cqA = a.createCompletionQueue(8);
        cqB = b.createCompletionQueue(8);
        qpA = (TcpVerbs.Qp) a.createQueuePair(cqA);
        qpB = (TcpVerbs.Qp) b.createQueuePair(cqB);
        mrA = a.register(64);
        mrB = b.register(64);
        Verbs.CmListener l = b.listen(port);
        CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
            Verbs.ConnectRequest r = l.next(5 * SECOND);
            assertTrue(r.accept(qpB));
        });
        qpA.connect("127.0.0.1", port, 5 * SECOND);
        accepted.get(5, TimeUnit.SECONDS);
        l.close();
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    private static void waitFor(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 5 * SECOND;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 5 s: " + what);
            }
            Thread.onSpinWait();
        }
    }

    /** Collects completions until {@code count} arrived (bounded wait on the completion queue). */
    private static List<String> take(Verbs.CompletionQueue cq, int count) {
        Verbs.WorkCompletion[] wcs = {new Verbs.WorkCompletion(), new Verbs.WorkCompletion(), new Verbs.WorkCompletion()};
        List<String> out = new ArrayList<>();
        long deadline = System.nanoTime() + 5 * SECOND;
        while (out.size() < count) {
            int n = cq.poll(wcs);
            for (int i = 0; i < n; i++) {
                out.add(wcs[i].toString());
            }
            long left = deadline - System.nanoTime();
            if (n == 0) {
                if (left <= 0) {
                    throw new AssertionError("only " + out + " within 5 s, wanted " + count);
                }
                cq.await(left);
            }
        }
        assertEquals(0, cq.poll(wcs), "no more completions than " + out);
        return out;
    }

    @Test
    void aSendLandsInTheFirstPostedReceiveAndCompletesOnBothSides() {
        qpB.postReceive(1, mrB, 0, 32);
        qpB.postReceive(2, mrB, 32, 32);
        waitFor(() -> qpA.advertised() == 2, "two receives advertised");
        mrA.buffer().put(0, new byte[] {1, 2, 3});
        qpA.postSend(9, mrA, 0, 3);
        assertEquals(List.of("SEND wr 9 SUCCESS 3 bytes"), take(cqA, 1));
        assertEquals(List.of("RECEIVE wr 1 SUCCESS 3 bytes"), take(cqB, 1));
        assertEquals(3, mrB.buffer().get(2));
    }

    @Test
    void receivesPostedBeforeConnectAreCreditAtOnce() throws Exception {
        Verbs.QueuePair x = a.createQueuePair(cqA);
        TcpVerbs.Qp y = (TcpVerbs.Qp) b.createQueuePair(cqB);
        int p2 = IbTcpFabricTransportTest.freePort();
        Verbs.CmListener l = b.listen(p2);
        x.postReceive(40, mrA, 0, 8);
        y.postReceive(41, mrB, 0, 8);
        y.postReceive(42, mrB, 8, 8);
        CompletableFuture<Boolean> acc = CompletableFuture.supplyAsync(() -> l.next(5 * SECOND).accept(y));
        x.connect("127.0.0.1", p2, 5 * SECOND);
        assertTrue(acc.get(5, TimeUnit.SECONDS));
        assertEquals(1, y.advertised(), "the acceptor knows the requester's receive when accept returns");
        x.postSend(43, mrA, 0, 8);
        x.postSend(44, mrA, 0, 8);
        assertEquals(List.of("SEND wr 43 SUCCESS 8 bytes", "SEND wr 44 SUCCESS 8 bytes"), take(cqA, 2),
                "the requester may use the acceptor's receives as soon as connect returns");
        assertEquals(List.of("RECEIVE wr 41 SUCCESS 8 bytes", "RECEIVE wr 42 SUCCESS 8 bytes"), take(cqB, 2));
        l.close();
    }

    @Test
    void aSendWithoutAPostedReceiveFailsAndFlushesBothSides() {
        qpA.postReceive(5, mrA, 0, 64);
        qpA.postSend(9, mrA, 0, 3);
        assertEquals(List.of("RECEIVE wr 5 FLUSHED 0 bytes", "SEND wr 9 RNR_RETRY_EXCEEDED 0 bytes"),
                take(cqA, 2).stream().sorted().toList());
        qpB.postReceive(1, mrB, 0, 32);
        waitFor(() -> {
            qpB.postReceive(2, mrB, 0, 32);
            return !take(cqB, 1).isEmpty();
        }, "the peer entered the error state");
    }

    @Test
    void aMessageLongerThanTheReceiveFailsWithALengthError() {
        qpB.postReceive(1, mrB, 0, 8);
        waitFor(() -> qpA.advertised() == 1, "receive advertised");
        qpA.postSend(9, mrA, 0, 16);
        assertEquals(List.of("SEND wr 9 REMOTE_ERROR 0 bytes"), take(cqA, 1));
        assertEquals(List.of("RECEIVE wr 1 LOCAL_LENGTH_ERROR 0 bytes"), take(cqB, 1));
    }

    @Test
    void memoryOfAnotherDomainIsAProtectionError() {
        qpB.postReceive(1, mrB, 0, 32);
        qpA.postSend(9, mrB, 0, 4);
        assertEquals(List.of("SEND wr 9 LOCAL_PROTECTION_ERROR 0 bytes"), take(cqA, 1));
        qpA.postReceive(2, mrA, 0, 8);
        assertEquals(List.of("RECEIVE wr 2 FLUSHED 0 bytes"), take(cqA, 1), "after a protection error the queue pair is in error");
        assertEquals(List.of("RECEIVE wr 1 FLUSHED 0 bytes"), take(cqB, 1), "and so is its peer");
    }

    @Test
    void disconnectFlushesThePeersPostedReceives() {
        qpB.postReceive(1, mrB, 0, 32);
        qpB.postReceive(2, mrB, 32, 32);
        qpA.disconnect();
        assertEquals(List.of("RECEIVE wr 1 FLUSHED 0 bytes", "RECEIVE wr 2 FLUSHED 0 bytes"), take(cqB, 2));
        qpB.postSend(3, mrB, 0, 1);
        assertEquals(List.of("SEND wr 3 FLUSHED 0 bytes"), take(cqB, 1), "a send after disconnect is flushed");
    }

    @Test
    void listeningTwiceOnOnePortIsInUseAndAClosedListenerRefuses() {
        int p2 = IbTcpFabricTransportTest.freePort();
        Verbs.CmListener l = b.listen(p2);
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> b.listen(p2));
        assertEquals(ErrorCode.PORT_IN_USE, e.code());
        assertNull(l.next(1_000_000), "no request yet: next times out with null");
        l.close();
        Verbs.QueuePair q = a.createQueuePair(cqA);
        e = assertThrows(UnderstudyException.class, () -> q.connect("127.0.0.1", p2, SECOND));
        assertEquals(ErrorCode.CONNECTION_REFUSED, e.code(), e.getMessage());
        e = assertThrows(UnderstudyException.class, () -> l.next(0));
        assertEquals(ErrorCode.CLOSED, e.code());
    }

    @Test
    void aRejectedRequestIsRefused() throws Exception {
        int p2 = IbTcpFabricTransportTest.freePort();
        Verbs.CmListener l = b.listen(p2);
        CompletableFuture<Void> rej = CompletableFuture.runAsync(() -> l.next(5 * SECOND).reject());
        Verbs.QueuePair q = a.createQueuePair(cqA);
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> q.connect("127.0.0.1", p2, 5 * SECOND));
        assertEquals(ErrorCode.CONNECTION_REFUSED, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("rejected"), e.getMessage());
        rej.get(5, TimeUnit.SECONDS);
        l.close();
    }

    private static int decode(int... ints) throws IOException {
        byte[] bytes = new byte[ints.length];
        for (int i = 0; i < ints.length; i++) {
            bytes[i] = (byte) ints[i];
        }
        return TcpVerbsWire.decodeAll(new DataInputStream(new ByteArrayInputStream(bytes)));
    }

    @Test
    void theWireDecoderRejectsMalformedInputWithTheReason() throws IOException {
        assertEquals(3, decode(1, 1, '9', 5, 0, 0, 0, 8, 6, 0, 0, 0, 1, 42));
        IOException e = assertThrows(TcpVerbsWire.MalformedException.class, () -> decode(9));
        assertTrue(e.getMessage().contains("unknown message type 9"), e.getMessage());
        e = assertThrows(TcpVerbsWire.MalformedException.class, () -> decode(5, 0, 0, 0, 1));
        assertTrue(e.getMessage().contains("expected HELLO"), e.getMessage());
        e = assertThrows(TcpVerbsWire.MalformedException.class, () -> decode(1, 1, '9', 6, 0x80, 0, 0, 0));
        assertTrue(e.getMessage().contains("outside 0 to"), e.getMessage());
        e = assertThrows(TcpVerbsWire.MalformedException.class, () -> decode(1, 0));
        assertTrue(e.getMessage().contains("address length 0"), e.getMessage());
        e = assertThrows(TcpVerbsWire.MalformedException.class, () -> decode(1, 1, 0x0a));
        assertTrue(e.getMessage().contains("printable"), e.getMessage());
        e = assertThrows(TcpVerbsWire.MalformedException.class, () -> decode(1, 1, '9', 2));
        assertTrue(e.getMessage().contains("after HELLO"), e.getMessage());
        assertThrows(EOFException.class, () -> decode(1, 1, '9', 6, 0, 0, 0, 5, 1));
    }
}
