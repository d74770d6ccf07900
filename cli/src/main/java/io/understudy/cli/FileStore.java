package io.understudy.cli;

import io.understudy.api.ownership.DiskId;
import io.understudy.cli.chaos.Store;
import io.understudy.client.FailoverClient;
import io.understudy.examples.fileservice.FileServiceClient;

/**
 * A chaos {@link Store} on the example file service through a failover client: a log file on a volume.
 *
 * <p>In {@link Mode#APPEND} (the default) every client of a volume appends to one shared file with the
 * service's APPEND, exactly once across failover thanks to the SDK's journal and reply cache. In
 * {@link Mode#WRITE} each client owns its file and appends by writing at the offset after its last
 * acknowledged record (WRITE at an offset is idempotent, so a re-sent request does no harm; a later record
 * overwrites an unacknowledged one, which payloads of non-decreasing length fully cover).
 */
final class FileStore implements Store {

    /** How records are appended. */
    enum Mode {
        /** One file per volume, the service's APPEND. */
        APPEND,
        /** Per-client file, WRITE at the client's own next offset. */
        WRITE
    }

    private final FailoverClient client;
    private final FileServiceClient files;
    private final DiskId volume;
    private final String path;
    private final Mode mode;
    private long next;

    FileStore(FailoverClient client, DiskId volume, String path, Mode mode) {
        this.client = client;
        this.files = new FileServiceClient(client);
        this.volume = volume;
        this.path = path;
        this.mode = mode;
    }

    /** Creates the file if it does not exist. */
    void create() {
        files.create(volume, path);
    }

    @Override
    public long append(byte[] record) {
        if (mode == Mode.APPEND) {
            return files.append(volume, path, record).offset();
        }
        long at = next;
        files.write(volume, path, at, record);
        next = at + record.length;
        return at;
    }

    @Override
    public String log() {
        return volume + "/" + path;
    }

    @Override
    public String node() {
        String to = client.connectedTo();
        if (to.contains("127.0.0.11")) {
            return Demo.A;
        }
        if (to.contains("127.0.0.12")) {
            return Demo.B;
        }
        return null;
    }

    @Override
    public String port() {
        return switch (client.location()) {
            case PRIMARY -> "DAFS";
            case SECONDARY -> "pDAF";
            case NONE -> null;
        };
    }

    @Override
    public void close() {
        client.close();
    }
}
