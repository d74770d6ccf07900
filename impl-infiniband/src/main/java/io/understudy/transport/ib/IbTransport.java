package io.understudy.transport.ib;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.IbEndpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/** The ib {@link Transport}: one protection domain, its listeners and connections. */
final class IbTransport implements Transport {

    private final ProviderContext context;
    private final Verbs verbs;
    private final Verbs.ProtectionDomain pd;
    private final String bindAddress;
    final int maxFrameSize;
    final int bufferSize;
    final int receiveDepth;
    private final Duration connectTimeoutCap;
    private final Map<DataAccessPort, IbListener> listeners = new ConcurrentHashMap<>();
    private final Set<IbConnection> connections = ConcurrentHashMap.newKeySet();
    private final ReentrantLock listenLock = new ReentrantLock();
    private volatile boolean closed;

    IbTransport(ProviderContext context, Verbs verbs, Verbs.ProtectionDomain pd, String bindAddress, int maxFrameSize,
                int bufferSize, int receiveDepth, Duration connectTimeoutCap) {
        this.context = context;
        this.verbs = verbs;
        this.pd = pd;
        this.bindAddress = bindAddress;
        this.maxFrameSize = maxFrameSize;
        this.bufferSize = bufferSize;
        this.receiveDepth = receiveDepth;
        this.connectTimeoutCap = connectTimeoutCap;
    }

    @Override
    public String id() {
        return IbTransportProvider.ID;
    }

    /** {@return the verbs this transport runs on: native or software} */
    String implementation() {
        return verbs.implementation();
    }

    @Override
    public int maxFrameSize() {
        return maxFrameSize;
    }

    @Override
    public Listener listen(DataAccessPort port) {
        Objects.requireNonNull(port, "port");
        int number = mappedNumber(port);
        listenLock.lock();
        try {
            ensureOpen();
            if (listeners.containsKey(port)) {
                throw new UnderstudyException(ErrorCode.PORT_IN_USE, "data-access port " + port + " (RDMA CM port " + number
                        + ") is already listened on by this transport; close its listener first");
            }
            IbListener l = new IbListener(this, port, pd.listen(number), bindAddress + ":" + number);
            listeners.put(port, l);
            return l;
        } finally {
            listenLock.unlock();
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
        String address;
        int number;
        switch (endpoint) {
            case IbEndpoint ib -> {
                address = ib.gid();
                number = mappedNumber(port);
            }
            case InetEndpoint inet -> {
                address = inet.address().getHostAddress();
                number = inet.hasPort() ? inet.port() : mappedNumber(port);
            }
            default -> throw new UnderstudyException(ErrorCode.UNSUPPORTED_ENDPOINT, "the ib transport reaches IbEndpoint and"
                    + " InetEndpoint, not " + endpoint.getClass().getSimpleName() + " (" + endpoint.describe()
                    + "); select a transport for that fabric");
        }
        Duration wait = timeout.compareTo(connectTimeoutCap) < 0 ? timeout : connectTimeoutCap;
        IbConnection c = IbConnection.create(this, pd, port);
        try {
            c.qp().connect(address, number, wait.toNanos());
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return register(c.start(address + ":" + number));
    }

    @Override
    public void close() {
        listenLock.lock();
        try {
            closed = true;
            for (IbListener l : new ArrayList<>(listeners.values())) {
                l.close();
            }
        } finally {
            listenLock.unlock();
        }
        for (IbConnection c : new ArrayList<>(connections)) {
            c.close();
        }
        pd.close();
    }

    @Override
    public String toString() {
        return "ib transport on " + verbs.implementation() + " verbs (bind " + bindAddress + ", listening on " + listeners.keySet()
                + ", " + connections.size() + " connections" + (closed ? ", closed" : "") + ")";
    }

    Verbs.ProtectionDomain domain() {
        return pd;
    }

    IbConnection register(IbConnection c) {
        connections.add(c);
        if (closed) {
            c.close();
            ensureOpen();
        }
        return c;
    }

    void forget(IbConnection c) {
        connections.remove(c);
    }

    void forget(IbListener l) {
        listeners.remove(l.port(), l);
    }

    private int mappedNumber(DataAccessPort port) {
        return context.portNumber(port).orElseThrow(() -> new UnderstudyException(ErrorCode.PORT_NOT_MAPPED,
                "data-access port " + port + " has no RDMA CM port number; map it in the deployment configuration"
                        + " (ports: {" + port + ": NUMBER}) or with ProviderContext.Builder.portNumber; mapped now: "
                        + context.portNumbers()));
    }

    void ensureOpen() {
        if (closed) {
            throw new UnderstudyException(ErrorCode.CLOSED, "this ib transport is closed; open a new one from the provider");
        }
    }
}
