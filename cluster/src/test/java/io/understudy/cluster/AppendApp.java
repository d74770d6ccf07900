package io.understudy.cluster;

import io.understudy.api.ownership.DiskId;
import io.understudy.session.ApplicationException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A deliberately non-idempotent application: {@code append VOL ITEM} adds ITEM to the volume's list and
 * answers its index, so running a request twice leaves a duplicate that the tests detect. {@code read VOL}
 * answers the items joined by commas; {@code reject VOL} is a mutating request that always fails.
 */
final class AppendApp implements JournaledApplication {

    final Map<DiskId, List<String>> lists = new ConcurrentHashMap<>();

    @Override
    public Route route(RequestContext request, ByteBuffer payload) {
        String[] w = text(payload).split(" ", 3);
        if (w.length < 2) {
            throw new ApplicationException("expected 'append VOL ITEM', 'read VOL' or 'reject VOL'");
        }
        return new Route(DiskId.of(w[1]), !w[0].equals("read"));
    }

    @Override
    public void restore(DiskId disk, ByteBuffer snapshot) {
        List<String> l = new ArrayList<>();
        String s = text(snapshot);
        if (!s.isEmpty()) {
            l.addAll(List.of(s.split("\n")));
        }
        lists.put(disk, l);
    }

    @Override
    public ByteBuffer execute(DiskId disk, ByteBuffer payload) {
        String[] w = text(payload).split(" ", 3);
        List<String> l = lists.get(disk);
        return switch (w[0]) {
            case "append" -> {
                l.add(w[2]);
                yield utf8(Integer.toString(l.size() - 1));
            }
            case "read" -> utf8(String.join(",", l));
            case "reject" -> throw new ApplicationException("rejected at size " + l.size());
            default -> throw new ApplicationException("unknown operation " + w[0]);
        };
    }

    @Override
    public ByteBuffer snapshot(DiskId disk) {
        return utf8(String.join("\n", lists.get(disk)));
    }

    @Override
    public void forget(DiskId disk) {
        lists.remove(disk);
    }

    static String text(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }

    static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
