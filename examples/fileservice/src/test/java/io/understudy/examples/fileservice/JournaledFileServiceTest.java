package io.understudy.examples.fileservice;

import static io.understudy.examples.fileservice.Fixture.bytes;
import static io.understudy.examples.fileservice.Fixture.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.cluster.JournaledVolumeService;
import io.understudy.cluster.RequestContext;
import io.understudy.session.ApplicationException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The file service on the SDK's journal: operations, capacity, remount from checkpoint and journal, exactly-once. */
class JournaledFileServiceTest {

    static final DiskId VOL = DiskId.of("vol0");
    static final int SLOT = 64 * 1024;
    static final int HALF = 64 * 1024;
    static final int DISK = 512 * 1024;

    final MemoryDiskIo io = new MemoryDiskIo(VOL, DISK);
    JournaledVolumeService service = JournaledFileService.service(SLOT, HALF);
    final AtomicLong seq = new AtomicLong();
    long session = 7;

    @AfterEach
    void close() {
        service.close();
    }

    FileServiceClient client() {
        return new FileServiceClient(request -> service.handle(ctx(seq.incrementAndGet()), request));
    }

    RequestContext ctx(long sequence) {
        return new RequestContext(DataAccessPort.DAFS, Set.of(VOL), session, sequence);
    }

    @Test
    void createWriteReadListStatAndAppend() {
        service.mount(VOL, io);
        FileServiceClient c = client();
        assertTrue(c.create(VOL, "a").created());
        assertFalse(c.create(VOL, "a").created());
        assertEquals(5, c.write(VOL, "a", 0, bytes("hello")).size());
        assertEquals(11, c.write(VOL, "a", 6, bytes("world")).size());
        assertArrayEquals(bytes("hello\0world"), c.read(VOL, "a", 0, 100).bytes());
        assertEquals("wor", text(c.read(VOL, "a", 6, 3)));
        assertEquals(0, c.read(VOL, "a", 50, 10).bytes().length);

        FileReply.Appended first = c.append(VOL, "log", bytes("one;"));
        FileReply.Appended second = c.append(VOL, "log", bytes("two;"));
        assertEquals(new FileReply.Appended(0, 4), first);
        assertEquals(new FileReply.Appended(4, 8), second);
        assertEquals("one;two;", text(c.read(VOL, "log", 0, 100)));
        assertEquals(List.of(new FileInfo("a", 11), new FileInfo("log", 8)), c.list(VOL));
        assertEquals(8, c.stat(VOL, "log").orElseThrow().size());
        assertTrue(c.stat(VOL, "nope").isEmpty());
    }

    @Test
    void errorsReachTheClientAndChangeNothing() {
        service.mount(VOL, io);
        FileServiceClient c = client();
        ApplicationException missing = assertThrows(ApplicationException.class, () -> c.write(VOL, "nope", 0, bytes("x")));
        assertTrue(missing.getMessage().contains("no such file 'nope'"), missing.getMessage());
        DiskId other = DiskId.of("vol9");
        ApplicationException wrongPort = assertThrows(ApplicationException.class, () -> c.create(other, "a"));
        assertTrue(wrongPort.getMessage().contains("not served on port DAFS"), wrongPort.getMessage());
        ApplicationException malformed = assertThrows(ApplicationException.class,
                () -> service.handle(ctx(seq.incrementAndGet()), ByteBuffer.wrap(new byte[] {1, 99, 4})));
        assertTrue(malformed.getMessage().contains("unknown op 99"), malformed.getMessage());
        assertEquals(List.of(), c.list(VOL));
    }

    @Test
    void aFullVolumeRefusesTheRequestThatWouldPassItsCapacity() {
        service.mount(VOL, io);
        FileServiceClient c = client();
        byte[] chunk = new byte[8 * 1024];
        int appended = 0;
        ApplicationException full = null;
        for (int i = 0; i < 10 && full == null; i++) {
            try {
                c.append(VOL, "big", chunk);
                appended++;
            } catch (ApplicationException e) {
                full = e;
            }
        }
        assertTrue(full != null && full.getMessage().contains("full"), "a volume of " + SLOT / 2 + " bytes must fill up");
        assertEquals(3, appended, "32 KiB capacity: three 8 KiB appends fit with the bookkeeping, the fourth does not");
        assertEquals(3L * chunk.length, c.stat(VOL, "big").orElseThrow().size(), "the refused append changed nothing");
    }

