package io.understudy.transport.ib;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;

/**
 * A listening CM identifier for one data-access port. Accepting creates the queue pair, posts its receives,
 * and only then accepts the request, so the client's first send always finds a receive.
 */
final class IbListener implements Listener {

    private final IbTransport transport;
    private final DataAccessPort port;
    private final Verbs.CmListener cm;
    private final String local;
    private volatile boolean closed;

    IbListener(IbTransport transport, DataAccessPort port, Verbs.CmListener cm, String local) {
        this.transport = transport;
        this.port = port;
        this.cm = cm;
        this.local = local;
    }

    @Override
    public DataAccessPort port() {
        return port;
    }

    @Override
    public Connection accept() {
        while (true) {
            if (closed) {
                throw closedError(null);
            }
            Verbs.ConnectRequest req;
            try {
                req = cm.next(0);
            } catch (UnderstudyException e) {
                close();
                throw closedError(e);
            }
            IbConnection c = IbConnection.create(transport, transport.domain(), port);
            if (closed || !req.accept(c.qp())) {
                // The requester gave up, or we closed meanwhile: refuse it and keep no resources.
                req.reject();
                c.close();
                continue;
            }
            return transport.register(c.start(req.peer()));
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        cm.close();
        transport.forget(this);
    }

    @Override
    public String toString() {
        return "ib listener " + port + " on " + local + (closed ? " (closed)" : "");
    }

    private UnderstudyException closedError(Throwable cause) {
        return new UnderstudyException(ErrorCode.CLOSED, "the listener on data-access port " + port + " (RDMA CM " + local
                + ") is closed; listen again to accept connections", cause);
    }
}
