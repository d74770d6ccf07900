package io.understudy.naming.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.xbill.DNS.Message;

/**
 * A misbehaving DNS server on a UDP socket at 127.0.0.1, for the failure modes a real server will not
 * produce on demand: it hands each query to a function that returns the bytes to send back, or null to stay
 * silent. Counts the queries it received.
 */
final class FakeDnsServer implements AutoCloseable {

    private final DatagramSocket socket;
    private final Thread thread;
    final AtomicInteger queries = new AtomicInteger();

    FakeDnsServer(Function<Message, byte[]> answer) throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = Thread.ofVirtual().name("fake-dns").start(() -> {
            byte[] buf = new byte[4096];
            while (!socket.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                    queries.incrementAndGet();
                    byte[] reply = answer.apply(new Message(java.util.Arrays.copyOf(p.getData(), p.getLength())));
                    if (reply != null) {
                        socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                    }
                } catch (SocketException closed) {
                    return;
                } catch (IOException e) {
                    // a query we cannot parse: ignore it, as a server would
                }
            }
        });
    }

    String server() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
