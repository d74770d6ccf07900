package io.understudy.ownership.file;

import static io.understudy.ownership.file.SectorSDescriptor.CHECKSUM_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.EPOCH_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.FLAGS_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.LABEL_LENGTH_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.LABEL_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.LENGTH;
import static io.understudy.ownership.file.SectorSDescriptor.NAME_LENGTH_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.NAME_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.VERSION_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Sector S: the layout in {@link SectorSDescriptor}, every kind of corruption, and a seeded fuzz of the decoder. */
class SectorSTest {

    static final NodeId A = new NodeId("FilerA", "A");
    static final String FILE = "/shared/d0.disk";
    static final int INPUTS = 9_000;

    @Test
    void roundTrips() throws Exception {
        for (SectorS s : new SectorS[] {SectorS.owned(A, 7, 1234), SectorS.unowned(7, 99), SectorS.BLANK,
                SectorS.owned(new NodeId("node-with-a-32-character-name.xy", "LONGLABL"), Long.MAX_VALUE, -1)}) {
            assertEquals(s, SectorS.decode(s.encode()), s.toString());
        }
        assertTrue(Records.allZero(SectorS.BLANK.encode(), 0, LENGTH), "a never-claimed disk's sector S is all zeros");
    }

    @Test
    void bytesFollowTheDescriptor() {
        ByteBuffer b = SectorS.owned(A, 0x0102030405060708L, 42).encode();
        byte[] magic = new byte[4];
        b.get(0, magic);
        assertEquals("UNDS", new String(magic, StandardCharsets.US_ASCII));
        assertEquals(1, b.getShort(VERSION_OFFSET));
        assertEquals(0x08, b.get(EPOCH_OFFSET), "little-endian epoch");
        assertEquals(0x0102030405060708L, b.getLong(EPOCH_OFFSET));
        assertEquals(1, b.get(LABEL_LENGTH_OFFSET));
        assertEquals('A', b.get(LABEL_OFFSET));
        assertEquals(6, b.get(NAME_LENGTH_OFFSET));
        byte[] name = new byte[6];
        b.get(NAME_OFFSET, name);
        assertEquals("FilerA", new String(name, StandardCharsets.UTF_8));
        assertEquals(Records.crc32c(b, 0, CHECKSUM_OFFSET), b.getInt(CHECKSUM_OFFSET));
    }

