package io.understudy.cli.chaos;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client transport whose open connections can be closed under their user, as a network drop would: the
 * chaos harness's {@code clientdrop} fault. Everything else is the wrapped transport's.
 *
 * @since 0.1
 */
public final class DroppableTransport implements Transport {

    private final Transport delegate;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();

    /**
     * Wraps a transport; closing this closes it.
     *
     * @param delegate the real transport
     */
    public DroppableTransport(Transport delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** {@return how many open connections were closed} */
    public int dropAll() {
        int n = 0;
        for (Connection c : open) {
            open.remove(c);
            if (c.isOpen()) {
                c.close();
                n++;
            }
        }
        return n;
    }

    @Override
    public String id() {
        return delegate.id();
    }

    @Override
    public Listener listen(DataAccessPort port) {
        return delegate.listen(port);
    }

    @Override
    public Connection connect(Endpoint endpoint, DataAccessPort port, Duration timeout) {
        Connection c = delegate.connect(endpoint, port, timeout);
        open.removeIf(o -> !o.isOpen());
        open.add(c);
        return c;
    }

    @Override
    public int maxFrameSize() {
        return delegate.maxFrameSize();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
