package io.understudy.cli;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.cluster.AdminEndpoint;
import io.understudy.cluster.InterconnectSecurity;
import io.understudy.config.NodeConfig;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Transport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Sends one admin command to a node and returns its reply (without the {@code ok } prefix). Over a
 * {@link KeyedTransport} (what {@link Deployment#adminTransport()} returns) every request is signed with the
 * cluster's key ({@link AdminEndpoint#sign}).
 */
final class AdminClient {

    private AdminClient() {
    }

    /** A transport for admin requests that also carries the key to sign them with; otherwise its delegate. */
    static final class KeyedTransport implements Transport {
        private final Transport delegate;
        final InterconnectSecurity security;

        KeyedTransport(Transport delegate, InterconnectSecurity security) {
            this.delegate = delegate;
            this.security = security;
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
            return delegate.connect(endpoint, port, timeout);
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

    static String call(Transport transport, NodeConfig node, String command, Duration timeout) {
        InterconnectSecurity security = transport instanceof KeyedTransport k ? k.security : InterconnectSecurity.none();
        try (Connection c = transport.connect(Deployment.adminEndpoint(node), AdminEndpoint.ADMIN, Duration.ofSeconds(2))) {
            String request = AdminEndpoint.sign(security, command, System.currentTimeMillis());
            c.send(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            String reply = StandardCharsets.UTF_8.decode(c.receive(timeout)).toString();
            if (reply.startsWith("ok ")) {
                return reply.substring(3);
            }
            String error = reply.startsWith("error ") ? reply.substring(6) : reply;
            throw new UnderstudyException(error.startsWith("unauthenticated:") ? ErrorCode.INTERCONNECT_MESSAGE_REJECTED
                    : ErrorCode.ILLEGAL_STATE, node.name() + ": " + command + ": " + error);
        } catch (UnderstudyException e) {
            if (e.code() == ErrorCode.CONNECTION_REFUSED || e.code() == ErrorCode.TIMEOUT) {
                throw new UnderstudyException(e.code(), node.name() + " is not answering on its admin endpoint "
                        + Deployment.adminEndpoint(node) + " (is `understudy node --name " + node.name() + "` running?)", e);
            }
            throw e;
        }
    }
}
