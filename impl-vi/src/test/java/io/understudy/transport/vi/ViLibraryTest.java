package io.understudy.transport.vi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The VI provider library model on its own: NICs, discriminators, connect/accept/reject with timeout,
 * registered memory and protection tags, descriptors, work and completion queues, reliability levels,
 * disconnect, and bad input (each a clear error on that VI, never corrupted data or a hang).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ViLibraryTest {
    static final Duration PATIENCE = Duration.ofSeconds(5);
    static final int MTU = 1024;

    private Path dir;
    private ViFabric fabric;
    private ViNic server;
    private ViNic client;

    @BeforeEach
    void open() {
        dir = TestFabric.newDirectory("library");
        fabric = ViFabric.sharedMemory(dir, 1_000_000);
        server = fabric.openNic("filerA/nic0");
        client = fabric.openNic("client/nic0");
    }

    @AfterEach
    void close() {
        client.close();
        server.close();
        ViFabric.deleteTree(dir);
    }

    /** A connected pair of VIs with the given reliability, each with its own tag. */
    record Pair(Vi client, Vi server) {
    }

    Pair connect(Reliability r) {
        return connect(r, r, MTU, MTU);
    }

    Pair connect(Reliability cr, Reliability sr, int cmtu, int smtu) {
        try (DiscriminatorWait wait = server.waitOn("DAFS")) {
            Vi sv = server.createVi(new ViAttributes(sr, smtu, server.createProtectionTag()), null, null);
            Vi cv = client.createVi(new ViAttributes(cr, cmtu, client.createProtectionTag()), null, null);
            CompletableFuture<Integer> accepted = CompletableFuture.supplyAsync(() -> wait.connectWait(PATIENCE).accept(sv));
            int status = client.connectRequest(cv, "filerA/nic0", "DAFS", PATIENCE);
            assertEquals(ViStatus.SUCCESS, status, ViStatus.name(status));
            assertEquals(ViStatus.SUCCESS, accepted.join());
            return new Pair(cv, sv);
        }
    }

    static MemoryHandle register(ViNic nic, Vi vi, int size) {
        return nic.registerMemory(ByteBuffer.allocateDirect(size), vi.attributes().protectionTag());
    }

    static Descriptor waitDone(Vi vi, boolean receive) {
        Descriptor d = receive ? vi.receiveWait(PATIENCE) : vi.sendWait(PATIENCE);
        assertNotNull(d, "no " + (receive ? "receive" : "send") + " completion within " + PATIENCE);
        return d;
    }

    // ---- connection management ----

    @Test
    void connectAcceptSendReceiveWithImmediateData() {
        Pair p = connect(Reliability.RELIABLE_DELIVERY);
        assertEquals(Vi.State.CONNECTED, p.client().state());
        assertEquals("client/nic0", p.server().peerNic());
        MemoryHandle rx = register(server, p.server(), 64);
        MemoryHandle tx = register(client, p.client(), 64);
        Descriptor recv = new Descriptor(2).segment(rx, 0, 8).segment(rx, 32, 32);
        assertEquals(ViStatus.SUCCESS, p.server().postReceive(recv));
        tx.region().put(0, "0123456789ab".getBytes());
        assertEquals(ViStatus.SUCCESS, p.client().postSend(new Descriptor(1).segment(tx, 0, 12).immediate(0xcafe)));
        assertEquals(ViStatus.SUCCESS, waitDone(p.client(), false).status());
        Descriptor got = waitDone(p.server(), true);
        assertSame(recv, got);
        assertEquals(ViStatus.SUCCESS, got.status());
        assertEquals(12, got.length());
        assertEquals(0xcafe, got.immediate());
        byte[] first = new byte[8];
        byte[] rest = new byte[4];
        rx.region().get(0, first);
        rx.region().get(32, rest);
        assertArrayEquals("01234567".getBytes(), first, "scattered into the first segment");
        assertArrayEquals("89ab".getBytes(), rest, "then into the second");
    }

    @Test
    void aDiscriminatorNobodyWaitsOnIsRefusedAtOnce() {
        Vi cv = client.createVi(new ViAttributes(Reliability.RELIABLE_DELIVERY, MTU, client.createProtectionTag()), null, null);
        long t0 = System.nanoTime();
        assertEquals(ViStatus.NO_MATCH, client.connectRequest(cv, "filerA/nic0", "pDAF", PATIENCE));
        assertEquals(ViStatus.NO_MATCH, client.connectRequest(cv, "nobody/nic0", "DAFS", PATIENCE));
        assertTrue(System.nanoTime() - t0 < PATIENCE.toNanos() / 2, "refusal waited for the timeout");
        assertEquals(Vi.State.IDLE, cv.state(), "a refused VI stays idle");
    }

    @Test
    void theServerRejects() {
        try (DiscriminatorWait wait = server.waitOn("pDAF")) {
            Vi cv = client.createVi(new ViAttributes(Reliability.RELIABLE_DELIVERY, MTU, client.createProtectionTag()), null, null);
            CompletableFuture<String> rejected = CompletableFuture.supplyAsync(() -> {
                ConnectRequest r = wait.connectWait(PATIENCE);
                r.reject();
                return r.remoteNic() + " " + r.discriminator() + " " + r.reliability();
            });
            assertEquals(ViStatus.REJECTED, client.connectRequest(cv, "filerA/nic0", "pDAF", PATIENCE));
            assertEquals("client/nic0 pDAF RELIABLE_DELIVERY", rejected.join());
        }
    }

    @Test
    void aRequestNobodyDecidesTimesOutAndCannotBeAcceptedAfterwards() {
        try (DiscriminatorWait wait = server.waitOn("DAFS")) {
            Vi cv = client.createVi(new ViAttributes(Reliability.RELIABLE_DELIVERY, MTU, client.createProtectionTag()), null, null);
            long t0 = System.nanoTime();
            assertEquals(ViStatus.TIMEOUT, client.connectRequest(cv, "filerA/nic0", "DAFS", Duration.ofMillis(150)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 140 && ms < 3000, "timed out after " + ms + " ms");
            ConnectRequest late = wait.connectWait(Duration.ofMillis(200));
            if (late != null) {
                Vi sv = server.createVi(new ViAttributes(Reliability.RELIABLE_DELIVERY, MTU, server.createProtectionTag()), null, null);
                assertEquals(ViStatus.TIMEOUT, late.accept(sv), "accepted a request its client abandoned");
            }
        }
    }

    @Test
    void closingTheWaitRefusesQueuedAndLaterRequestsAndWakesTheWaiter() throws Exception {
        DiscriminatorWait wait = server.waitOn("pDAF");
        CompletableFuture<ConnectRequest> waiter = CompletableFuture.supplyAsync(() -> wait.connectWait(Duration.ZERO));
        wait.close();
        Exception e = assertThrows(Exception.class, waiter::join);
        assertTrue(e.getCause() instanceof UnderstudyException u && u.code() == ErrorCode.CLOSED, e.toString());
        Vi cv = client.createVi(new ViAttributes(Reliability.RELIABLE_DELIVERY, MTU, client.createProtectionTag()), null, null);
        assertEquals(ViStatus.NO_MATCH, client.connectRequest(cv, "filerA/nic0", "pDAF", PATIENCE));
        assertEquals(false, Files.exists(server.directory().resolve("d-pDAF")), "the discriminator directory is left");
    }

    @Test
    void aNicAddressCannotBeOpenedTwice() {
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> fabric.openNic("filerA/nic0"));
        assertEquals(ErrorCode.PORT_IN_USE, e.code());
        assertTrue(fabric.isAlive("filerA/nic0"));
        assertTrue(!fabric.isAlive("filerZ/nic0"));
    }

    @Test
    void reliabilityLevelsMustMatch() {
        try (DiscriminatorWait wait = server.waitOn("DAFS")) {
            Vi sv = server.createVi(new ViAttributes(Reliability.UNRELIABLE, MTU, server.createProtectionTag()), null, null);
            Vi cv = client.createVi(new ViAttributes(Reliability.RELIABLE_DELIVERY, MTU, client.createProtectionTag()), null, null);
            CompletableFuture<Integer> accepted = CompletableFuture.supplyAsync(() -> wait.connectWait(PATIENCE).accept(sv));
            assertEquals(ViStatus.REJECTED, client.connectRequest(cv, "filerA/nic0", "DAFS", PATIENCE));
            assertEquals(ViStatus.INVALID_PARAMETER, accepted.join());
        }
    }

    @Test
    void theSmallerMaximumTransferSizeIsAgreed() {
        Pair p = connect(Reliability.RELIABLE_DELIVERY, Reliability.RELIABLE_DELIVERY, 4096, 512);
        assertEquals(512, p.client().maxTransferSize());
        assertEquals(512, p.server().maxTransferSize());
        MemoryHandle tx = register(client, p.client(), 4096);
        MemoryHandle rx = register(server, p.server(), 512);
        p.server().postReceive(new Descriptor(1).segment(rx, 0, 512));
        p.client().postSend(new Descriptor(1).segment(tx, 0, 513));
        assertEquals(ViStatus.LENGTH_ERROR, waitDone(p.client(), false).status(), "over the agreed size, under the client's own");
    }

    // ---- reliability levels: a send with no receive posted ----

    @Test
    void unreliableDropsAMessageWithNoReceivePostedAndCarriesOn() {
        Pair p = connect(Reliability.UNRELIABLE);
        MemoryHandle tx = register(client, p.client(), 64);
        MemoryHandle rx = register(server, p.server(), 64);
        p.client().postSend(new Descriptor(1).segment(tx, 0, 8).immediate(1));
        assertEquals(ViStatus.SUCCESS, waitDone(p.client(), false).status(), "an unreliable send completes when it leaves");
        assertNull(p.server().receiveDone(), "nothing was posted, so nothing completes");
        assertEquals(1, p.server().dropped());
        p.server().postReceive(new Descriptor(1).segment(rx, 0, 64));
        p.client().postSend(new Descriptor(1).segment(tx, 0, 8).immediate(2));
        Descriptor d = waitDone(p.server(), true);
        assertEquals(2, d.immediate(), "the second message arrives; the first was dropped");
        assertEquals(Vi.State.CONNECTED, p.server().state());
    }

    @Test
    void reliableDeliveryBreaksTheConnectionWhenNoReceiveIsPosted() {
        Pair p = connect(Reliability.RELIABLE_DELIVERY);
        MemoryHandle tx = register(client, p.client(), 64);
        p.client().postSend(new Descriptor(1).segment(tx, 0, 8));
        assertEquals(ViStatus.SUCCESS, waitDone(p.client(), false).status(), "delivered to the peer NIC");
        assertNull(p.server().receiveDone());
        assertEquals(Vi.State.ERROR, p.server().state());
        assertEquals(ViStatus.CONNECTION_LOST, p.server().errorStatus());
        Descriptor next = new Descriptor(1).segment(tx, 0, 8);
        p.client().postSend(next);
        assertEquals(ViStatus.CONNECTION_LOST, waitDone(p.client(), false).status(), "the sender learns the connection broke");
        assertEquals(Vi.State.ERROR, p.client().state());
    }

    @Test
    void reliableReceptionCompletesASendOnlyOnceTheDataIsPlaced() {
        Pair p = connect(Reliability.RELIABLE_RECEPTION);
        MemoryHandle tx = register(client, p.client(), 64);
        MemoryHandle rx = register(server, p.server(), 64);
        p.server().postReceive(new Descriptor(1).segment(rx, 0, 64));
        p.client().postSend(new Descriptor(1).segment(tx, 0, 16));
        assertNull(p.client().sendDone(), "completed before the receiver placed the data");
        assertEquals(ViStatus.SUCCESS, waitDone(p.server(), true).status());
        assertEquals(ViStatus.SUCCESS, waitDone(p.client(), false).status());
    }

    // ---- bad input ----

    @Test
    void aSegmentOutsideRegisteredMemoryIsAProtectionError() {
        Pair p = connect(Reliability.RELIABLE_DELIVERY);
        MemoryHandle tx = register(client, p.client(), 64);
        p.client().postSend(new Descriptor(1).segment(tx, 60, 8));
        assertEquals(ViStatus.PROTECTION_ERROR, waitDone(p.client(), false).status());
        assertEquals(Vi.State.ERROR, p.client().state(), "a reliable VI breaks on a descriptor error");
        assertEquals(ViStatus.PROTECTION_ERROR, p.client().errorStatus());
        assertNull(p.server().receiveDone());
        assertEquals(Vi.State.ERROR, p.server().state(), "the peer is told");
    }

    @Test
    void aWrongProtectionTagIsRefused() {
        Pair p = connect(Reliability.UNRELIABLE);
        MemoryHandle foreign = client.registerMemory(ByteBuffer.allocateDirect(64), client.createProtectionTag());
        p.client().postSend(new Descriptor(1).segment(foreign, 0, 8));
        assertEquals(ViStatus.PTAG_MISMATCH, waitDone(p.client(), false).status());
        MemoryHandle otherNic = server.registerMemory(ByteBuffer.allocateDirect(64), server.createProtectionTag());
        p.client().postSend(new Descriptor(1).segment(otherNic, 0, 8));
        assertEquals(ViStatus.PROTECTION_ERROR, waitDone(p.client(), false).status(), "memory of another NIC");
        assertEquals(Vi.State.CONNECTED, p.client().state(), "an unreliable VI carries on");
        assertEquals(0, p.server().dropped(), "nothing was sent");
    }

    @Test
    void deregisteredMemoryIsAProtectionError() {
        Pair p = connect(Reliability.UNRELIABLE);
        MemoryHandle tx = register(client, p.client(), 64);
        client.deregisterMemory(tx);
        p.client().postSend(new Descriptor(1).segment(tx, 0, 8));
        assertEquals(ViStatus.PROTECTION_ERROR, waitDone(p.client(), false).status());
    }

    @Test
    void anOversizedTransferIsALengthError() {
        Pair p = connect(Reliability.RELIABLE_DELIVERY);
        MemoryHandle tx = register(client, p.client(), 4 * MTU);
        p.client().postSend(new Descriptor(1).segment(tx, 0, MTU + 1));
        assertEquals(ViStatus.LENGTH_ERROR, waitDone(p.client(), false).status());
        assertEquals(Vi.State.ERROR, p.client().state());
    }

    @Test
    void aMessageLargerThanTheReceiveBufferIsALengthErrorNotAnOverrun() {
        Pair p = connect(Reliability.RELIABLE_DELIVERY);
        MemoryHandle tx = register(client, p.client(), 64);
        ByteBuffer small = ByteBuffer.allocateDirect(16);
        MemoryHandle rx = server.registerMemory(small, p.server().attributes().protectionTag());
        p.server().postReceive(new Descriptor(1).segment(rx, 0, 8));
        tx.region().put(0, new byte[64]);
        for (int i = 8; i < 16; i++) {
            small.put(i, (byte) 0x5a);
        }
        p.client().postSend(new Descriptor(1).segment(tx, 0, 12));
        assertEquals(ViStatus.LENGTH_ERROR, waitDone(p.server(), true).status());
        for (int i = 8; i < 16; i++) {
            assertEquals(0x5a, small.get(i), "byte " + i + " past the descriptor was overwritten");
        }
        assertEquals(Vi.State.ERROR, p.server().state());
    }

    @Test
    void aCorruptRingIsAnErrorOnThatViNotData() {
        Pair p = connect(Reliability.RELIABLE_DELIVERY);
        MemoryHandle rx = register(server, p.server(), MTU);
        p.server().postReceive(new Descriptor(1).segment(rx, 0, MTU));
        p.client().outRing().publishBogus(1 << 20);
        assertEquals(ViStatus.CONNECTION_LOST, waitDone(p.server(), true).status());
        assertEquals(Vi.State.ERROR, p.server().state());
    }

    @Test
    void aHalfWrittenRecordIsNeverSeen() {
        Pair p = connect(Reliability.RELIABLE_DELIVERY);
        MemoryHandle rx = register(server, p.server(), MTU);
        p.server().postReceive(new Descriptor(1).segment(rx, 0, MTU));
        p.client().outRing().writeUnpublished(100, (byte) 7);
        assertNull(p.server().receiveWait(Duration.ofMillis(50)), "an unpublished record was delivered");
        assertEquals(Vi.State.CONNECTED, p.server().state());
    }

    // ---- completion queues and disconnect ----

    @Test
    void aCompletionQueueReportsWhichViCompleted() {
        CompletionQueue cq = server.createCompletionQueue();
        Vi a;
        Vi b;
        try (DiscriminatorWait wait = server.waitOn("DAFS")) {
            a = server.createVi(new ViAttributes(Reliability.RELIABLE_DELIVERY, MTU, server.createProtectionTag()), null, cq);
            b = server.createVi(new ViAttributes(Reliability.RELIABLE_DELIVERY, MTU, server.createProtectionTag()), null, cq);
            Vi ca = client.createVi(new ViAttributes(Reliability.RELIABLE_DELIVERY, MTU, client.createProtectionTag()), null, null);
            Vi cb = client.createVi(new ViAttributes(Reliability.RELIABLE_DELIVERY, MTU, client.createProtectionTag()), null, null);
            for (Vi[] pair : new Vi[][] {{ca, a}, {cb, b}}) {
                Vi sv = pair[1];
                CompletableFuture<Integer> acc = CompletableFuture.supplyAsync(() -> wait.connectWait(PATIENCE).accept(sv));
                assertEquals(ViStatus.SUCCESS, client.connectRequest(pair[0], "filerA/nic0", "DAFS", PATIENCE));
                assertEquals(ViStatus.SUCCESS, acc.join());
            }
            b.postReceive(new Descriptor(1).segment(register(server, b, 64), 0, 64));
            a.postReceive(new Descriptor(1).segment(register(server, a, 64), 0, 64));
            assertNull(cq.poll(), "nothing arrived yet");
            cb.postSend(new Descriptor(1).segment(register(client, cb, 8), 0, 8));
            CompletionQueue.Entry e = cq.await(PATIENCE);
            assertNotNull(e);
            assertSame(b, e.vi());
            assertTrue(e.receive());
            assertEquals(ViStatus.SUCCESS, b.receiveDone().status());
            assertNull(a.receiveDone());
        }
    }

    @Test
    void disconnectFlushesLocallyAndTellsThePeer() {
        Pair p = connect(Reliability.RELIABLE_DELIVERY);
        Descriptor mine = new Descriptor(1).segment(register(client, p.client(), 64), 0, 64);
        Descriptor theirs = new Descriptor(1).segment(register(server, p.server(), 64), 0, 64);
        p.client().postReceive(mine);
        p.server().postReceive(theirs);
        p.client().disconnect();
        assertEquals(ViStatus.FLUSHED, p.client().receiveDone().status());
        assertEquals(Vi.State.DISCONNECTED, p.client().state());
        assertEquals(ViStatus.DISCONNECTED, waitDone(p.server(), true).status());
        assertEquals(Vi.State.DISCONNECTED, p.server().state());
        assertEquals(ViStatus.INVALID_PARAMETER, p.client().postSend(new Descriptor(1)), "posting to a disconnected VI");
    }

    @Test
    void dataSentBeforeADisconnectIsStillDelivered() {
        Pair p = connect(Reliability.RELIABLE_DELIVERY);
        MemoryHandle rx = register(server, p.server(), 64);
        p.server().postReceive(new Descriptor(1).segment(rx, 0, 64));
        p.server().postReceive(new Descriptor(1).segment(rx, 0, 64));
        p.client().postSend(new Descriptor(1).segment(register(client, p.client(), 8), 0, 8).immediate(42));
        waitDone(p.client(), false);
        p.client().disconnect();
        Descriptor d = waitDone(p.server(), true);
        assertEquals(ViStatus.SUCCESS, d.status());
        assertEquals(42, d.immediate());
        assertEquals(ViStatus.DISCONNECTED, waitDone(p.server(), true).status());
    }
}
