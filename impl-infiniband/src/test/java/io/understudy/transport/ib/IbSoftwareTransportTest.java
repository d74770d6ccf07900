package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.IbEndpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite on the software verbs, with small buffers and a shallow receive queue so that frames
 * span many messages and senders run out of credit; plus the ib transport's own behaviour.
 */
class IbSoftwareTransportTest extends AbstractIbTransportTest {

    private static final AtomicInteger NEXT = new AtomicInteger();
    private String gid;

    static String gid(int n) {
        return String.format("fe80:0000:0000:0000:0000:0000:%04x:%04x", n >>> 16, n & 0xffff);
    }

    static IbTransportProvider software() {
        return new IbTransportProvider(IbOptions.Software.TRUE, () -> Availability.unavailable("no device in this test"));
    }

    @Override
    protected TransportProvider provider() {
        return software();
    }

    @Override
    protected ProviderContext context() {
        gid = gid(NEXT.incrementAndGet());
        return ProviderContext.builder().portNumber(DataAccessPort.DAFS, 4100).portNumber(DataAccessPort.PDAF, 4101)
                .setting("ib.bindAddress", gid).setting("ib.bufferSize", "256").setting("ib.receiveDepth", "4")
                .setting("ib.maxFrameSize", Integer.toString(1 << 20)).build();
    }

    @Override
    protected Endpoint serverEndpoint() {
        return new IbEndpoint(gid);
    }

    @Test
    void saysItRunsOnTheSoftwareVerbs() {
        assertEquals("software", software().implementation());
        assertTrue(software().toString().contains("verbs: software"), software().toString());
        assertTrue(server().toString().contains("software verbs"), server().toString());
    }

    /** Both sides send many frames at once before reading: the reserved credit lets each return the other's. */
    @Test
    void bothSidesSendingAtOnceDoNotDeadlock() {
        Pair p = connect(server().listen(DataAccessPort.DAFS));
        int count = 200;
        CompletableFuture<Void> a = start(() -> {
            for (int i = 0; i < count; i++) {
                p.client().send(ByteBuffer.wrap(pattern(i, 300)));
            }
            return null;
        });
        CompletableFuture<Void> b = start(() -> {
            for (int i = 0; i < count; i++) {
                p.server().send(ByteBuffer.wrap(pattern(i + 1, 300)));
            }
            return null;
        });
        CompletableFuture<Void> readA = start(() -> {
            for (int i = 0; i < count; i++) {
                assertArrayEquals(pattern(i + 1, 300), bytes(p.client().receive(patience())));
            }
            return null;
        });
        for (int i = 0; i < count; i++) {
            assertArrayEquals(pattern(i, 300), bytes(p.server().receive(patience())));
        }
        await(a);
        await(b);
        await(readA);
    }

    @Test
    void inetEndpointsReachAListenerBoundToAnIpAddress() {
        ProviderContext ctx = ProviderContext.builder().portNumber(DataAccessPort.DAFS, 4200)
                .setting("ib.bindAddress", "127.0.0." + (20 + NEXT.incrementAndGet() % 200)).build();
        try (Transport node = provider().open(ctx); Transport peer = provider().open(ctx)) {
            Listener l = node.listen(DataAccessPort.DAFS);
            CompletableFuture<Connection> accepted = start(l::accept);
            String addr = ctx.option(IbOptions.BIND_ADDRESS);
            Connection c = peer.connect(InetEndpoint.of(InetAddress.ofLiteral(addr)), DataAccessPort.DAFS, patience());
            Connection s = await(accepted);
            c.send(ByteBuffer.wrap(pattern(5, 1000)));
            assertArrayEquals(pattern(5, 1000), bytes(s.receive(patience())));
            assertTrue(c.peer().contains(addr + ":4200"), c.peer());
        }
    }

    @Test
    void aGidWithNoListenerIsRefused() {
        assertCode(ErrorCode.CONNECTION_REFUSED, () -> client().connect(new IbEndpoint(gid(0x7fff_0000)), DataAccessPort.DAFS, patience()));
    }

    @Test
    void invalidOptionsAreRejectedWithTheirNames() {
        var e = assertCode(ErrorCode.INVALID_CONFIGURATION, () -> provider().open(ProviderContext.builder().setting("ib.receiveDepth", "1").build()));
        assertTrue(e.getMessage().contains("ib.receiveDepth"), e.getMessage());
        e = assertCode(ErrorCode.INVALID_CONFIGURATION, () -> provider().open(ProviderContext.builder().setting("ib.bindAddress", "not an address").build()));
        assertTrue(e.getMessage().contains("GID"), e.getMessage());
    }

    @Test
    void withoutSoftwarePermissionTheProviderIsUnavailableWithTheNativeReason() {
        IbTransportProvider p = new IbTransportProvider(IbOptions.Software.FALSE, () -> Availability.unavailable(NativeVerbs.NO_DEVICE));
        assertFalse(p.availability().isAvailable());
        String reason = ((Availability.Unavailable) p.availability()).reason();
        assertTrue(reason.contains(NativeVerbs.NO_DEVICE) && reason.contains("ib.software"), reason);
        assertEquals("none", p.implementation());
        assertCode(ErrorCode.PROVIDER_UNAVAILABLE, () -> p.open(ProviderContext.builder().build()));
        // Configuration may allow the software verbs for one transport.
        try (Transport t = p.open(ProviderContext.builder().setting("ib.software", "auto").setting("ib.bindAddress", gid(0x7ffe_0000)).build())) {
            assertTrue(t.toString().contains("software verbs"), t.toString());
        }
        IbTransportProvider auto = new IbTransportProvider(IbOptions.Software.AUTO, () -> Availability.unavailable(NativeVerbs.NO_DEVICE));
        assertTrue(auto.availability().isAvailable());
        assertEquals("software", auto.implementation());
    }

    @Test
    void receiveResumesAFramePartlyArrivedWhenItTimedOut() {
        Pair p = connect(server().listen(DataAccessPort.DAFS));
        assertCode(ErrorCode.TIMEOUT, () -> p.server().receive(Duration.ofMillis(20)));
        byte[] big = pattern(3, 5000);
        p.client().send(ByteBuffer.wrap(big));
        assertArrayEquals(big, bytes(p.server().receive(patience())));
    }
}