    @Test
    void reportsEachKindOfCorruption() {
        assertCorrupt("bad magic", b -> b.putInt(0, 0x12345678));
        assertCorrupt("layout version 2", b -> resum(b.putShort(VERSION_OFFSET, (short) 2)));
        assertCorrupt("checksum mismatch", b -> b.put(100, (byte) 1));
        assertCorrupt("checksum mismatch", b -> b.put(NAME_OFFSET, (byte) 'G'));
        assertCorrupt("flags", b -> resum(b.putShort(FLAGS_OFFSET, (short) 4)));
        assertCorrupt("negative epoch", b -> resum(b.putLong(EPOCH_OFFSET, -3)));
        assertCorrupt("epoch 0", b -> resum(b.putLong(EPOCH_OFFSET, 0)));
        assertCorrupt("name length 40 is more than 32", b -> resum(b.put(NAME_LENGTH_OFFSET, (byte) 40)));
        assertCorrupt("label length 9 is more than 8", b -> resum(b.put(LABEL_LENGTH_OFFSET, (byte) 9)));
        assertCorrupt("both must be present", b -> resum(b.put(NAME_LENGTH_OFFSET, (byte) 0)));
        assertCorrupt("not a valid node", b -> resum(b.put(NAME_OFFSET + 2, (byte) ' ')));
        assertCorrupt("not a valid node", b -> resum(b.put(LABEL_OFFSET, (byte) 'U')));
        assertCorrupt("not valid UTF-8", b -> resum(b.put(NAME_OFFSET, (byte) 0xC3).put(NAME_OFFSET + 1, (byte) 0x28)));
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> SectorS.read(ByteBuffer.allocate(100), FILE));
        assertTrue(e.getMessage().contains("only 100 bytes"), e.getMessage());
    }

    private static void resum(ByteBuffer b) {
        b.putInt(CHECKSUM_OFFSET, Records.crc32c(b, 0, CHECKSUM_OFFSET));
    }

    private static void assertCorrupt(String reason, Consumer<ByteBuffer> damage) {
        ByteBuffer b = SectorS.owned(A, 5, 0).encode();
        damage.accept(b);
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> SectorS.read(b, FILE), reason);
        assertEquals(ErrorCode.OWNERSHIP_RECORD_CORRUPT, e.code());
        assertTrue(e.getMessage().contains(reason), "expected '" + reason + "' in: " + e.getMessage());
        assertTrue(e.getMessage().contains("sector S of " + FILE), "the message names the file: " + e.getMessage());
    }

    /**
     * Random bytes decode to a clean record or OWNERSHIP_RECORD_CORRUPT, never anything else. Three kinds of
     * input reach three depths of the decoder: noise (stops at the magic), valid records with random bit
     * flips (stop at the checksum), and random bodies under a valid header and checksum (reach the fields).
     * The seed is printed; rerun one with -Dunderstudy.fuzz.seed=N.
     */
    @Test
    void fuzzedBytesDecodeCleanlyOrAsCorrupt() {
        long seed = Long.getLong("understudy.fuzz.seed", System.nanoTime());
        System.out.println("SectorSTest fuzz seed " + seed + " (-Dunderstudy.fuzz.seed=" + seed + " to repeat)");
        SplittableRandom r = new SplittableRandom(seed);
        int clean = 0;
        int owned = 0;
        for (int i = 0; i < INPUTS; i++) {
            ByteBuffer b = Records.buffer(LENGTH);
            switch (i % 3) {
                case 0 -> r.nextBytes(b.array());
                case 1 -> {
                    b = SectorS.owned(A, 1 + r.nextInt(1000), r.nextLong()).encode();
                    for (int flips = 1 + r.nextInt(4); flips > 0; flips--) {
                        int bit = r.nextInt(LENGTH * 8);
                        b.put(bit / 8, (byte) (b.get(bit / 8) ^ (1 << (bit % 8))));
                    }
                }
                default -> {
                    byte[] body = new byte[LENGTH];
                    r.nextBytes(body);
                    b.put(0, body);
                    b.putInt(0, SectorSDescriptor.MAGIC).putShort(VERSION_OFFSET, SectorSDescriptor.VERSION);
                    if (r.nextBoolean()) {
                        b.putShort(FLAGS_OFFSET, (short) 0);
                    }
                    // Plausible lengths and characters so that some records get all the way through.
                    b.put(LABEL_LENGTH_OFFSET, (byte) r.nextInt(10)).put(NAME_LENGTH_OFFSET, (byte) r.nextInt(34));
                    for (int k = LABEL_OFFSET; k < NAME_OFFSET + 32; k++) {
                        if (k != NAME_LENGTH_OFFSET && r.nextInt(4) > 0) {
                            b.put(k, (byte) "ABCxyz019._-".charAt(r.nextInt(12)));
                        }
                    }
                    resum(b);
                }
            }
            try {
                SectorS s = SectorS.read(b, FILE);
                clean++;
                owned += s.owner().isPresent() ? 1 : 0;
                assertEquals(s, SectorS.read(s.encode(), FILE), "a decoded record re-encodes to itself; seed " + seed + " input " + i);
            } catch (UnderstudyException e) {
                if (e.code() != ErrorCode.OWNERSHIP_RECORD_CORRUPT || !e.getMessage().contains(FILE)) {
                    fail("seed " + seed + " input " + i + ": " + e, e);
                }
            } catch (RuntimeException | Error e) {
                fail("seed " + seed + " input " + i + " made the decoder throw " + e, e);
            }
        }
        System.out.println("SectorSTest fuzz: " + clean + " of " + INPUTS + " inputs decoded cleanly, " + owned + " as owned");
    }
}
