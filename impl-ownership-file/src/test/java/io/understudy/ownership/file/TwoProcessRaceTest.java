package io.understudy.ownership.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.ClaimResult;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.ownership.ReleaseResult;
import io.understudy.api.spi.ProviderContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two OS processes, one node each, preempt each other on the same disk file, round after round. The file
 * locks are the only thing between them: exactly one must win each round, epochs must grow across rounds
 * whoever wins, and the loser's writes must fail while the winner's land.
 */
class TwoProcessRaceTest {

    static final int ROUNDS = 40;
    static final DiskId D0 = DiskId.of("d0");
    static final NodeId PARENT = NodeId.of("FilerP");
    static final NodeId CHILD = NodeId.of("FilerC");

    @TempDir
    Path dir;

    @Test
    void exactlyOneProcessWinsEachRound() throws Exception {
        FileDisks.create(dir, D0, 4096);
        try (OwnershipService parent = new FileOwnershipProvider().open(ProviderContext.builder()
                .nodeName(PARENT.name()).option(FileOwnershipProvider.DIRECTORY, dir.toString()).build());
             DiskIo io = parent.open(D0);
             ChildJvm child = ChildJvm.start(dir.resolve("child.err"), OwnershipChild.class.getName(), dir.toString(), CHILD.name())) {
            assertEquals("ready " + CHILD.name(), child.receive());
            long last = 0;
            int parentWins = 0;
            for (int round = 0; round < ROUNDS; round++) {
                // Who owns the disk when the round starts alternates.
                long start;
                if (round % 2 == 0) {
                    start = assertInstanceOf(ClaimResult.Acquired.class, parent.claim(D0)).epoch();
                } else {
                    child.send("claim");
                    start = epochOf(child.receive(), "Acquired");
                }
                assertTrue(start > last, "round " + round + ": claim epoch " + start + " after " + last);

                // The race. Even rounds: the parent fires right after sending; odd rounds: right after the child says go.
                ClaimResult mine;
                String theirs;
                if (round % 2 == 0) {
                    child.send("preempt " + PARENT.name());
                    mine = parent.preempt(D0, CHILD);
                    theirs = child.receive();
                } else {
                    child.send("go-preempt " + PARENT.name());
                    assertEquals("go", child.receive());
                    mine = parent.preempt(D0, CHILD);
                    theirs = child.receive();
                }
                String where = "round " + round + ": parent " + mine + ", child " + theirs;
                boolean parentWon = mine instanceof ClaimResult.Acquired;
                boolean childWon = theirs.startsWith("Acquired ");
                assertTrue(parentWon ^ childWon, "exactly one process must win; " + where);
                long epoch;
                if (parentWon) {
                    parentWins++;
                    epoch = ((ClaimResult.Acquired) mine).epoch();
                    assertEquals("Fenced " + PARENT.name() + " " + epoch, theirs, where);
                    child.send("fenced");
                    assertEquals("true", child.receive(), where);
                    io.write(0, ByteBuffer.wrap(("parent " + round).getBytes(StandardCharsets.UTF_8)));
                    io.force();
                    child.send("write child " + round);
                    assertTrue(child.receive().startsWith("error FENCED "), where);
                } else {
                    epoch = epochOf(theirs, "Acquired");
                    ClaimResult.Fenced f = assertInstanceOf(ClaimResult.Fenced.class, mine, where);
                    assertEquals(CHILD, f.by(), where);
                    assertEquals(epoch, f.epoch(), where);
                    assertTrue(parent.isFenced(D0), where);
                    child.send("write child " + round);
                    assertEquals("ok", child.receive(), where);
                    UnderstudyException e = assertThrows(UnderstudyException.class,
                            () -> io.write(0, ByteBuffer.wrap("parent".getBytes(StandardCharsets.UTF_8))), where);
                    assertEquals(ErrorCode.FENCED, e.code(), where);
                }
                assertTrue(epoch > start, where + ": the winner's epoch must exceed the round's claim " + start);
                NodeId winner = parentWon ? PARENT : CHILD;
                String pair = "<" + winner.label() + "," + winner.label() + ">";
                assertEquals(pair, parent.state(D0).pair(), where);
                child.send("state");
                assertEquals("state " + pair + " " + epoch, child.receive(), where);
                String text = (parentWon ? "parent " : "child ") + round;
                child.send("read " + text.length());
                assertEquals("data " + text, child.receive(), where + ": both processes read the winner's data");

                if (parentWon) {
                    assertInstanceOf(ReleaseResult.Released.class, parent.release(D0), where);
                } else {
                    child.send("release");
                    assertEquals("Released", child.receive(), where);
                }
                assertEquals("<U,U>", parent.state(D0).pair(), where);
                last = epoch;
            }
            child.send("quit");
            assertEquals(0, child.exitCode(), child.stderr());
            System.out.println("TwoProcessRaceTest: the parent won " + parentWins + " of " + ROUNDS + " rounds; last epoch " + last);
            assertTrue(last >= 2L * ROUNDS, "every round made two acquisitions: " + last);
        }
    }

    private static long epochOf(String line, String kind) {
        assertTrue(line.startsWith(kind + " "), "expected " + kind + " but the child said: " + line);
        return Long.parseLong(line.substring(kind.length() + 1).trim());
    }
}
