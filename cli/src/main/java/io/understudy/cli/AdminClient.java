package io.understudy.cli;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.cluster.AdminEndpoint;
import io.understudy.config.NodeConfig;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Transport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Sends one admin command to a node and returns its reply (without the {@code ok } prefix). */
final class AdminClient {

    private AdminClient() {
    }

    static String call(Transport transport, NodeConfig node, String command, Duration timeout) {
        try (Connection c = transport.connect(Deployment.adminEndpoint(node), AdminEndpoint.ADMIN, Duration.ofSeconds(2))) {
            c.send(ByteBuffer.wrap(command.getBytes(StandardCharsets.UTF_8)));
            String reply = StandardCharsets.UTF_8.decode(c.receive(timeout)).toString();
            if (reply.startsWith("ok ")) {
                return reply.substring(3);
            }
            throw new UnderstudyException(ErrorCode.ILLEGAL_STATE, node.name() + ": " + command + ": "
                    + (reply.startsWith("error ") ? reply.substring(6) : reply));
        } catch (UnderstudyException e) {
            if (e.code() == ErrorCode.CONNECTION_REFUSED || e.code() == ErrorCode.TIMEOUT) {
                throw new UnderstudyException(e.code(), node.name() + " is not answering on its admin endpoint "
                        + Deployment.adminEndpoint(node) + " (is `understudy node --name " + node.name() + "` running?)", e);
            }
            throw e;
        }
    }
}
