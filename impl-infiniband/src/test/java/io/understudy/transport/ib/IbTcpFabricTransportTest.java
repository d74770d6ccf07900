package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.IbEndpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The conformance suite on the software verbs over the tcp fabric (loopback), small buffers, shallow receive queue. */
class IbTcpFabricTransportTest extends AbstractIbTransportTest {

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ProviderContext.Builder tcpFabric(String bind) {
        return ProviderContext.builder().portNumber(DataAccessPort.DAFS, freePort()).portNumber(DataAccessPort.PDAF, freePort())
                .setting("ib.fabric", "tcp").setting("ib.bindAddress", bind).setting("ib.bufferSize", "256")
                .setting("ib.receiveDepth", "4").setting("ib.maxFrameSize", Integer.toString(1 << 20));
    }

    private ProviderContext shared;

    @Override
    protected TransportProvider provider() {
        return IbSoftwareTransportTest.software();
    }

    @Override
    protected ProviderContext context() {
        // server and client must agree on the port numbers: one context per test, made on first use
        if (shared == null) {
            shared = tcpFabric("127.0.0.1").build();
        }
        return shared;
    }

    @Override
    protected Endpoint serverEndpoint() {
        return InetEndpoint.of(InetAddress.getLoopbackAddress());
    }

    @Test
    void aGidBindAddressIsRefusedWithTheReason() {
        UnderstudyException e = assertCode(ErrorCode.INVALID_CONFIGURATION,
                () -> provider().open(tcpFabric(IbSoftwareTransportTest.gid(7)).build()));
        assertTrue(e.getMessage().contains("IP addresses only"), e.getMessage());
    }

    @Test
    void aGidEndpointIsRefusedWithTheReason() {
        UnderstudyException e = assertCode(ErrorCode.CONNECTION_REFUSED,
                () -> client().connect(new IbEndpoint(IbSoftwareTransportTest.gid(8)), DataAccessPort.DAFS, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("GID"), e.getMessage());
    }

    @Test
    void anUnknownFabricIsAConfigurationError() {
        assertCode(ErrorCode.INVALID_CONFIGURATION,
                () -> provider().open(ProviderContext.builder().setting("ib.fabric", "udp").build()));
    }

    @Test
    void runsOnTheSoftwareVerbs() {
        Transport t = server();
        assertEquals("software", ((IbTransport) t).implementation());
    }
}