    @Test
    void remountRestoresFromCheckpointAndJournal() {
        service.mount(VOL, io);
        FileServiceClient c = client();
        c.append(VOL, "log", bytes("before-cp;"));
        c.create(VOL, "empty");
        service.consistencyPoint(VOL);
        c.append(VOL, "log", bytes("after-cp;"));
        // Fails (no such file): journaled as an error and replayed as one, changing nothing.
        assertThrows(ApplicationException.class, () -> c.write(VOL, "w", 0, bytes("x")));
        service.unmount(VOL);
        service.close();

        service = JournaledFileService.service(SLOT, HALF);
        service.mount(VOL, io);
        FileServiceClient again = client();
        assertEquals("before-cp;after-cp;", text(again.read(VOL, "log", 0, 100)));
        assertEquals(List.of(new FileInfo("empty", 0), new FileInfo("log", 19)), again.list(VOL));
    }

    @Test
    void aResentAppendIsAnsweredFromTheReplyCacheNotRunTwice() {
        service.mount(VOL, io);
        ByteBuffer request = FileServiceCodec.encode(new FileRequest.Append(VOL, "log", ByteBuffer.wrap(bytes("once;"))));
        FileReply first = FileServiceCodec.decodeReply(service.handle(ctx(1), request.duplicate()), FileOp.APPEND);
        // The connection broke before the reply arrived; the failover client re-sends with the same sequence.
        FileReply resent = FileServiceCodec.decodeReply(service.handle(ctx(1), request.duplicate()), FileOp.APPEND);
        assertEquals(first, resent);
        seq.set(1);
        assertEquals("once;", text(client().read(VOL, "log", 0, 100)));

        // Also after a takeover: the partner mounts the same disk and answers the re-sent request from the journal.
        service.unmount(VOL);
        service.close();
        service = JournaledFileService.service(SLOT, HALF);
        service.mount(VOL, io);
        FileReply afterTakeover = FileServiceCodec.decodeReply(service.handle(ctx(1), request.duplicate()), FileOp.APPEND);
        assertEquals(first, afterTakeover);
        assertEquals("once;", text(client().read(VOL, "log", 0, 100)));
    }

    @Test
    void aMalformedSnapshotFailsTheMountWithWhereItWasWrong() {
        JournaledFileService app = new JournaledFileService(1024);
        for (byte[] bad : List.of(new byte[] {9}, new byte[] {1, 0, 0, 0, 2, 0, 1, 'a'},
                new byte[] {1, 0, 0, 0, 1, 0, 1, 'a', 0, 0, 0, 0, 0, 0, 0, 9})) {
            UnderstudyException e = assertThrows(UnderstudyException.class, () -> app.restore(VOL, ByteBuffer.wrap(bad)));
            assertEquals(ErrorCode.DISK_IO, e.code());
            assertTrue(e.getMessage().contains("malformed at byte"), e.getMessage());
        }
        app.restore(VOL, ByteBuffer.allocate(0));
    }

    @Test
    void theLogStructuredServiceRefusesAppend() {
        Fixture f = new Fixture(1 << 20);
        ApplicationException e = assertThrows(ApplicationException.class, () -> f.client.append(Fixture.VOL, "log", bytes("x")));
        assertTrue(e.getMessage().contains("JournaledFileService"), e.getMessage());
    }

    @Test
    void appendRoundTripsOnTheWire() {
        FileRequest req = new FileRequest.Append(VOL, "dir.log", ByteBuffer.wrap(bytes("payload")));
        FileRequest back = FileServiceCodec.decodeRequest(FileServiceCodec.encode(req));
        assertEquals(FileOp.APPEND, back.op());
        assertArrayEquals(bytes("payload"), bytesOf(((FileRequest.Append) back).data()));
        FileReply reply = new FileReply.Appended(3, 10);
        assertEquals(reply, FileServiceCodec.decodeReply(FileServiceCodec.encode(reply), FileOp.APPEND));
        ByteBuffer bad = ByteBuffer.allocate(18).put((byte) 1).put((byte) 6).putLong(11).putLong(10).flip();
        MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> FileServiceCodec.decodeReply(bad, FileOp.APPEND));
        assertTrue(e.getMessage().contains("offset 11 is beyond the file size 10"), e.getMessage());
    }

    private static byte[] bytesOf(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }
}
