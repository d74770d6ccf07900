package io.understudy.transport.vi;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ViEndpoint;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The VI {@link Transport}: listeners wait on discriminators at this transport's NIC; connections are
 * VIs with reliable delivery. It keeps every listener, connection and NIC it made so {@link #close()}
 * closes them all.
 */
final class ViTransport implements Transport {

    private final ViFabric fabric;
    private final String bindAddress;
    private final int maxFrameSize;
    private final int maxTransfer;
    private final int depth;
    private final Duration connectTimeoutCap;
    private final Map<DataAccessPort, ViListener> listeners = new ConcurrentHashMap<>();
    private final Set<ViConnection> connections = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private ViNic boundNic;
    private ViNic anonymousNic;
    private volatile boolean closed;

    private final InetSocketAddress wireAddress;
    private ViWire.Agent agent;
    private ViNic proxyNic;

    ViTransport(ViFabric fabric, String bindAddress, int maxFrameSize, int maxTransfer, int depth, Duration connectTimeoutCap,
                InetSocketAddress wireAddress) {
        this.wireAddress = wireAddress;
        this.fabric = fabric;
        this.bindAddress = bindAddress;
        this.maxFrameSize = maxFrameSize;
        this.maxTransfer = maxTransfer;
        this.depth = depth;
        this.connectTimeoutCap = connectTimeoutCap;
    }

    @Override
    public String id() {
        return ViTransportProvider.ID;
    }

    @Override
    public int maxFrameSize() {
        return maxFrameSize;
    }

    int maxTransfer() {
        return maxTransfer;
    }

    int depth() {
        return depth;
    }

    @Override
    public Listener listen(DataAccessPort port) {
        Objects.requireNonNull(port, "port");
        lock.lock();
        try {
            ensureOpen();
            if (listeners.containsKey(port)) {
                throw new UnderstudyException(ErrorCode.PORT_IN_USE, "data-access port " + port + " (VI discriminator at NIC "
                        + bindAddress + ") is already listened on by this transport; close its listener first");
            }
            if (boundNic == null) {
                boundNic = fabric.openNic(bindAddress);
            }
            if (wireAddress != null && agent == null) {
                proxyNic = fabric.openAnonymousNic();
                try {
                    agent = new ViWire.Agent(boundNic, proxyNic, wireAddress);
                } catch (IOException e) {
                    proxyNic.close();
                    proxyNic = null;
                    throw new UnderstudyException(ErrorCode.PORT_IN_USE, "cannot start the VI wire agent on TCP " + wireAddress
                            + " (" + e.getMessage() + "); stop what holds it or set another " + ViOptions.WIRE_PORT.name(), e);
                }
            }
            DiscriminatorWait wait = boundNic.waitOn(port.name());
            ViListener l = new ViListener(this, port, boundNic, wait);
            listeners.put(port, l);
            return l;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Connection connect(Endpoint endpoint, DataAccessPort port, Duration timeout) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive, got " + timeout);
        }
        ensureOpen();
        String remote = switch (endpoint) {
            case ViEndpoint v -> v.nicAddress();
            case InetEndpoint i -> i.address().getHostAddress();
            default -> throw new UnderstudyException(ErrorCode.UNSUPPORTED_ENDPOINT, "the vi transport reaches ViEndpoint and"
                    + " InetEndpoint, not " + endpoint.getClass().getSimpleName() + " (" + endpoint.describe() + ")");
        };
        ViNic nic = outgoingNic();
        Duration wait = timeout.compareTo(connectTimeoutCap) < 0 ? timeout : connectTimeoutCap;
        InetSocketAddress wire = endpoint instanceof InetEndpoint i && i.hasPort() ? i.socketAddress(InetEndpoint.NO_PORT) : null;
        if (wire != null) {
            remote = endpoint.describe() + " (wire)";
        }
        ViConnection c = new ViConnection(this, port, nic, (wire != null ? "vi-wire:" : "vi:") + (wire != null ? endpoint.describe() : remote) + "/" + port);
        int status;
        try {
            status = wire != null ? ViWire.connect(c.vi(), wire, port.name(), wait) : nic.connectRequest(c.vi(), remote, port.name(), wait);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        String where = "discriminator " + port + " at VI NIC " + remote;
        switch (status) {
            case ViStatus.SUCCESS -> {
                return register(c);
            }
            case ViStatus.NO_MATCH -> {
                c.close();
                throw new UnderstudyException(ErrorCode.CONNECTION_REFUSED, "nobody waits on " + where
                        + "; the port is closed there, or the server is down");
            }
            case ViStatus.REJECTED -> {
                c.close();
                throw new UnderstudyException(ErrorCode.CONNECTION_REFUSED, "the server rejected the connection to " + where
                        + "; the port closed while the request waited");
            }
            case ViStatus.TIMEOUT -> {
                c.close();
                throw new UnderstudyException(ErrorCode.TIMEOUT, "connecting to " + where + " took longer than " + wait.toMillis()
                        + " ms; the server may be too busy to accept");
            }
            default -> {
                c.close();
                throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot connect to " + where + ": " + ViStatus.name(status));
            }
        }
    }

    private ViNic outgoingNic() {
        lock.lock();
        try {
            ensureOpen();
            if (boundNic != null) {
                return boundNic;
            }
            if (anonymousNic == null) {
                anonymousNic = fabric.openAnonymousNic();
            }
            return anonymousNic;
        } finally {
            lock.unlock();
        }
    }

    ViConnection register(ViConnection c) {
        connections.add(c);
        if (closed) {
            c.close();
            ensureOpen();
        }
        return c;
    }

    void forget(ViConnection c) {
        connections.remove(c);
    }

    void forget(ViListener l) {
        listeners.remove(l.port(), l);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (ViListener l : new ArrayList<>(listeners.values())) {
                l.close();
            }
        } finally {
            lock.unlock();
        }
        for (ViConnection c : new ArrayList<>(connections)) {
            c.close();
        }
        lock.lock();
        try {
            if (agent != null) {
                agent.close();
            }
            if (proxyNic != null) {
                proxyNic.close();
            }
            if (boundNic != null) {
                boundNic.close();
            }
            if (anonymousNic != null) {
                anonymousNic.close();
            }
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new UnderstudyException(ErrorCode.CLOSED, "this vi transport is closed; open a new one from the provider");
        }
    }

    @Override
    public String toString() {
        return "vi transport (NIC " + bindAddress + ", " + fabric + ", listening on " + listeners.keySet() + ", "
                + connections.size() + " connections" + (closed ? ", closed" : "") + ")";
    }
}
