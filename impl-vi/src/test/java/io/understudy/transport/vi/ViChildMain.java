package io.understudy.transport.vi;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ViEndpoint;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Transport;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The other process of the two-process tests: {@code echo DIR NIC} listens on DAFS at NIC and echoes one
 * connection's frames until it closes; {@code die-mid-frame DIR NIC} connects to DAFS at NIC, sends one
 * frame, then starts a second (its first fragment, then a half-written record in the ring) and halts.
 */
public final class ViChildMain {
    private ViChildMain() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        ProviderContext ctx = ProviderContext.builder().setting("vi.directory", args[1]).setting("vi.bindAddress", args[2])
                .setting("vi.maxTransferSize", "4096").build();
        Transport t = new ViTransportProvider().open(ctx);
        switch (mode) {
            case "echo" -> {
                var l = t.listen(DataAccessPort.DAFS);
                System.out.println("READY");
                Connection c = l.accept();
                try {
                    while (true) {
                        c.send(c.receive(Duration.ZERO));
                    }
                } catch (UnderstudyException e) {
                    System.out.println(e.code() == ErrorCode.CLOSED ? "DONE" : "FAILED " + e);
                }
                t.close();
            }
            case "die-mid-frame" -> {
                ViConnection c = (ViConnection) t.connect(new ViEndpoint(args[2]), DataAccessPort.DAFS, Duration.ofSeconds(10));
                c.send(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                Vi vi = c.vi();
                MemoryHandle m = vi.nic().registerMemory(ByteBuffer.allocateDirect(4096), vi.attributes().protectionTag());
                vi.postSend(new Descriptor(1).segment(m, 0, 4096).immediate(ViConnection.FIRST | 100_000));
                vi.sendWait(Duration.ofSeconds(10));
                vi.outRing().writeUnpublished(4096, (byte) 0x77);
                System.out.println("HALTING");
                System.out.flush();
                Runtime.getRuntime().halt(3);
            }
            default -> throw new IllegalArgumentException(mode);
        }
    }
}
