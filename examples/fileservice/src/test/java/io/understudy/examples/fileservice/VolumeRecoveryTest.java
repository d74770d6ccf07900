package io.understudy.examples.fileservice;

import static io.understudy.examples.fileservice.Fixture.VOL;
import static io.understudy.examples.fileservice.Fixture.bytes;
import static io.understudy.examples.fileservice.Fixture.text;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.LOG_START;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.recordLength;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a mount makes of torn, corrupt and foreign logs. */
class VolumeRecoveryTest {

    private static final int SIZE = 64 * 1024;

    // Records written by threeRecords(): CREATE a, WRITE a "first", WRITE a "second".
    private static final long R1 = LOG_START;
    private static final long R2 = R1 + recordLength(1, 0);
    private static final long R3 = R2 + recordLength(1, 5);
    private static final long END = R3 + recordLength(1, 6);

    private static Fixture threeRecords() {
        Fixture f = new Fixture(SIZE);
        f.client.create(Fixture.VOL, "a");
        f.client.write(VOL, "a", 0, bytes("first"));
        f.client.write(VOL, "a", 5, bytes("second"));
        return f;
    }

    private static Fixture remount(byte[] image) {
        return new Fixture(new MemoryDiskIo(VOL, image));
    }

    private static MountReport report(Fixture f) {
        return f.service.mountReport(VOL).orElseThrow();
    }

    @Test
    void aCleanLogMountsCleanly() {
        Fixture f = remount(threeRecords().io.crashImage());
        MountReport r = report(f);
        assertTrue(r.clean());
        assertEquals(3, r.records());
        assertEquals(END, r.logEnd());
        assertEquals("firstsecond", text(f.client.read(VOL, "a", 0, 100)));
        assertTrue(f.log.at(Level.WARNING).isEmpty());
    }

    @Test
    void aTornLastRecordIsReportedAndIgnoredWithTheRestIntact() {
        byte[] image = threeRecords().io.crashImage();
        Arrays.fill(image, (int) END - 4, (int) END, (byte) 0); // its last sector never reached the medium
        Fixture f = remount(image);

        MountReport r = report(f);
        assertEquals(R3, r.truncation().position());
        assertTrue(r.truncation().reason().contains("CRC32C"), r.truncation().reason());
        assertEquals(2, r.records());
        assertEquals(R3, r.logEnd());
        assertEquals("first", text(f.client.read(VOL, "a", 0, 100)));
        List<String> warnings = f.log.at(Level.WARNING);
        assertEquals(1, warnings.size(), f.log.entries.toString());
        assertTrue(warnings.get(0).contains("volume vol0: log record at byte " + R3), warnings.get(0));

        // The log goes on from the cut, and the next mount is clean.
        assertEquals(9, f.client.write(VOL, "a", 5, bytes("more")).size());
        Fixture again = f.crashAndRemount();
        assertTrue(report(again).clean(), String.valueOf(report(again).truncation()));
        assertEquals("firstmore", text(again.client.read(VOL, "a", 0, 100)));
    }

    @Test
    void garbageAfterTheLastRecordIsReportedAndIgnored() {
        byte[] image = threeRecords().io.crashImage();
        byte[] garbage = new byte[300];
        new java.util.Random(7).nextBytes(garbage);
        System.arraycopy(garbage, 0, image, (int) END, garbage.length);
        Fixture f = remount(image);

        MountReport r = report(f);
        assertEquals(END, r.truncation().position());
        assertEquals(3, r.records());
        assertEquals("firstsecond", text(f.client.read(VOL, "a", 0, 100)));
        assertTrue(f.log.at(Level.WARNING).get(0).contains("at byte " + END));

        f.client.create(VOL, "b");
        Fixture again = f.crashAndRemount();
        assertTrue(report(again).clean(), "the end marker after the new record hides the rest of the garbage");
        assertEquals(List.of(new FileInfo("a", 11), new FileInfo("b", 0)), again.client.list(VOL));
    }

