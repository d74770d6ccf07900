package io.understudy.transport.vi;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import java.time.Duration;

/** A data-access port listened on: a wait on its discriminator at the transport's NIC. */
final class ViListener implements Listener {
    private final ViTransport transport;
    private final DataAccessPort port;
    private final ViNic nic;
    private final DiscriminatorWait wait;

    ViListener(ViTransport transport, DataAccessPort port, ViNic nic, DiscriminatorWait wait) {
        this.transport = transport;
        this.port = port;
        this.nic = nic;
        this.wait = wait;
    }

    @Override
    public DataAccessPort port() {
        return port;
    }

    @Override
    public Connection accept() {
        while (true) {
            ConnectRequest r = wait.connectWait(Duration.ZERO);
            ViConnection c;
            try {
                c = new ViConnection(transport, port, nic, "vi:" + r.remoteNic() + "/" + port);
            } catch (RuntimeException e) {
                r.reject();
                throw e;
            }
            int status = r.accept(c.vi());
            if (status == ViStatus.SUCCESS) {
                return transport.register(c);
            }
            c.close();
            if (!wait.isOpen()) {
                throw new UnderstudyException(ErrorCode.CLOSED, "listener on " + port + " at VI NIC " + nic.address() + " is closed");
            }
        }
    }

    @Override
    public boolean isOpen() {
        return wait.isOpen();
    }

    @Override
    public void close() {
        wait.close();
        transport.forget(this);
    }

    @Override
    public String toString() {
        return "vi listener on " + port + " at NIC " + nic.address() + (isOpen() ? "" : " (closed)");
    }
}
