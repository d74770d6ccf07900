package io.understudy.examples.fileservice;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ownership.DiskId;
import io.understudy.cluster.RequestContext;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/** A service with one mounted in-memory volume and a client that calls it directly. */
final class Fixture {

    static final DiskId VOL = DiskId.of("vol0");

    final RecordingLogger log = new RecordingLogger();
    final FileService service = new FileService("test-node", log);
    final MemoryDiskIo io;
    final FileServiceClient client;

    Fixture(int size) {
        this(new MemoryDiskIo(VOL, size));
    }

    Fixture(MemoryDiskIo io) {
        this.io = io;
        service.mount(VOL, io);
        RequestContext ctx = new RequestContext(DataAccessPort.DAFS, Set.of(VOL), 1, 1);
        client = new FileServiceClient(request -> service.handle(ctx, request));
    }

    /** {@return a new service mounted on what a crash of this one would leave} */
    Fixture crashAndRemount() {
        return new Fixture(new MemoryDiskIo(VOL, io.crashImage()));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(FileReply.ReadData r) {
        return new String(r.bytes(), StandardCharsets.UTF_8);
    }
}
