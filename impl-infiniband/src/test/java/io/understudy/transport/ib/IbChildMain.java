package io.understudy.transport.ib;

import io.understudy.api.DataAccessPort;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.nio.ByteBuffer;
import java.time.Duration;

/** The child of {@link IbTwoProcessTest}: listens on the tcp fabric at 127.0.0.1:{@code port}, echoes frames. */
public final class IbChildMain {
    private IbChildMain() {
    }

    /** {@code args}: the DAFS port number. */
    public static void main(String[] args) {
        ProviderContext ctx = ProviderContext.builder().portNumber(DataAccessPort.DAFS, Integer.parseInt(args[0]))
                .setting("ib.fabric", "tcp").setting("ib.bindAddress", "127.0.0.1").setting("ib.bufferSize", "256")
                .setting("ib.receiveDepth", "4").build();
        IbTransportProvider p = new IbTransportProvider(IbOptions.Software.TRUE, () -> Availability.unavailable("child"));
        try (Transport t = p.open(ctx); Listener l = t.listen(DataAccessPort.DAFS)) {
            System.out.println("READY");
            Connection c = l.accept();
            try {
                while (true) {
                    ByteBuffer b = c.receive(Duration.ofSeconds(30));
                    c.send(b);
                }
            } catch (UnderstudyException e) {
                System.out.println("DONE");
            }
        }
    }
}
