package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.testkit.AbstractTransportTest;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The transport conformance suite plus what the {@code ib} transport adds to it, for every verbs
 * implementation: subclasses give a context with a shallow receive queue ({@code ib.receiveDepth: 4}) and small
 * buffers, so that frames span many messages and a sender runs out of credit.
 */
abstract class AbstractIbTransportTest extends AbstractTransportTest {

    /** With a depth of 4, 300 frames one way without reading would need 300 receives: the sender must wait for credit. */
    @Test
    void aSenderWaitsForCreditInsteadOfOverrunningTheReceiver() {
        Pair p = connect(server().listen(DataAccessPort.DAFS));
        int count = 300;
        CompletableFuture<Void> sent = start(() -> {
            for (int i = 0; i < count; i++) {
                p.client().send(ByteBuffer.wrap(pattern(i, 1 + i % 700)));
            }
            return null;
        });
        for (int i = 0; i < count; i++) {
            assertArrayEquals(pattern(i, 1 + i % 700), bytes(p.server().receive(patience())), "frame " + i);
        }
        await(sent);
        assertTrue(p.client().isOpen() && p.server().isOpen(), "a queue pair failed: a send found no posted receive");
        exchange(p, 2);
    }
}
