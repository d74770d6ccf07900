package io.understudy.cluster;

import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.session.ApplicationException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A tiny slot store used to drive the engine: {@code put DISK SLOT VALUE} writes 64 bytes at slot*64 and
 * forces; {@code get DISK SLOT} reads them; {@code block DISK} waits until released (to test draining).
 */
final class TestApp implements VolumeService {
    final Map<DiskId, DiskIo> volumes = new ConcurrentHashMap<>();
    final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Every request this application ran, as its text. */
    final List<String> handled = java.util.Collections.synchronizedList(new ArrayList<>());
    volatile CountDownLatch blocker = new CountDownLatch(0);
    final CountDownLatch blockedEntered = new CountDownLatch(1);

    @Override
    public void mount(DiskId disk, DiskIo io) {
        volumes.put(disk, io);
        calls.add("mount " + disk);
    }

    @Override
    public ByteBuffer handle(RequestContext request, ByteBuffer payload) {
        String line = StandardCharsets.UTF_8.decode(payload).toString();
        handled.add(line);
        String[] w = line.split(" ", 4);
        DiskId disk = request.require(DiskId.of(w[1]));
        DiskIo io = volumes.get(disk);
        if (io == null) {
            throw new ApplicationException("volume " + disk + " is not mounted");
        }
        switch (w[0]) {
            case "put" -> {
                byte[] v = new byte[64];
                byte[] text = w[3].getBytes(StandardCharsets.UTF_8);
                System.arraycopy(text, 0, v, 0, Math.min(63, text.length));
                io.write(Long.parseLong(w[2]) * 64, ByteBuffer.wrap(v));
                io.force();
                return utf8("ok");
            }
            case "get" -> {
                ByteBuffer b = ByteBuffer.allocate(64);
                io.read(Long.parseLong(w[2]) * 64, b);
                String s = new String(b.array(), StandardCharsets.UTF_8);
                int nul = s.indexOf('\0');
                return utf8(nul < 0 ? s : s.substring(0, nul));
            }
            case "block" -> {
                blockedEntered.countDown();
                try {
                    blocker.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return utf8("unblocked");
            }
            default -> throw new ApplicationException("unknown op " + w[0]);
        }
    }

    @Override
    public void consistencyPoint(DiskId disk) {
        calls.add("cp " + disk);
    }

    @Override
    public void unmount(DiskId disk) {
        volumes.remove(disk);
        calls.add("unmount " + disk);
    }

    static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
