package io.understudy.transport.vi;

import static io.understudy.transport.vi.ViConnectionDescriptor.DISCONNECTED_OFFSET;
import static io.understudy.transport.vi.ViConnectionDescriptor.ERROR_OFFSET;
import static io.understudy.transport.vi.ViConnectionDescriptor.POSTED_OFFSET;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The wire fabric: VIs on different hosts, over TCP. Each end keeps a connection image with the same
 * layout as a shared-memory connection file ({@link ViConnectionDescriptor}) and a bridge that mirrors it
 * to the other end: records the local VI produces are sent as messages and written into the peer's image
 * as if produced there; each side's count of posted receives (the credits), its disconnect and its error
 * words travel the same way. So a {@link Vi} behaves the same on either fabric. On the server host an
 * {@link Agent} listens on a TCP port and, for each incoming request, makes an ordinary shared-memory
 * connection request to its NIC's discriminator (as an anonymous proxy NIC), so refusal, rejection and
 * acceptance are exactly those of the shared-memory fabric. A TCP connection that ends without a
 * disconnect message breaks the VI with {@link ViStatus#CONNECTION_LOST}.
 *
 * <p>Messages (big-endian): handshake {@code MAGIC, discriminator, client NIC, reliability, max transfer};
 * reply {@code status, agreed max transfer}; then {@code RECORD len imm bytes | POSTED long |
 * DISCONNECTED | ERROR status}.
 */
final class ViWire {
    static final int MAGIC = 0x56495731; // "VIW1"
    static final byte RECORD = 1;
    static final byte POSTED = 2;
    static final byte DISCONNECTED = 3;
    static final byte ERROR = 4;

    private ViWire() {
    }

    /**
     * Connects an idle VI to the VI waiting on {@code discriminator} behind the agent at {@code agent}.
     *
     * @return a {@link ViStatus}: SUCCESS, NO_MATCH (nothing listens there or nobody waits), REJECTED, TIMEOUT
     */
    static int connect(Vi vi, InetSocketAddress agent, String discriminator, Duration timeout) {
        if (!vi.isIdle()) {
            return ViStatus.INVALID_PARAMETER;
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            s.connect(agent, ms);
            s.setSoTimeout(ms);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            out.writeInt(MAGIC);
            out.writeUTF(discriminator);
            out.writeUTF(vi.nic().address());
            out.writeInt(vi.attributes().reliability().ordinal());
            out.writeInt(vi.attributes().maxTransferSize());
            out.flush();
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            int status = in.readInt();
            int agreed = in.readInt();
            if (status != ViStatus.SUCCESS) {
                s.close();
                return status;
            }
            if (agreed < 1 || agreed > vi.attributes().maxTransferSize()) {
                s.close();
                return ViStatus.INVALID_PARAMETER;
            }
            s.setSoTimeout(0);
            int capacity = ViConnectionDescriptor.capacityFor(ViNic.RING_RECORDS, agreed);
            ByteBuffer image = ByteBuffer.allocateDirect((int) ViConnectionDescriptor.fileLength(capacity));
            vi.bindWire(image, ViConnectionDescriptor.CLIENT, "wire:" + agent.getHostString() + ":" + agent.getPort(), agreed, capacity);
            new Bridge(image, ViConnectionDescriptor.CLIENT, s, in, out, capacity, agreed, vi.nic().fabric().maxParkNanos(), null).start();
            return ViStatus.SUCCESS;
        } catch (ConnectException e) {
            TransportSupport.closeQuietly(s);
            return ViStatus.NO_MATCH;
        } catch (SocketTimeoutException e) {
            TransportSupport.closeQuietly(s);
            return ViStatus.TIMEOUT;
        } catch (EOFException e) {
            TransportSupport.closeQuietly(s);
            return ViStatus.NO_MATCH;
        } catch (IOException e) {
            TransportSupport.closeQuietly(s);
            throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot reach the VI wire agent at " + agent + ": " + e, e);
        }
    }

    /** Mirrors one connection image to the other end of a TCP connection. */
    static final class Bridge {
        private final ByteBuffer image;
        private final int side;
        private final Socket socket;
        private final DataInputStream in;
        private final DataOutputStream out;
        private final ViRing outgoing;
        private final ViRing incoming;
        private final int mtu;
        private final long maxParkNanos;
        private final Set<Bridge> registry;
        private volatile boolean remoteDisconnected;
        private volatile boolean done;

        Bridge(ByteBuffer image, int side, Socket socket, DataInputStream in, DataOutputStream out, int capacity, int mtu,
               long maxParkNanos, Set<Bridge> registry) {
            this.image = image;
            this.side = side;
            this.socket = socket;
            this.in = in;
            this.out = out;
            this.mtu = mtu;
            this.maxParkNanos = maxParkNanos;
            this.registry = registry;
            this.outgoing = new ViRing(image, ViConnectionDescriptor.ringHeader(side), ViConnectionDescriptor.ringData(side, capacity),
                    capacity, mtu);
            this.incoming = new ViRing(image, ViConnectionDescriptor.ringHeader(1 - side),
                    ViConnectionDescriptor.ringData(1 - side, capacity), capacity, mtu);
        }

        void start() {
            if (registry != null) {
                registry.add(this);
            }
            Thread.ofVirtual().name("vi-wire-out").start(this::pumpOut);
            Thread.ofVirtual().name("vi-wire-in").start(this::pumpIn);
        }

        private void pumpOut() {
            byte[] tmp = new byte[mtu];
            ByteBuffer tb = ByteBuffer.wrap(tmp);
            long lastPosted = -1;
            Idle idle = new Idle(maxParkNanos);
            idle.reset();
            try {
                while (!done) {
                    boolean did = drain(tmp, tb);
                    long posted = (long) ViRing.LONG.getAcquire(image, ViConnectionDescriptor.ringHeader(1 - side) + POSTED_OFFSET);
                    if (posted != lastPosted) {
                        out.writeByte(POSTED);
                        out.writeLong(posted);
                        lastPosted = posted;
                        did = true;
                    }
                    int err = (int) ViRing.INT.getAcquire(image, ERROR_OFFSET + 4 * side);
                    if (err != 0) {
                        out.writeByte(ERROR);
                        out.writeInt(err);
                        out.flush();
                        end();
                        return;
                    }
                    if ((int) ViRing.INT.getAcquire(image, DISCONNECTED_OFFSET + 4 * side) != 0) {
                        drain(tmp, tb);
                        out.writeByte(DISCONNECTED);
                        out.flush();
                        end();
                        return;
                    }
                    if (did) {
                        out.flush();
                        idle.reset();
                    } else {
                        idle.idle();
                    }
                }
            } catch (IOException e) {
                lost();
                end();
            }
        }

        /** Sends every record the local VI has produced; {@return whether there were any} */
        private boolean drain(byte[] tmp, ByteBuffer tb) throws IOException {
            boolean did = false;
            int len;
            while ((len = outgoing.next()) >= 0) {
                int imm = outgoing.immediate();
                outgoing.copyPayload(tb, 0, len);
                out.writeByte(RECORD);
                out.writeInt(len);
                out.writeInt(imm);
                out.write(tmp, 0, len);
                outgoing.advance(len);
                did = true;
            }
            if (len == ViRing.CORRUPT) {
                throw new IOException("the local ring is corrupt");
            }
            return did;
        }

        private void pumpIn() {
            byte[] tmp = new byte[mtu];
            ByteBuffer tb = ByteBuffer.wrap(tmp);
            Idle idle = new Idle(maxParkNanos);
            try {
                while (true) {
                    byte type = in.readByte();
                    switch (type) {
                        case RECORD -> {
                            int len = in.readInt();
                            int imm = in.readInt();
                            if (len < 0 || len > mtu) {
                                throw new IOException("a record of " + len + " bytes over the wire, maximum " + mtu);
                            }
                            in.readFully(tmp, 0, len);
                            idle.reset();
                            while (incoming.offerRaw(tb, 0, len, imm) < 0) {
                                if (done) {
                                    return;
                                }
                                idle.idle();
                            }
                        }
                        case POSTED -> ViRing.LONG.setRelease(image, ViConnectionDescriptor.ringHeader(side) + POSTED_OFFSET, in.readLong());
                        case DISCONNECTED -> {
                            remoteDisconnected = true;
                            ViRing.INT.setRelease(image, DISCONNECTED_OFFSET + 4 * (1 - side), 1);
                        }
                        case ERROR -> ViRing.INT.setRelease(image, ERROR_OFFSET + 4 * (1 - side), in.readInt());
                        default -> throw new IOException("unknown wire message type " + type);
                    }
                }
            } catch (IOException e) {
                if (!done) {
                    lost();
                }
            }
        }

        /** The TCP connection ended without a disconnect: the peer is gone. */
        private void lost() {
            if (!remoteDisconnected) {
                ViRing.INT.compareAndSet(image, ERROR_OFFSET + 4 * (1 - side), 0, ViStatus.CONNECTION_LOST);
            }
        }

        void end() {
            done = true;
            TransportSupport.closeQuietly(socket);
            if (registry != null) {
                registry.remove(this);
            }
        }
    }

    /** Listens on a TCP port for wire connection requests to one NIC. */
    static final class Agent implements AutoCloseable {
        private final ViNic target;
        private final ViNic proxy;
        private final ServerSocket server;
        private final Set<Bridge> bridges = ConcurrentHashMap.newKeySet();
        private volatile boolean closed;

        Agent(ViNic target, ViNic proxy, InetSocketAddress bind) throws IOException {
            this.target = target;
            this.proxy = proxy;
            this.server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(bind);
            Thread.ofVirtual().name("vi-wire-agent-" + target.address()).start(this::acceptLoop);
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            while (!closed) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().name("vi-wire-request").start(() -> handle(s));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void handle(Socket s) {
            try {
                s.setTcpNoDelay(true);
                s.setSoTimeout(10_000);
                DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
                if (in.readInt() != MAGIC) {
                    s.close();
                    return;
                }
                String discriminator = in.readUTF();
                in.readUTF(); // the client's NIC address, for diagnostics
                int rel = in.readInt();
                int mtu = in.readInt();
                if (rel < 0 || rel >= Reliability.values().length || mtu < 1 || mtu > ViAttributes.LIMIT_MAX_TRANSFER_SIZE
                        || discriminator.isEmpty() || discriminator.length() > 64) {
                    s.close();
                    return;
                }
                int capacity = ViConnectionDescriptor.capacityFor(ViNic.RING_RECORDS, mtu);
                MappedByteBuffer[] shared = new MappedByteBuffer[1];
                int status = closed ? ViStatus.NO_MATCH
                        : proxy.request(target.address(), discriminator, Duration.ofSeconds(10), Reliability.values()[rel], mtu, capacity, shared);
                int agreed = status == ViStatus.SUCCESS ? shared[0].getInt(ViConnectionDescriptor.MAX_TRANSFER_OFFSET) : 0;
                out.writeInt(status);
                out.writeInt(agreed);
                out.flush();
                if (status != ViStatus.SUCCESS) {
                    s.close();
                    return;
                }
                s.setSoTimeout(0);
                new Bridge(shared[0], ViConnectionDescriptor.SERVER, s, in, out, capacity, agreed, target.fabric().maxParkNanos(), bridges)
                        .start();
            } catch (IOException | RuntimeException e) {
                TransportSupport.closeQuietly(s);
            }
        }

        /** Stops accepting; bridges end once their VIs disconnect (they forward the disconnect first). */
        @Override
        public void close() {
            closed = true;
            TransportSupport.closeQuietly(server);
        }

        /** Ends every bridge at once (the proxy NIC is going away). */
        void endBridges() {
            for (Bridge b : bridges.toArray(Bridge[]::new)) {
                b.end();
            }
        }

        @Override
        public String toString() {
            return "VI wire agent for NIC " + target.address() + " on TCP " + server.getLocalSocketAddress();
        }
    }
}