    @Test
    void aBadCrcInTheMiddleStopsTheScanThereAndSaysWhere() {
        Fixture before = threeRecords();
        before.client.create(VOL, "later"); // a fourth record, after the one we corrupt
        byte[] image = before.io.crashImage();
        image[(int) R2 + recordLength(1, 0)] ^= 0x20; // the first data byte of R2: "first" -> "First"
        Fixture f = remount(image);

        MountReport r = report(f);
        assertEquals(R2, r.truncation().position());
        assertTrue(r.truncation().reason().contains("does not match"), r.truncation().reason());
        assertEquals(1, r.records());
        assertEquals(List.of(new FileInfo("a", 0)), f.client.list(VOL), "nothing at or after the bad record applied");
        String warning = f.log.at(Level.WARNING).get(0);
        assertTrue(warning.contains("vol0") && warning.contains("byte " + R2) && warning.contains("CRC32C"), warning);
        assertEquals(2, r.generation(), "the cut starts a new log generation");
    }

    @Test
    void aRecordFromBeyondAnEarlierCutNeverComesBack() {
        byte[] original = threeRecords().io.crashImage();
        byte[] image = original.clone();
        image[(int) R2 + recordLength(1, 0)] ^= 0x20; // corrupt R2: R3 is lost with it
        Fixture f = remount(image);
        assertEquals("", text(f.client.read(VOL, "a", 0, 100)));

        // A new record exactly as long as R2 ends where R3 begins. Suppose its end marker never reached the
        // medium, so R3's old header is still there, with a valid CRC:
        f.client.write(VOL, "a", 0, bytes("FIRST"));
        byte[] after = f.io.crashImage();
        System.arraycopy(original, (int) R3, after, (int) R3, VolumeLayoutDescriptor.RECORD_HEADER_LENGTH);
        Fixture g = remount(after);

        assertEquals("FIRST", text(g.client.read(VOL, "a", 0, 100)), "R3's 'second' was lost and stays lost");
        MountReport r = report(g);
        assertEquals(R3, r.truncation().position());
        assertTrue(r.truncation().reason().contains("generation 1"), r.truncation().reason());
    }

    @Test
    void impossibleLengthsAndUnknownTypesStopTheScan() {
        byte[] image = threeRecords().io.crashImage();
        ByteBuffer.wrap(image).putInt((int) R3, Integer.MAX_VALUE);
        MountReport r = report(remount(image));
        assertEquals(R3, r.truncation().position());
        assertTrue(r.truncation().reason().contains("impossible length"), r.truncation().reason());

        image = threeRecords().io.crashImage();
        ByteBuffer.wrap(image).putInt((int) R2, 3);
        r = report(remount(image));
        assertEquals(R2, r.truncation().position());

        image = threeRecords().io.crashImage();
        ByteBuffer.wrap(image).putInt((int) R3, SIZE); // runs past the end of the data area
        assertTrue(report(remount(image)).truncation().reason().contains("past the end"));
    }

    @Test
    void aCorruptSuperblockOrANewerLayoutIsRefused() {
        byte[] image = threeRecords().io.crashImage();
        image[VolumeLayoutDescriptor.CREATED_BY_OFFSET] ^= 1;
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> remount(image));
        assertEquals(ErrorCode.DISK_IO, e.code());
        assertTrue(e.getMessage().contains("superblock CRC32C"), e.getMessage());

        byte[] newer = threeRecords().io.crashImage();
        ByteBuffer.wrap(newer).putInt(VolumeLayoutDescriptor.VERSION_OFFSET, 2);
        e = assertThrows(UnderstudyException.class, () -> remount(newer));
        assertTrue(e.getMessage().contains("layout version 2"), e.getMessage());
    }

    @Test
    void aFencedDiskFailsTheMountThatMustCutTheLog() {
        byte[] image = threeRecords().io.crashImage();
        image[(int) R3 + 30] ^= 1;
        MemoryDiskIo io = new MemoryDiskIo(VOL, image);
        io.fence(true);
        FileService service = new FileService("test", new RecordingLogger());
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> service.mount(VOL, io));
        assertEquals(ErrorCode.FENCED, e.code());
        assertEquals(Optional.empty(), service.mountReport(VOL));

        // A clean log needs no write, so a fenced node can still mount it (e.g. to read).
        MemoryDiskIo clean = new MemoryDiskIo(VOL, threeRecords().io.crashImage());
        clean.fence(true);
        service.mount(VOL, clean);
        assertTrue(service.mountReport(VOL).orElseThrow().clean());
        assertEquals(0, clean.writes.get());
    }
}
