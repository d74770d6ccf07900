package io.understudy.transport.vi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.TransportProvider;
import io.understudy.testkit.AbstractTransportTest;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite over the wire fabric: the client reaches the server's VI NIC through its wire
 * agent over TCP (as a peer on another host would), with an {@link InetEndpoint} carrying the agent's port.
 */
class ViWireTransportTest extends AbstractTransportTest {

    static final Path DIR = TestFabric.newDirectory("wire");
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private int wirePort;

    @Override
    protected TransportProvider provider() {
        return new ViTransportProvider();
    }

    @Override
    protected ProviderContext context() {
        wirePort = freePort();
        return ProviderContext.builder().setting("vi.directory", DIR.toString())
                .setting("vi.bindAddress", "wirehost" + NEXT.incrementAndGet() + "/nic0").setting("vi.maxTransferSize", "4096")
                .setting("vi.wirePort", String.valueOf(wirePort)).setting("vi.wireAddress", "127.0.0.1").build();
    }

    @Override
    protected Endpoint serverEndpoint() {
        return new InetEndpoint(LOOPBACK, wirePort);
    }

    @AfterAll
    static void removeFabric() {
        ViFabric.deleteTree(DIR);
        assertFalse(Files.exists(DIR));
    }

    @Test
    void connectionsOverTheWireSayTheyAreOnTheWire() {
        Pair p = connect(server().listen(DataAccessPort.DAFS));
        assertTrue(p.client().peer().startsWith("vi-wire:127.0.0.1:" + wirePort), p.client().peer());
        exchange(p, 2);
    }

    @Test
    void aBadHandshakeIsDroppedAndTheAgentCarriesOn() throws IOException {
        server().listen(DataAccessPort.DAFS);
        try (Socket s = new Socket(LOOPBACK, wirePort)) {
            new DataOutputStream(s.getOutputStream()).writeInt(0x12345678);
            s.setSoTimeout(5000);
            assertEquals(-1, s.getInputStream().read(), "the agent did not hang up on a bad handshake");
        }
        Pair p = connect(server().listen(DataAccessPort.PDAF));
        p.client().send(ByteBuffer.wrap(new byte[] {4, 2}));
        assertArrayEquals(new byte[] {4, 2}, bytes(p.server().receive(patience())));
    }

    @Test
    void nothingListeningAtTheWirePortIsRefused() {
        UnderstudyException e = assertCode(ErrorCode.CONNECTION_REFUSED,
                () -> client().connect(new InetEndpoint(LOOPBACK, freePort()), DataAccessPort.DAFS, patience()));
        assertTrue(e.getMessage().contains("nobody waits"), e.getMessage());
    }

    @Test
    void aBigFrameCrossesTheWire() throws Exception {
        Pair p = connect(server().listen(DataAccessPort.DAFS));
        CompletableFuture<Void> sent = start(() -> {
            for (int i = 0; i < 5; i++) {
                p.client().send(ByteBuffer.wrap(pattern(i, 300_000)));
            }
            return null;
        });
        for (int i = 0; i < 5; i++) {
            Connection s = p.server();
            assertArrayEquals(pattern(i, 300_000), bytes(s.receive(patience())), "frame " + i);
        }
        await(sent);
    }

    @Test
    void aPeerVanishingMidRecordOnTheWireIsAnErrorNotAHang() throws Exception {
        var l = server().listen(DataAccessPort.DAFS);
        CompletableFuture<Connection> accepted = start(l::accept);
        try (Socket s = new Socket(LOOPBACK, wirePort)) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(ViWire.MAGIC);
            out.writeUTF("DAFS");
            out.writeUTF("raw/nic0");
            out.writeInt(Reliability.RELIABLE_DELIVERY.ordinal());
            out.writeInt(4096);
            out.flush();
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            assertEquals(ViStatus.SUCCESS, in.readInt());
            assertEquals(4096, in.readInt());
            // Half a record: header claims 100 bytes, 10 arrive, then the connection drops.
            out.writeByte(ViWire.RECORD);
            out.writeInt(100);
            out.writeInt(ViConnection.FIRST | ViConnection.LAST | 100);
            out.write(new byte[10]);
            out.flush();
        }
        Connection server = await(accepted);
        UnderstudyException e = assertCode(ErrorCode.TRANSPORT_IO, () -> server.receive(patience()));
        assertTrue(e.getMessage().contains("CONNECTION_LOST"), e.getMessage());
        assertFalse(server.isOpen());
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
