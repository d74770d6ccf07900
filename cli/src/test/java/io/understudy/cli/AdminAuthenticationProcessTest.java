package io.understudy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.config.NodeConfig;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Transport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real {@code understudy node} processes with the key {@link ProcessCluster} generates: an admin
 * {@code takeover} without the key, or with another key, is refused and changes nothing; with the key it
 * works; and a node's secondary port (pDAF) refuses connections until that node is in takeover.
 */
class AdminAuthenticationProcessTest {

    @Test
    void takeoverWithoutTheKeyIsRefusedAndWithItWorks(@TempDir Path dir) throws Exception {
        List<String> ev = new CopyOnWriteArrayList<>();
        try (ProcessCluster c = new ProcessCluster(dir, new Timeline(Instant.now(), System.out), ev)) {
            c.start(Demo.A);
            c.start(Demo.B);
            try {
                await(() -> c.state(Demo.A).equals("NORMAL") && c.state(Demo.B).equals("NORMAL"), "both NORMAL (signed status)");
            } catch (AssertionError e) {
                System.out.println("LOGA " + Files.readString(dir.resolve("FilerA.log")));
                System.out.println("LOGB " + Files.readString(dir.resolve("FilerB.log")));
                try {
                    c.admin(Demo.A, "status");
                } catch (RuntimeException x) {
                    x.printStackTrace(System.out);
                }
                throw e;
            }
            await(() -> c.partnerHeard(Demo.A) && c.partnerHeard(Demo.B), "authenticated heartbeats in both directions");
            NodeConfig a = c.deployment().node(Demo.A);

            // The secondary port is closed on both nodes in normal running.
            try (Transport client = c.deployment().clientTransport()) {
                assertTrue(refuses(client, c.deployment().node(Demo.A), DataAccessPort.PDAF), "A's pDAF before takeover");
                assertTrue(refuses(client, c.deployment().node(Demo.B), DataAccessPort.PDAF), "B's pDAF before takeover");
                assertTrue(!refuses(client, a, DataAccessPort.DAFS), "A serves DAFS");
            }

            // An operator whose configuration has no key (authentication: none) is refused.
            String config = Files.readString(c.config());
            Path noKey = dir.resolve("no-key.yaml");
            Files.writeString(noKey, config.replace("authentication: hmac-sha256", "authentication: none"));
            try (Transport t = Deployment.load(noKey).adminTransport()) {
                UnderstudyException e = assertThrows(UnderstudyException.class,
                        () -> AdminClient.call(t, a, "takeover", Duration.ofSeconds(30)));
                assertEquals(ErrorCode.INTERCONNECT_MESSAGE_REJECTED, e.code());
                assertTrue(e.getMessage().contains("unauthenticated: this node requires signed admin requests"), e.getMessage());
            }
            // So is one with another key.
            byte[] other = new byte[32];
            new SecureRandom().nextBytes(other);
            Files.writeString(dir.resolve("other.key"), Base64.getEncoder().encodeToString(other));
            Path otherKey = dir.resolve("other-key.yaml");
            Files.writeString(otherKey, config.replace("keyFile: cluster.key", "keyFile: other.key"));
            try (Transport t = Deployment.load(otherKey).adminTransport()) {
                UnderstudyException e = assertThrows(UnderstudyException.class,
                        () -> AdminClient.call(t, a, "takeover", Duration.ofSeconds(30)));
                assertTrue(e.getMessage().contains("unauthenticated: signed with key"), e.getMessage());
            }
            assertEquals("NORMAL", c.state(Demo.A));
            assertEquals("NORMAL", c.state(Demo.B));
            assertTrue(ev.stream().noneMatch(e -> e.contains("PLEASE_SHUTDOWN")), "no takeover was started: " + ev);
            assertTrue(Files.readString(dir.resolve(Demo.A + ".log")).contains("refused an admin request"),
                    "the refusal is logged by the node");

            // With the key from the deployment configuration it works.
            assertEquals("IN_TAKEOVER", c.admin(Demo.A, "takeover"));
            try (Transport client = c.deployment().clientTransport()) {
                assertTrue(!refuses(client, a, DataAccessPort.PDAF), "A's pDAF opens in takeover");
                assertTrue(refuses(client, c.deployment().node(Demo.B), DataAccessPort.PDAF), "B's pDAF stays closed");
            }
        }
    }

    private static boolean refuses(Transport client, NodeConfig node, DataAccessPort port) {
        try (Connection conn = client.connect(InetEndpoint.of(node.address()), port, Duration.ofSeconds(2))) {
            return false;
        } catch (UnderstudyException e) {
            return true;
        }
    }

    private static void await(BooleanSupplier c, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            LockSupport.parkNanos(20_000_000);
        }
    }
}
