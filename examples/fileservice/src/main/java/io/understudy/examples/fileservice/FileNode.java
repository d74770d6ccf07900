package io.understudy.examples.fileservice;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One file in the in-memory index: its size and a map of non-overlapping extents, each pointing at the
 * bytes of a WRITE record on disk that hold the file's newest bytes for that range. Applying records in log
 * order gives the same map whether they come from a scan or from live writes. Not thread-safe: the volume's
 * lock guards it.
 */
final class FileNode {

    /** A run of file bytes stored contiguously on disk. */
    record Extent(long fileOffset, long length, long diskPosition) {
        long end() {
            return fileOffset + length;
        }
    }

    /** Part of a read: copy {@code length} bytes from {@code diskPosition} to {@code bufferOffset}. */
    record Piece(int bufferOffset, int length, long diskPosition) {
    }

    private final TreeMap<Long, Extent> extents = new TreeMap<>();
    private long size;

    long size() {
        return size;
    }

    int extentCount() {
        return extents.size();
    }

    /** Records that file bytes [offset, offset+length) now live at diskPosition; newer data wins. */
    void write(long offset, int length, long diskPosition) {
        if (length == 0) {
            return;
        }
        long end = offset + length;
        Map.Entry<Long, Extent> lower = extents.lowerEntry(offset);
        if (lower != null && lower.getValue().end() > offset) {
            Extent e = lower.getValue();
            extents.put(e.fileOffset(), new Extent(e.fileOffset(), offset - e.fileOffset(), e.diskPosition()));
            if (e.end() > end) {
                extents.put(end, tail(e, end));
            }
        }
        List<Extent> covered = new ArrayList<>(extents.subMap(offset, true, end, false).values());
        for (Extent e : covered) {
            extents.remove(e.fileOffset());
            if (e.end() > end) {
                extents.put(end, tail(e, end));
            }
        }
        extents.put(offset, new Extent(offset, length, diskPosition));
        size = Math.max(size, end);
    }

    /** {@return the disk pieces that hold file bytes [offset, offset+length); gaps between them are zeros} */
    List<Piece> pieces(long offset, int length) {
        long end = offset + length;
        List<Piece> pieces = new ArrayList<>();
        Long from = extents.floorKey(offset);
        for (Extent e : extents.subMap(from == null ? offset : from, true, end, false).values()) {
            long s = Math.max(e.fileOffset(), offset);
            long t = Math.min(e.end(), end);
            if (s < t) {
                pieces.add(new Piece((int) (s - offset), (int) (t - s), e.diskPosition() + (s - e.fileOffset())));
            }
        }
        return pieces;
    }

    private static Extent tail(Extent e, long from) {
        return new Extent(from, e.end() - from, e.diskPosition() + (from - e.fileOffset()));
    }
}
