package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.TransportProvider;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The transport conformance suite on the native verbs, over a real RDMA device (InfiniBand with IPoIB, RoCE, or
 * soft-RoCE {@code rdma_rxe}): both transports bind the device's IP address; frames cross real queue pairs.
 * Small buffers and a shallow receive queue, as in {@link IbSoftwareTransportTest}, so that frames span many
 * messages and senders run out of credit. Tagged {@code rdma-device}: skips with the reason where the native
 * verbs are unavailable ({@code -Dunderstudy.ib.requireDevice=true} fails instead).
 */
@Tag("rdma-device")
class IbNativeTransportTest extends AbstractIbTransportTest {

    private static final AtomicInteger NEXT = new AtomicInteger();
    private String address;

    @Override
    protected TransportProvider provider() {
        NativeVerbs.Probe p = NativeVerbs.probe();
        return new IbTransportProvider(IbOptions.Software.FALSE, p::availability, p::verbs);
    }

    @Override
    protected boolean requireAvailable() {
        return RdmaDevice.required() || super.requireAvailable();
    }

    @Override
    protected ProviderContext context() {
        address = RdmaDevice.addressOrSkip();
        int base = 18000 + 2 * (NEXT.incrementAndGet() % 1000) + (int) (ProcessHandle.current().pid() % 7) * 2000;
        return ProviderContext.builder().portNumber(DataAccessPort.DAFS, base).portNumber(DataAccessPort.PDAF, base + 1)
                .setting("ib.bindAddress", address).setting("ib.bufferSize", "256").setting("ib.receiveDepth", "4")
                .setting("ib.maxFrameSize", Integer.toString(1 << 20)).build();
    }

    @Override
    protected Endpoint serverEndpoint() {
        return InetEndpoint.of(InetAddress.ofLiteral(address));
    }

    @Test
    void runsOnTheNativeVerbs() {
        assertEquals("native", ((IbTransportProvider) provider()).implementation());
        assertTrue(server().toString().contains("native verbs"), server().toString());
    }
}
