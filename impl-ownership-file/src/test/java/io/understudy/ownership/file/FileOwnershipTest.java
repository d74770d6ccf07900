package io.understudy.ownership.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.ClaimResult;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.ownership.OwnershipState;
import io.understudy.api.ownership.ReleaseResult;
import io.understudy.api.spi.ProviderContext;
import io.understudy.testkit.ManualClock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the conformance suite cannot see: the bytes on disk, corrupt records, crashes between the two
 * record writes, and the provider's configuration.
 */
class FileOwnershipTest {

    static final DiskId D0 = DiskId.of("d0");
    static final DiskId D1 = DiskId.of("d1");
    static final NodeId A = NodeId.of("FilerA");
    static final NodeId B = NodeId.of("FilerB");

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(Instant.parse("2024-01-02T03:04:05Z"));
    private final List<OwnershipService> opened = new ArrayList<>();

    /** Thrown by a crash point: the process "dies" between the two record writes. */
    static final class SimulatedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(String where) {
            super("simulated crash " + where);
        }
    }

    @BeforeEach
    void disks() {
        assertTrue(FileDisks.create(dir, D0, 16 * 1024));
        assertTrue(FileDisks.create(dir, D1, 16 * 1024));
    }

    @AfterEach
    void close() {
        opened.forEach(OwnershipService::close);
    }

    private FileOwnershipService open(NodeId node) {
        OwnershipService s = new FileOwnershipProvider().open(ProviderContext.builder()
                .nodeName(node.name()).clock(clock).option(FileOwnershipProvider.DIRECTORY, dir.toString()).build());
        opened.add(s);
        return (FileOwnershipService) s;
    }

    private Path disk(DiskId d) {
        return FileDisks.diskFile(dir, d);
    }

    private Path sidecar(DiskId d) {
        return FileDisks.reservationFile(dir, d);
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static void overwrite(Path file, long at, byte[] data) throws IOException {
        try (var c = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.wrap(data), at);
        }
    }

    private static byte[] read(Path file, long at, int length) throws IOException {
        byte[] all = Files.readAllBytes(file);
        byte[] out = new byte[length];
        System.arraycopy(all, (int) at, out, 0, length);
        return out;
    }

    private static UnderstudyException assertCode(ErrorCode code, Executable body) {
        UnderstudyException e = assertThrows(UnderstudyException.class, body, "expected " + code);
        assertEquals(code, e.code(), () -> "expected " + code + ": " + e);
        return e;
    }

    private static ClaimResult.Acquired acquired(ClaimResult r) {
        return assertInstanceOf(ClaimResult.Acquired.class, r);
    }

    // ---------------------------------------------------------------------------------------------------
    // Bytes on disk

    @Test
    void sectorSAndTheDataAreaSitWhereTheDescriptorSays() throws IOException {
        OwnershipService a = open(A);
        long epoch = acquired(a.claim(D0)).epoch();
        try (DiskIo io = a.open(D0)) {
            assertEquals(16 * 1024, io.size(), "the data area is the file less sector S");
            io.write(0, bytes("data at 0"));
        }
        ByteBuffer s = ByteBuffer.wrap(read(disk(D0), 0, SectorSDescriptor.LENGTH)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(SectorSDescriptor.MAGIC, s.getInt(SectorSDescriptor.MAGIC_OFFSET));
        assertEquals(epoch, s.getLong(SectorSDescriptor.EPOCH_OFFSET));
        assertEquals(clock.instant().toEpochMilli(), s.getLong(SectorSDescriptor.WRITTEN_AT_OFFSET), "written at the injected clock's time");
        assertEquals("FilerA", new String(read(disk(D0), SectorSDescriptor.NAME_OFFSET, 6), StandardCharsets.UTF_8));
        assertEquals("data at 0", new String(read(disk(D0), SectorSDescriptor.DATA_OFFSET, 9), StandardCharsets.US_ASCII));
        assertEquals(SectorSDescriptor.DATA_OFFSET + 16 * 1024, Files.size(disk(D0)));
    }

    @Test
    void theSidecarHoldsTheReservationInAlternatingSlots() throws IOException {
        OwnershipService a = open(A);
        OwnershipService b = open(B);
        acquired(a.claim(D0));
        assertEquals(ReservationDescriptor.FILE_LENGTH, Files.size(sidecar(D0)));
        ByteBuffer slot1 = ByteBuffer.wrap(read(sidecar(D0), ReservationDescriptor.SLOT_LENGTH, ReservationDescriptor.SLOT_LENGTH))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, slot1.getLong(ReservationDescriptor.SEQUENCE_OFFSET), "the first write goes to slot 1");
        assertEquals(ReservationDescriptor.TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, slot1.getShort(ReservationDescriptor.TYPE_OFFSET));
        assertEquals(ReservationState.keyOf("FilerA"), slot1.getLong(ReservationDescriptor.HOLDER_KEY_OFFSET));
        acquired(b.preempt(D0, A));
        ByteBuffer slot0 = ByteBuffer.wrap(read(sidecar(D0), 0, ReservationDescriptor.SLOT_LENGTH)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(2, slot0.getLong(ReservationDescriptor.SEQUENCE_OFFSET), "the next write goes to the other slot");
        assertEquals(ReservationState.keyOf("FilerB"), slot0.getLong(ReservationDescriptor.HOLDER_KEY_OFFSET));
        assertEquals(1, slot0.getShort(ReservationDescriptor.FENCE_COUNT_OFFSET), "A's fence is recorded");
    }

    // ---------------------------------------------------------------------------------------------------
    // Corruption

    @Test
    void aCorruptSectorSIsReportedNeverTakenAsOwnedOrUnowned() throws IOException {
        OwnershipService a = open(A);
        OwnershipService b = open(B);
        acquired(a.claim(D0));
        byte[] good = read(disk(D0), 0, SectorSDescriptor.LENGTH);
        byte[][] damages = {"garbage!".getBytes(StandardCharsets.US_ASCII), {(byte) (good[40] ^ 0x10)}, {0, 0, 0, 0}};
        int[] at = {0, 40, 0};
        String[] reason = {"bad magic", "checksum mismatch", "bad magic"};
        for (int i = 0; i < damages.length; i++) {
            overwrite(disk(D0), at[i], damages[i]);
            for (Executable call : List.<Executable>of(() -> b.state(D0), () -> b.claim(D0), () -> b.preempt(D0, A),
                    () -> b.release(D0), () -> a.claim(D0), () -> a.release(D0), () -> a.state(D0))) {
                UnderstudyException e = assertCode(ErrorCode.OWNERSHIP_RECORD_CORRUPT, call);
                assertTrue(e.getMessage().contains("sector S of " + disk(D0)) && e.getMessage().contains(reason[i]),
                        "names the file and the fault: " + e.getMessage());
            }
            assertTrue(b.state(D1).unowned(), "other disks are unaffected");
            overwrite(disk(D0), 0, good);
            assertTrue(b.state(D0).ownedBy(A), "restoring sector S restores the state");
        }
    }

    @Test
    void randomSectorSContentNeverCrashesTheService() throws IOException {
        OwnershipService b = open(B);
        long seed = Long.getLong("understudy.fuzz.seed", System.nanoTime());
        System.out.println("FileOwnershipTest fuzz seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        byte[] sector = new byte[SectorSDescriptor.LENGTH];
        for (int i = 0; i < 100; i++) {
            r.nextBytes(sector);
            overwrite(disk(D0), 0, sector);
            try {
                OwnershipState s = b.state(D0);
                fail("seed " + seed + ": random bytes were taken as a valid sector S: " + s);
            } catch (UnderstudyException e) {
                assertEquals(ErrorCode.OWNERSHIP_RECORD_CORRUPT, e.code(), "seed " + seed + ": " + e);
            }
        }
    }

    @Test
    void aDiskFileShorterThanSectorSIsCorrupt() throws IOException {
        Files.write(disk(D1), new byte[100]);
        OwnershipService a = open(A);
        UnderstudyException e = assertCode(ErrorCode.OWNERSHIP_RECORD_CORRUPT, () -> a.state(D1));
        assertTrue(e.getMessage().contains("only 100 bytes"), e.getMessage());
    }

    @Test
    void aCorruptSidecarIsReportedAndFailsClosed() throws IOException {
        OwnershipService a = open(A);
        OwnershipService b = open(B);
        acquired(a.claim(D0));
        DiskIo io = a.open(D0);
        io.write(0, bytes("fine"));
        byte[] noise = new byte[ReservationDescriptor.FILE_LENGTH];
        new SplittableRandom(7).nextBytes(noise);
        overwrite(sidecar(D0), 0, noise);
        for (Executable call : List.<Executable>of(() -> b.state(D0), () -> b.claim(D0), () -> b.isFenced(D0),
                () -> a.release(D0), () -> io.write(0, bytes("no")), io::force)) {
            UnderstudyException e = assertCode(ErrorCode.OWNERSHIP_RECORD_CORRUPT, call);
            assertTrue(e.getMessage().contains(sidecar(D0).toString()) && e.getMessage().contains("both slots are unreadable"),
                    e.getMessage());
        }
        assertEquals(4, io.read(0, ByteBuffer.allocate(4)), "reads need no reservation");
        io.close();
    }

    @Test
    void aTornWriteOfTheNewestSlotLeavesThePreviousState() throws IOException {
        OwnershipService a = open(A);
        OwnershipService b = open(B);
        long epoch = acquired(a.claim(D0)).epoch(); // sequence 1, slot 1
        // B's preempt would write sequence 2 into slot 0; a crash tears that write and sector S is never written.
        byte[] torn = new byte[ReservationDescriptor.SLOT_LENGTH / 2];
        new SplittableRandom(3).nextBytes(torn);
        overwrite(sidecar(D0), 0, torn);
        OwnershipState s = b.state(D0);
        assertTrue(s.ownedBy(A), "the previous, complete state stands: " + s);
        assertEquals(epoch, s.epoch());
        try (DiskIo io = a.open(D0)) {
            io.write(0, bytes("A still owns d0"));
        }
        assertInstanceOf(ClaimResult.HeldBy.class, b.claim(D0));
        long taken = acquired(b.preempt(D0, A)).epoch();
        assertTrue(taken > epoch);
        assertTrue(a.state(D0).ownedBy(B), "the next write replaced the torn slot");
    }

    @Test
    void aDamagedNewestSlotThatSectorSOutdatesIsCorrupt() throws IOException {
        OwnershipService a = open(A);
        OwnershipService b = open(B);
        acquired(a.claim(D0)); // sequence 1 in slot 1, epoch 1
        DiskIo zombie = a.open(D0);
        acquired(b.preempt(D0, A)); // sequence 2 in slot 0, epoch 2, sector S epoch 2
        overwrite(sidecar(D0), 100, new byte[] {1, 2, 3});
        // Falling back to slot 1 would resurrect A's registration; sector S proves slot 1 is stale.
        UnderstudyException e = assertCode(ErrorCode.OWNERSHIP_RECORD_CORRUPT, () -> b.state(D0));
        assertTrue(e.getMessage().contains("older than sector S"), e.getMessage());
        assertCode(ErrorCode.OWNERSHIP_RECORD_CORRUPT, () -> zombie.write(0, bytes("must not land")));
        zombie.close();
    }

    // ---------------------------------------------------------------------------------------------------
    // Crashes between the two records

    @Test
    void aCrashMidClaimLeavesUAWhichTheClaimantRepairs() {
        FileOwnershipService a = open(A);
        OwnershipService b = open(B);
        a.crashPoint = (op, d) -> {
            throw new SimulatedCrash("in " + op + " of " + d);
        };
        assertThrows(SimulatedCrash.class, () -> a.claim(D0));
        OwnershipState s = b.state(D0);
        assertEquals("<U,A>", s.pair(), "the reservation was written, sector S was not: " + s);
        ClaimResult.HeldBy held = assertInstanceOf(ClaimResult.HeldBy.class, b.claim(D0), "the reservation holder owns it");
        assertEquals(A, held.holder());
        try (DiskIo io = b.open(D0)) {
            assertCode(ErrorCode.OWNED_ELSEWHERE, () -> io.write(0, bytes("B")));
        }

        OwnershipService restarted = open(A);
        long epoch = acquired(restarted.claim(D0)).epoch();
        assertTrue(epoch > s.epoch(), "the repair is a new claim with a new epoch");
        assertEquals("<A,A>", b.state(D0).pair());
    }

    @Test
    void aCrashMidClaimIsAlsoRepairedByAPartnersPreempt() {
        FileOwnershipService a = open(A);
        OwnershipService b = open(B);
        a.crashPoint = (op, d) -> {
            throw new SimulatedCrash(op);
        };
        assertThrows(SimulatedCrash.class, () -> a.claim(D0));
        acquired(b.preempt(D0, A));
        assertEquals("<B,B>", b.state(D0).pair());
        assertTrue(a.isFenced(D0));
    }

    @Test
    void aCrashMidPreemptLeavesABWithTheVictimFencedAndThePreempterRepairs() {
        OwnershipService a = open(A);
        FileOwnershipService b = open(B);
        acquired(a.claim(D0));
        b.crashPoint = (op, d) -> {
            throw new SimulatedCrash(op);
        };
        assertThrows(SimulatedCrash.class, () -> b.preempt(D0, A));
        assertEquals("<A,B>", a.state(D0).pair(), "the PREEMPT is on disk, sector S still names A");
        assertTrue(a.isFenced(D0), "the PREEMPT alone fences A");
        try (DiskIo io = a.open(D0)) {
            assertCode(ErrorCode.FENCED, () -> io.write(0, bytes("A")));
        }
        b.crashPoint = FileOwnershipService.CrashPoint.NONE;
        acquired(b.claim(D0));
        assertEquals("<B,B>", a.state(D0).pair());
    }

    @Test
    void aCrashMidReleaseLeavesUAWhichTheOwnerFinishes() {
        FileOwnershipService a = open(A);
        OwnershipService b = open(B);
        long epoch = acquired(a.claim(D0)).epoch();
        a.crashPoint = (op, d) -> {
            throw new SimulatedCrash(op);
        };
        assertThrows(SimulatedCrash.class, () -> a.release(D0));
        assertEquals("<U,A>", b.state(D0).pair(), "sector S was cleared, the reservation not yet");
        assertInstanceOf(ClaimResult.HeldBy.class, b.claim(D0), "still fenced against others");
        a.crashPoint = FileOwnershipService.CrashPoint.NONE;
        assertInstanceOf(ReleaseResult.Released.class, a.release(D0));
        OwnershipState s = b.state(D0);
        assertEquals("<U,U>", s.pair());
        assertEquals(epoch, s.epoch());
    }

    @Test
    void sectorSAloneAUIsRepairedByTheOwnersClaim() throws IOException {
        OwnershipService a = open(A);
        OwnershipService b = open(B);
        long epoch = acquired(a.claim(D0)).epoch();
        // Only sector S survives: as if the reservation were never written (or the sidecar was lost).
        overwrite(sidecar(D0), 0, new byte[ReservationDescriptor.FILE_LENGTH]);
        assertEquals("<A,U>", b.state(D0).pair());
        assertEquals(epoch, b.state(D0).epoch(), "sector S remembers the epoch");
        assertInstanceOf(ClaimResult.HeldBy.class, b.claim(D0), "sector S names the owner");
        try (DiskIo io = a.open(D0)) {
            assertCode(ErrorCode.OWNED_ELSEWHERE, () -> io.write(0, bytes("A without registration")));
        }
        long again = acquired(a.claim(D0)).epoch();
        assertTrue(again > epoch, "epochs keep growing even though the sidecar forgot them");
        assertEquals("<A,A>", b.state(D0).pair());
    }

    // ---------------------------------------------------------------------------------------------------
    // Provider and configuration

    @Test
    void theProviderIsAlwaysAvailableWithIdFile() {
        FileOwnershipProvider p = new FileOwnershipProvider();
        assertEquals("file", p.id());
        assertTrue(p.availability().isAvailable());
        assertTrue(p.toString().startsWith("file("), p.toString());
    }

    @Test
    void theNodeNameAndDirectoryAreRequired() {
        FileOwnershipProvider p = new FileOwnershipProvider();
        UnderstudyException noName = assertCode(ErrorCode.INVALID_CONFIGURATION, () -> p.open(ProviderContext.builder()
                .option(FileOwnershipProvider.DIRECTORY, dir.toString()).build()));
        assertTrue(noName.getMessage().contains("node's name"), noName.getMessage());
        UnderstudyException noDir = assertCode(ErrorCode.INVALID_CONFIGURATION, () -> p.open(ProviderContext.builder()
                .nodeName("FilerA").build()));
        assertTrue(noDir.getMessage().contains("file.directory"), noDir.getMessage());
        UnderstudyException notDir = assertCode(ErrorCode.INVALID_CONFIGURATION, () -> p.open(ProviderContext.builder()
                .nodeName("FilerA").setting("file.directory", disk(D0).toString()).build()));
        assertTrue(notDir.getMessage().contains("is not a directory"), notDir.getMessage());
        assertCode(ErrorCode.INVALID_CONFIGURATION, () -> p.open(ProviderContext.builder()
                .nodeName("Filer A").option(FileOwnershipProvider.DIRECTORY, dir.toString()).build()));
    }

    @Test
    void fileCreateMakesMissingDisksAndLeavesExistingOnesAlone() throws IOException {
        Path shared = dir.resolve("new/shared");
        OwnershipService s = new FileOwnershipProvider().open(ProviderContext.builder().nodeName("FilerA")
                .setting("file.directory", shared.toString()).setting("file.create", "d0:16KiB, big:1M,tiny:0").build());
        opened.add(s);
        assertEquals(List.of(DiskId.of("big"), D0, DiskId.of("tiny")), s.disks());
        assertEquals(512 + 16 * 1024, Files.size(shared.resolve("d0.disk")));
        assertEquals(512 + (1 << 20), Files.size(shared.resolve("big.disk")));
        acquired(s.claim(D0));
        try (DiskIo io = s.open(D0)) {
            io.write(0, bytes("keep me"));
        }
        try (DiskIo io = s.open(DiskId.of("tiny"))) {
            assertEquals(0, io.size());
            assertEquals(-1, io.read(0, ByteBuffer.allocate(1)));
        }
        OwnershipService again = new FileOwnershipProvider().open(ProviderContext.builder().nodeName("FilerB")
                .setting("file.directory", shared.toString()).setting("file.create", "d0:1MiB").build());
        opened.add(again);
        assertEquals(512 + 16 * 1024, Files.size(shared.resolve("d0.disk")), "an existing disk is never resized");
        assertTrue(again.state(D0).ownedBy(A), "nor reset");
        UnderstudyException bad = assertCode(ErrorCode.INVALID_CONFIGURATION, () -> new FileOwnershipProvider().open(
                ProviderContext.builder().nodeName("FilerA").setting("file.directory", shared.toString())
                        .setting("file.create", "d0=16MiB").build()));
        assertTrue(bad.getMessage().contains("file.create"), bad.getMessage());
    }

    @Test
    void sizesParse() {
        assertEquals(4096, FileDisks.parseSize("4096"));
        assertEquals(64 * 1024, FileDisks.parseSize("64KiB"));
        assertEquals(64 * 1024, FileDisks.parseSize("64k"));
        assertEquals(16L << 20, FileDisks.parseSize(" 16 MiB "));
        assertEquals(2L << 30, FileDisks.parseSize("2G"));
        for (String bad : List.of("", "MiB", "-1", "12TB", "99999999999999999999", "9000000000G")) {
            assertThrows(IllegalArgumentException.class, () -> FileDisks.parseSize(bad), bad);
        }
        assertEquals(List.of(D0, D1), List.copyOf(FileDisks.parseSizes("d0:1K,d1:2K").keySet()));
        assertTrue(FileDisks.parseSizes("  ").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> FileDisks.parseSizes("d0:1K,d0:2K"));
        assertThrows(IllegalArgumentException.class, () -> FileDisks.parseSizes("bad name:1K"));
    }

    @Test
    void theLabelDefaultsToTheNamesLastCharacterAndCanBeSet() {
        assertEquals(new NodeId("FilerA", "A"), open(A).self());
        OwnershipService green = new FileOwnershipProvider().open(ProviderContext.builder().nodeName("Green")
                .option(FileOwnershipProvider.DIRECTORY, dir.toString()).setting("file.label", "G").build());
        opened.add(green);
        acquired(green.claim(D1));
        assertEquals("<G,G>", open(B).state(D1).pair(), "the seed's own example");
    }

    @Test
    void disksAreTheValidlyNamedDiskFilesIncludingLaterOnes() throws IOException {
        Files.writeString(dir.resolve("notes.txt"), "not a disk");
        Files.writeString(dir.resolve("bad name.disk"), "invalid disk name");
        Files.createDirectory(dir.resolve("folder.disk"));
        OwnershipService a = open(A);
        assertEquals(List.of(D0, D1), a.disks());
        DiskId d2 = DiskId.of("d2");
        assertCode(ErrorCode.UNKNOWN_DISK, () -> a.state(d2));
        FileDisks.create(dir, d2, 4096);
        assertTrue(a.state(d2).unowned(), "a disk created after the service opened is found");
        assertEquals(List.of(D0, D1, d2), a.disks());
    }

    @Test
    void aClosedServiceRefusesWorkWhileItsHandlesLiveOnFenced() {
        OwnershipService a = open(A);
        acquired(a.claim(D0));
        DiskIo io = a.open(D0);
        a.close();
        assertCode(ErrorCode.ILLEGAL_STATE, () -> a.state(D0));
        assertCode(ErrorCode.ILLEGAL_STATE, () -> a.open(D0));
        a.close(); // idempotent
        io.write(0, bytes("still A's"));
        OwnershipService b = open(B);
        assertTrue(b.state(D0).ownedBy(A));
        acquired(b.preempt(D0, A));
        assertCode(ErrorCode.FENCED, () -> io.write(0, bytes("x")));
        io.close();
        io.close(); // idempotent
        assertCode(ErrorCode.ILLEGAL_STATE, () -> io.write(0, bytes("x")));
    }

    @Test
    void dataWritesLandOnlyInTheDataArea() throws IOException {
        OwnershipService a = open(A);
        acquired(a.claim(D0));
        byte[] sectorBefore = read(disk(D0), 0, SectorSDescriptor.LENGTH);
        byte[] ones = new byte[16 * 1024];
        java.util.Arrays.fill(ones, (byte) 1);
        try (DiskIo io = a.open(D0)) {
            io.write(0, ByteBuffer.wrap(ones));
            io.force();
        }
        assertArrayEquals(sectorBefore, read(disk(D0), 0, SectorSDescriptor.LENGTH));
        assertEquals(SectorSDescriptor.DATA_OFFSET + ones.length, Files.size(disk(D0)), "writes never grow the disk");
    }
}
