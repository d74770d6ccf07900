package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A misbehaving peer, speaking raw verbs to an ib listener: the connection fails with the right code, before allocating. */
class IbWireTest {

    private static final String GID = "fe80:0000:0000:0000:0000:0000:00ee:0001";

    private UnderstudyException receiveAfterRawSend(byte type, byte flags, int frameLength, int payload) throws Exception {
        ProviderContext ctx = ProviderContext.builder().portNumber(DataAccessPort.DAFS, 4300).setting("ib.bindAddress", GID)
                .setting("ib.maxFrameSize", "1000").build();
        try (Transport server = IbSoftwareTransportTest.software().open(ctx)) {
            Listener l = server.listen(DataAccessPort.DAFS);
            CompletableFuture<Connection> accepted = CompletableFuture.supplyAsync(l::accept);
            Verbs.ProtectionDomain pd = SoftwareVerbs.SHARED.allocateDomain("fe80:0000:0000:0000:0000:0000:00ee:0002");
            try {
                Verbs.CompletionQueue cq = pd.createCompletionQueue(4);
                Verbs.QueuePair qp = pd.createQueuePair(cq);
                Verbs.MemoryRegion mr = pd.register(256);
                qp.postReceive(0, mr, 128, 128);
                qp.connect(GID, 4300, TimeUnit.SECONDS.toNanos(5));
                Connection s = accepted.get(5, TimeUnit.SECONDS);
                ByteBuffer b = mr.buffer();
                b.put(IbConnection.H_TYPE, type);
                b.put(IbConnection.H_FLAGS, flags);
                b.putInt(IbConnection.H_CREDITS, 0);
                b.putInt(IbConnection.H_FRAME_LENGTH, frameLength);
                qp.postSend(1, mr, 0, IbConnection.HEADER + payload);
                UnderstudyException e = assertThrows(UnderstudyException.class, () -> s.receive(Duration.ofSeconds(5)));
                assertFalse(s.isOpen(), "the connection stays open after a protocol error");
                return e;
            } finally {
                pd.close();
            }
        }
    }

    @Test
    void aFrameAnnouncedOverTheMaximumIsFrameTooLarge() throws Exception {
        UnderstudyException e = receiveAfterRawSend(IbConnection.TYPE_DATA, (byte) (IbConnection.FLAG_FIRST | IbConnection.FLAG_LAST), 1 << 30, 4);
        assertEquals(ErrorCode.FRAME_TOO_LARGE, e.code(), e.getMessage());
    }

    @Test
    void aContinuationWithoutAFirstMessageIsMalformed() throws Exception {
        UnderstudyException e = receiveAfterRawSend(IbConnection.TYPE_DATA, IbConnection.FLAG_LAST, 0, 4);
        assertEquals(ErrorCode.FRAME_MALFORMED, e.code(), e.getMessage());
    }

    @Test
    void aFrameEndingShortIsMalformed() throws Exception {
        UnderstudyException e = receiveAfterRawSend(IbConnection.TYPE_DATA, (byte) (IbConnection.FLAG_FIRST | IbConnection.FLAG_LAST), 10, 4);
        assertEquals(ErrorCode.FRAME_MALFORMED, e.code(), e.getMessage());
    }
}
