package io.understudy.examples.fileservice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The test disk keeps DiskIo's contract, so the service's tests mean something. */
class MemoryDiskIoTest {

    private final MemoryDiskIo io = new MemoryDiskIo(DiskId.of("d"), 16);

    @Test
    void writesAdvanceTheSourceAndReadsFillUntilTheEnd() {
        ByteBuffer src = ByteBuffer.wrap(new byte[] {1, 2, 3});
        io.write(13, src);
        assertEquals(0, src.remaining());
        ByteBuffer dst = ByteBuffer.allocate(8);
        assertEquals(3, io.read(13, dst), "only 3 bytes before the end");
        assertEquals(3, dst.position());
        assertEquals(-1, io.read(16, ByteBuffer.allocate(1)));
        assertEquals(16, io.size());
    }

    @Test
    void outOfRangeWritesAreDiskErrors() {
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> io.write(15, ByteBuffer.allocate(2)));
        assertEquals(ErrorCode.DISK_IO, e.code());
        assertEquals(ErrorCode.DISK_IO, assertThrows(UnderstudyException.class, () -> io.write(-1, ByteBuffer.allocate(1))).code());
    }

    @Test
    void fencingFailsWritesAndForcesButNotReads() {
        io.write(0, ByteBuffer.wrap(new byte[] {7}));
        io.fence(true);
        assertEquals(ErrorCode.FENCED, assertThrows(UnderstudyException.class, () -> io.write(0, ByteBuffer.allocate(1))).code());
        assertEquals(ErrorCode.FENCED, assertThrows(UnderstudyException.class, io::force).code());
        ByteBuffer one = ByteBuffer.allocate(1);
        assertEquals(1, io.read(0, one));
        assertEquals(7, one.get(0));
    }

    @Test
    void onlyForcedWritesSurviveACrash() {
        io.write(0, ByteBuffer.wrap(new byte[] {1}));
        io.force();
        io.write(1, ByteBuffer.wrap(new byte[] {2}));
        byte[] crash = io.crashImage();
        assertEquals(1, crash[0]);
        assertEquals(0, crash[1]);
        assertArrayEquals(new byte[] {1, 2}, java.util.Arrays.copyOf(io.image(), 2));
    }
}
