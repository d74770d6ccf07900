package io.understudy.examples.fileservice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The extent map against a plain byte array, with random overlapping writes. */
class FileNodeTest {

    @Test
    void overlappingWritesReadBackLikeAByteArray() {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("FileNodeTest seed " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        Random r = new Random(seed);
        for (int round = 0; round < 50; round++) {
            byte[] expected = new byte[256];
            int size = 0;
            byte[] disk = new byte[64 * 1024];
            int diskEnd = 0;
            FileNode node = new FileNode();
            for (int w = 0; w < 40; w++) {
                int off = r.nextInt(200);
                int len = r.nextInt(Math.min(56, expected.length - off));
                byte[] data = new byte[len];
                r.nextBytes(data);
                System.arraycopy(data, 0, disk, diskEnd, len); // the log: appended, never rewritten
                node.write(off, len, diskEnd);
                diskEnd += len;
                System.arraycopy(data, 0, expected, off, len);
                if (len > 0) {
                    size = Math.max(size, off + len);
                }
                assertEquals(size, node.size(), "seed " + seed);

                int from = r.nextInt(size + 1);
                int n = r.nextInt(size - from + 1);
                byte[] got = new byte[n];
                for (FileNode.Piece p : node.pieces(from, n)) {
                    System.arraycopy(disk, (int) p.diskPosition(), got, p.bufferOffset(), p.length());
                }
                assertArrayEquals(Arrays.copyOfRange(expected, from, from + n), got, "seed " + seed + " round " + round);
            }
            assertTrue(node.extentCount() <= 2 * 40 + 1, "extents do not pile up: " + node.extentCount());
        }
    }

    @Test
    void aWriteInsideAnExtentSplitsIt() {
        FileNode node = new FileNode();
        node.write(0, 10, 1000);
        node.write(3, 2, 2000);
        assertEquals(3, node.extentCount());
        assertEquals(java.util.List.of(
                new FileNode.Piece(0, 3, 1000), new FileNode.Piece(3, 2, 2000), new FileNode.Piece(5, 5, 1005)),
                node.pieces(0, 10));
        node.write(0, 10, 3000);
        assertEquals(1, node.extentCount(), "a covering write replaces all three");
    }
}
