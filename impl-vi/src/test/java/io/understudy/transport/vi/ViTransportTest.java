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
import io.understudy.api.ViEndpoint;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import io.understudy.testkit.AbstractTransportTest;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The conformance suite over the shared-memory fabric, plus the vi transport's own behaviour. */
class ViTransportTest extends AbstractTransportTest {

    static final Path DIR = TestFabric.newDirectory("conformance");
    private static final AtomicInteger NEXT = new AtomicInteger();
    private String nic;

    @Override
    protected TransportProvider provider() {
        return new ViTransportProvider();
    }

    @Override
    protected ProviderContext context() {
        nic = "host" + NEXT.incrementAndGet() + "/nic0";
        return ProviderContext.builder().setting("vi.directory", DIR.toString()).setting("vi.bindAddress", nic)
                .setting("vi.maxTransferSize", "4096").build();
    }

    @Override
    protected Endpoint serverEndpoint() {
        return new ViEndpoint(nic);
    }

    @Override
    protected int largestFrameToAllocate() {
        return 64 << 20;
    }

    @AfterAll
    static void removeFabric() throws IOException {
        ViFabric.deleteTree(DIR);
        assertFalse(Files.exists(DIR), "fabric directory left behind");
    }

    @Test
    void inetEndpointsReachTheNicNamedByTheirAddress() throws Exception {
        ProviderContext ctx = ProviderContext.builder().setting("vi.directory", DIR.toString())
                .setting("vi.bindAddress", "127.0.0.11").build();
        try (Transport node = provider().open(ctx)) {
            Listener l = node.listen(DataAccessPort.PDAF);
            CompletableFuture<Connection> accepted = start(l::accept);
            Connection c = client().connect(InetEndpoint.of(InetAddress.getByName("127.0.0.11")), DataAccessPort.PDAF, patience());
            c.send(ByteBuffer.wrap(new byte[] {7}));
            assertArrayEquals(new byte[] {7}, bytes(await(accepted).receive(patience())));
            assertEquals("vi:127.0.0.11/pDAF", c.peer());
            assertCode(ErrorCode.CONNECTION_REFUSED, () -> client().connect(InetEndpoint.of(InetAddress.getByName("127.0.0.12")),
                    DataAccessPort.PDAF, patience()));
        }
    }

    @Test
    void aNicAddressIsNotReassignedWhileHeld() {
        server().listen(DataAccessPort.DAFS);
        ProviderContext same = ProviderContext.builder().setting("vi.directory", DIR.toString()).setting("vi.bindAddress", nic).build();
        try (Transport squatter = provider().open(same)) {
            UnderstudyException e = assertCode(ErrorCode.PORT_IN_USE, () -> squatter.listen(DataAccessPort.PDAF));
            assertTrue(e.getMessage().contains(nic) && e.getMessage().contains("never reassigned"), e.getMessage());
        }
    }

    @Test
    void perVolumePortsAreDiscriminatorsToo() {
        DataAccessPort vol7 = DataAccessPort.of("vol7");
        Pair p = connect(server().listen(vol7));
        assertEquals(vol7, p.server().port());
        exchange(p, 2);
    }

    @Test
    void framesLargerThanTheTransferSizeAreFragmentedAndFlowControlled() throws Exception {
        Pair p = connect(server().listen(DataAccessPort.DAFS));
        // 40 frames of 100 KiB: 25 fragments each, far beyond the 16 posted receives: credits must flow.
        int count = 40;
        CompletableFuture<Void> sent = start(() -> {
            for (int i = 0; i < count; i++) {
                p.client().send(ByteBuffer.wrap(pattern(i, 100 * 1024)));
            }
            return null;
        });
        for (int i = 0; i < count; i++) {
            assertArrayEquals(pattern(i, 100 * 1024), bytes(p.server().receive(patience())), "frame " + i);
        }
        await(sent);
    }

    @Test
    void closingTheTransportsLeavesNoFilesBehind() throws IOException {
        Pair p = connect(server().listen(DataAccessPort.DAFS));
        exchange(p, 1);
        client().close();
        server().close();
        try (Stream<Path> s = Files.walk(DIR)) {
            assertEquals(0, s.filter(Files::isRegularFile).count(), "files left in the fabric directory");
        }
    }

    @Test
    void badOptionsAreInvalidConfiguration() {
        for (String[] kv : new String[][] {{"vi.maxFrameSize", "-1"}, {"vi.maxTransferSize", "8"}, {"vi.receiveDepth", "1"},
                {"vi.bindAddress", "two words"}, {"vi.maxPark", "5s"}}) {
            ProviderContext bad = ProviderContext.builder().setting("vi.directory", DIR.toString()).setting(kv[0], kv[1]).build();
            UnderstudyException e = assertCode(ErrorCode.INVALID_CONFIGURATION, () -> provider().open(bad));
            assertTrue(e.getMessage().contains(kv[0]), e.getMessage());
        }
    }

    @Test
    void peerFrameOverOurMaximumClosesWithFrameTooLarge() {
        ProviderContext small = ProviderContext.builder().setting("vi.directory", DIR.toString())
                .setting("vi.bindAddress", nic + "-small").setting("vi.maxFrameSize", "16").build();
        try (Transport t = provider().open(small)) {
            Listener l = t.listen(DataAccessPort.DAFS);
            CompletableFuture<Connection> accepted = start(l::accept);
            Connection c = client().connect(new ViEndpoint(nic + "-small"), DataAccessPort.DAFS, patience());
            Connection s = await(accepted);
            c.send(ByteBuffer.allocate(16));
            c.send(ByteBuffer.allocate(17));
            assertEquals(16, s.receive(patience()).remaining());
            UnderstudyException e = assertCode(ErrorCode.FRAME_TOO_LARGE, () -> s.receive(patience()));
            assertTrue(e.getMessage().contains("17 bytes"), e.getMessage());
            assertFalse(s.isOpen());
        }
    }
}
