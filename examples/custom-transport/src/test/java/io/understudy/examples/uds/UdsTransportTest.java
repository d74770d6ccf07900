package io.understudy.examples.uds;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.TransportProvider;
import io.understudy.testkit.AbstractTransportTest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole transport conformance suite, run for this plugin by subclassing it: three methods say what
 * to test and where. Then a few tests of what only this transport has: its socket files.
 */
class UdsTransportTest extends AbstractTransportTest {

    @TempDir
    Path sockets;

    @Override
    protected TransportProvider provider() {
        return new UdsTransportProvider();
    }

    @Override
    protected ProviderContext context() {
        // No port numbers: this transport maps a data-access port to a file name, not a number.
        return ProviderContext.builder().option(UdsOptions.DIRECTORY, sockets).build();
    }

    @Override
    protected Endpoint serverEndpoint() {
        return InetEndpoint.of(InetAddress.getLoopbackAddress());
    }

    @Test
    void listeningCreatesTheSocketFileAndClosingRemovesIt() {
        Path file = sockets.resolve(InetAddress.getLoopbackAddress().getHostAddress() + "-pDAF.sock");
        Listener l = server().listen(DataAccessPort.PDAF);
        assertTrue(Files.exists(file), "no socket file at " + file);
        l.close();
        assertFalse(Files.exists(file), "socket file left behind at " + file);
    }

    @Test
    void aStaleSocketFileIsReplaced() throws IOException {
        Path file = sockets.resolve(InetAddress.getLoopbackAddress().getHostAddress() + "-DAFS.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(file)); // closing it leaves the file, as a crashed process would
        }
        assertTrue(Files.exists(file));
        Pair p = connect(server().listen(DataAccessPort.DAFS));
        p.client().send(ByteBuffer.wrap(new byte[] {7}));
        assertArrayEquals(new byte[] {7}, bytes(p.server().receive(patience())));
    }

    @Test
    void twoNodesOnOneHostAnswerAsTheirOwnAddresses() throws IOException {
        InetAddress a = InetAddress.getByName("127.0.0.11");
        ProviderContext nodeA = ProviderContext.builder().option(UdsOptions.DIRECTORY, sockets).option(UdsOptions.ADDRESS, a).build();
        try (var transportA = provider().open(nodeA)) {
            Listener la = transportA.listen(DataAccessPort.DAFS);
            server().listen(DataAccessPort.DAFS);
            var accepted = start(la::accept);
            var c = client().connect(InetEndpoint.of(a), DataAccessPort.DAFS, patience());
            c.send(ByteBuffer.wrap(new byte[] {1, 1}));
            assertArrayEquals(new byte[] {1, 1}, bytes(await(accepted).receive(patience())));
            assertTrue(c.peer().contains("127.0.0.11-DAFS.sock"), c.peer());
        }
    }
}
