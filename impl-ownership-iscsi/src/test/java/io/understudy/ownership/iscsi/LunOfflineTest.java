package io.understudy.ownership.iscsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.ClaimResult;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.api.spi.ProviderContext;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What tgtd really does to a disk in use when its LUN is taken offline or write-protected, through the
 * provider, with the backing file as the witness: the disk-error injectors the namespace and chaos tests need.
 */
class LunOfflineTest {

    private static final DiskId D0 = DiskId.of("d0");

    @TempDir
    Path dir;

    private static IscsiOwnershipService open(Tgtd.Target target, String node) {
        return (IscsiOwnershipService) new IscsiOwnershipProvider().open(ProviderContext.builder()
                .nodeName(node).option(IscsiOwnershipProvider.DISKS, target.disks()).build());
    }

    @Test
    void onlineZeroRefusesNewSessionsButNotTheCommandsOfOneLoggedIn() throws Exception {
        Tgtd tgtd = Tgtd.get();
        try (Tgtd.Target target = tgtd.newTarget(dir, 1, 1 << 20);
             IscsiOwnershipService s = open(target, "FilerA")) {
            assertInstanceOf(ClaimResult.Acquired.class, s.claim(D0));
            DiskIo io = s.open(D0);
            target.online(1, false);
            try {
                io.write(512, ascii("during"));
                io.force();
                assertArrayEquals("during".getBytes(StandardCharsets.US_ASCII), backing(target, 512, 6),
                        "tgt 1.0.85 checks online only in TEST UNIT READY: a logged-in session's WRITE lands");
                UnderstudyException e = assertThrows(UnderstudyException.class, () -> open(target, "FilerB").close());
                System.out.println("LunOfflineTest: a new session while offline: " + e.getMessage());
                assertEquals(ErrorCode.DISK_IO, e.code(), e.getMessage());
                assertTrue(e.getMessage().contains("NOT READY"), e.getMessage());
            } finally {
                target.online(1, true);
            }
            io.close();
        }
    }

    @Test
    void readonlyFailsTheWritesOfALoggedInSessionWithDiskIoAndTheDiskWritesAgainAfter() throws Exception {
        Tgtd tgtd = Tgtd.get();
        try (Tgtd.Target target = tgtd.newTarget(dir, 1, 1 << 20);
             IscsiOwnershipService s = open(target, "FilerA")) {
            assertInstanceOf(ClaimResult.Acquired.class, s.claim(D0));
            DiskIo io = s.open(D0);
            io.write(0, ascii("before"));
            io.force();
            target.readonly(1, true);
            try {
                UnderstudyException e = assertThrows(UnderstudyException.class, () -> io.write(512, ascii("during")));
                System.out.println("LunOfflineTest: write while read-only: " + e.getMessage());
                assertEquals(ErrorCode.DISK_IO, e.code(), e.getMessage());
            } finally {
                target.readonly(1, false);
            }
            io.write(1024, ascii("after"));
            io.force();
            assertArrayEquals(new byte[6], backing(target, 512, 6), "nothing written while read-only landed");
            assertArrayEquals("after".getBytes(StandardCharsets.US_ASCII), backing(target, 1024, 5), "the same disk writes again");
            io.close();
        }
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] backing(Tgtd.Target target, long offset, int length) throws Exception {
        try (FileChannel c = FileChannel.open(target.files.get(0), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            c.read(b, (long) SectorSDescriptor.RESERVED_BLOCKS * 512 + offset);
            return b.array();
        }
    }
}
