package io.understudy.examples.fileservice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ownership.DiskId;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class FilePathsTest {

    @Test
    void validPaths() {
        for (String p : new String[] {"a", "readme.txt", "docs/2024/report.pdf", "..a/b..", ".hidden", "€".repeat(85), "x".repeat(255)}) {
            assertNull(FilePaths.problemWith(p), p);
        }
    }

    @Test
    void invalidPathsSayWhy() {
        assertProblem(null, "null");
        assertProblem("", "empty");
        assertProblem("x".repeat(256), "256 bytes in UTF-8, the limit is 255");
        assertProblem("€".repeat(86), "258 bytes");
        assertProblem("a\0b", "NUL");
        assertProblem("/etc/passwd", "starts with '/'");
        assertProblem("a/", "ends with '/'");
        assertProblem("a//b", "empty component");
        assertProblem("a/../b", "'..' component");
        assertProblem("..", "'..' component");
        assertProblem("./a", "'.' component");
        assertProblem("a\uD800b", "unpaired surrogate");
    }

    @Test
    void theClientRefusesABadPathBeforeSendingAnything() {
        FileServiceClient client = new FileServiceClient(request -> {
            throw new AssertionError("nothing may be sent");
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> client.write(DiskId.of("vol0"), "a/../../b", 0, new byte[1]));
        assertEquals("invalid path 'a/../../b': it has a '..' component", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> client.read(DiskId.of("vol0"), "a", -1, 1));
        assertThrows(IllegalArgumentException.class,
                () -> client.write(DiskId.of("vol0"), "a", 0, ByteBuffer.allocate(FileServiceCodec.MAX_DATA + 1)));
    }

    private static void assertProblem(String path, String fragment) {
        String problem = FilePaths.problemWith(path);
        assertTrue(problem != null && problem.contains(fragment), path + " -> " + problem);
    }
}
