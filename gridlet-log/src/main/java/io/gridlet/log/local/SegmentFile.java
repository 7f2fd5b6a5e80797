package io.gridlet.log.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * One segment file of a {@link LocalLog}, read through a window of it: what frame is at an offset, and where the
 * next whole frame after a bad one is (the test that tells a torn tail from corruption). Not thread-safe.
 */
final class SegmentFile implements AutoCloseable {
    /** Holds the largest frame with room to spare, so a frame never needs more than one fill. */
    private static final int WINDOW = 4 << 20;

    /** What a frame at an offset is. */
    enum Status {
        /** A whole frame whose checksum holds. */
        WHOLE,
        /** No byte at all at the offset: the segment ends there. */
        END,
        /** The bytes end before the frame does (a write in progress, or one a crash cut short). */
        INCOMPLETE,
        /** A length that cannot be, or a whole frame whose checksum fails. */
        BAD
    }

    /** A frame: its status, the entry's length as the header says, the entry if whole, what is wrong if not. */
    record Frame(Status status, int length, byte[] entry, String problem) {
        boolean isWhole() {
            return status == Status.WHOLE;
        }

        /** The bytes the frame takes (header and entry). */
        int size() {
            return LocalLog.HEADER + length;
        }
    }

    final Path file;
    final long base;
    private final FileChannel channel;
    private final ByteBuffer window = ByteBuffer.allocate(WINDOW);
    private long windowStart; // file offset of window[0]

    private SegmentFile(Path file, long base, FileChannel channel) {
        this.file = file;
        this.base = base;
        this.channel = channel;
        window.limit(0);
    }

    static SegmentFile open(Path dir, long base) throws IOException {
        Path file = LocalLog.segment(dir, base);
        return new SegmentFile(file, base, FileChannel.open(file, StandardOpenOption.READ));
    }

    long size() throws IOException {
        return channel.size();
    }

    /**
     * The frame at file offset {@code at}: from the window if it holds the whole frame, else (and always if
     * {@code fresh}) read from the file again.
     */
    Frame frame(long at, boolean fresh) throws IOException {
        if (fresh) fill(at);
        if (!ensure(at, LocalLog.HEADER)) {
            long have = windowEnd() - at;
            return have <= 0 ? new Frame(Status.END, 0, null, "the segment ends")
                    : new Frame(Status.INCOMPLETE, 0, null, "header incomplete: " + have + " of " + LocalLog.HEADER
                    + " bytes");
        }
        int offset = (int) (at - windowStart);
        int length = window.getInt(offset);
        int crc = window.getInt(offset + 4);
        if (length <= 0 || length > LocalLog.MAX_ENTRY) {
            return new Frame(Status.BAD, length, null, "a length that cannot be (" + length + " bytes)");
        }
        if (!ensure(at, LocalLog.HEADER + length)) {
            return new Frame(Status.INCOMPLETE, length, null, "entry incomplete: "
                    + Math.max(0, windowEnd() - at - LocalLog.HEADER) + " of " + length + " bytes");
        }
        offset = (int) (at - windowStart) + LocalLog.HEADER;
        if (crc(offset, length) != crc) return new Frame(Status.BAD, length, null, "checksum fails");
        byte[] entry = new byte[length];
        window.get(offset, entry);
        return new Frame(Status.WHOLE, length, entry, null);
    }

    /**
     * The file offset of the first whole frame whose checksum holds at or after {@code from} and ending by
     * {@code end}, or -1: tries every offset, computing a checksum only where the length there is possible and
     * fits, so the work is bounded by the bytes searched.
     */
    long nextWhole(long from, long end) throws IOException {
        for (long at = from; at + LocalLog.HEADER <= end; at++) {
            if (!ensure(at, LocalLog.HEADER)) return -1;
            int offset = (int) (at - windowStart);
            int length = window.getInt(offset);
            if (length <= 0 || length > LocalLog.MAX_ENTRY || at + LocalLog.HEADER + length > end) continue;
            if (!ensure(at, LocalLog.HEADER + length)) continue;
            offset = (int) (at - windowStart);
            if (crc(offset + LocalLog.HEADER, length) == window.getInt(offset + 4)) return at;
        }
        return -1;
    }

    private int crc(int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(window.array(), offset, length);
        return (int) crc.getValue();
    }

    private long windowEnd() {
        return windowStart + window.limit();
    }

    /** Whether the window holds {@code bytes} from file offset {@code at}, filling it from there if not. */
    private boolean ensure(long at, int bytes) throws IOException {
        if (at >= windowStart && at + bytes <= windowEnd()) return true;
        fill(at);
        return at + bytes <= windowEnd();
    }

    /** Reads the window from file offset {@code at}: as much as it holds, or up to the end of the file. */
    private void fill(long at) throws IOException {
        window.clear();
        windowStart = at;
        long position = at;
        while (window.hasRemaining()) {
            int n = channel.read(window, position);
            if (n <= 0) break;
            position += n;
        }
        window.flip();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
