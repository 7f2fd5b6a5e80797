package io.gridlet.log.local;

import io.gridlet.log.IngestLog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The ingest log as segment files in one directory on this machine: {@code <base offset, 20 digits>.log}, each
 * entry framed as {@code int length, int CRC-32C of the entry, entry}. Positions are byte offsets over all
 * segments; a segment is closed (and forced to disk) when it passes {@code segmentBytes} and the next one starts
 * at the offset where it ends.
 *
 * <p>One writer at a time (the gateway); it recovers on open by cutting a torn last entry (a crash mid-write).
 * Readers (the job) take only whole entries whose checksum holds, so they never see a torn one, and move to the
 * next segment once it exists. {@link Fsync#ALWAYS}: a batch is acknowledged once its entry is forced to disk
 * (one force covers every entry appended meanwhile: group commit); {@link Fsync#NEVER}: once it is written to
 * the operating system (it survives the gateway's crash, not the machine's).
 */
public final class LocalLog implements IngestLog {
    private static final long serialVersionUID = 1L;
    static final int HEADER = 8;
    static final int MAX_ENTRY = MAX_ENTRY_BYTES;
    public static final long DEFAULT_SEGMENT_BYTES = 128L << 20;

    public enum Fsync { ALWAYS, NEVER }

    private final String dir;
    private final Fsync fsync;
    private final long segmentBytes;

    public LocalLog(Path dir, Fsync fsync) {
        this(dir, fsync, DEFAULT_SEGMENT_BYTES);
    }

    public LocalLog(Path dir, Fsync fsync, long segmentBytes) {
        if (segmentBytes < MAX_ENTRY) throw new IllegalArgumentException("segments must hold the largest entry");
        this.dir = dir.toAbsolutePath().toString();
        this.fsync = fsync;
        this.segmentBytes = segmentBytes;
    }

    /** The directory as given (a String: the log travels with the job, and Path is not serializable). */
    public String directory() {
        return dir;
    }

    public Path dir() {
        return Paths.get(dir);
    }

    @Override
    public Writer openWriter() throws IOException {
        return new LocalLogWriter(dir(), fsync, segmentBytes);
    }

    @Override
    public String describe() {
        return "local log " + dir + " (fsync " + fsync.name().toLowerCase() + ")";
    }

    /** A reader from {@code position} (0: the start). */
    public Reader reader(long position) throws IOException {
        return new Reader(dir(), position);
    }

    static Path segment(Path dir, long base) {
        return dir.resolve(String.format("%020d.log", base));
    }

    /** The segments' base offsets, in order. */
    static List<Long> segments(Path dir) throws IOException {
        List<Long> bases = new ArrayList<>();
        if (!Files.isDirectory(dir)) return bases;
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("\\d{20}\\.log"))
                    .forEach(n -> bases.add(Long.parseLong(n.substring(0, 20))));
        }
        bases.sort(null);
        return bases;
    }

    static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    /**
     * Reads whole entries from a position on; {@link #next} returns null when no whole entry is there yet (the
     * writer is behind, or writing one now). Not thread-safe.
     */
    public static final class Reader implements AutoCloseable {
        private final Path dir;
        private FileChannel channel;
        private long base;
        private long position;
        private final ByteBuffer buffer = ByteBuffer.allocate(4 << 20);
        private long bufferStart; // file offset of buffer[0]

        public Reader(Path dir, long position) throws IOException {
            this.dir = dir;
            this.position = position;
            List<Long> bases = segments(dir);
            long at = -1;
            for (long b : bases) if (b <= position) at = b;
            if (at < 0 && position != 0) throw new IOException("no segment of " + dir + " holds position " + position);
            if (at >= 0) open(at);
            buffer.limit(0);
        }

        private void open(long segmentBase) throws IOException {
            if (channel != null) channel.close();
            channel = FileChannel.open(segment(dir, segmentBase), StandardOpenOption.READ);
            base = segmentBase;
            bufferStart = position - base;
            buffer.clear().limit(0);
        }

        /** The position after the last entry returned. */
        public long position() {
            return position;
        }

        /** The next whole entry, or null if there is none yet. */
        public byte[] next() throws IOException {
            if (channel == null) {
                if (!Files.exists(segment(dir, position))) return null;
                open(position);
            }
            byte[] entry = read();
            if (entry == null && Files.exists(segment(dir, position)) && position != base) {
                open(position); // this segment ended where the next one starts
                entry = read();
            }
            return entry;
        }

        private byte[] read() throws IOException {
            long at = position - base;
            if (!available(at, HEADER)) return null;
            int offset = (int) (at - bufferStart);
            int length = buffer.getInt(offset);
            int crc = buffer.getInt(offset + 4);
            if (length <= 0 || length > MAX_ENTRY) return null; // a torn header: the writer will cut it
            if (!available(at, HEADER + length)) return null;
            offset = (int) (at - bufferStart);
            byte[] entry = new byte[length];
            buffer.get(offset + HEADER, entry);
            if (crc(entry, 0, length) != crc) return null;
            position += HEADER + length;
            return entry;
        }

        /** Whether {@code bytes} from file offset {@code at} are in the buffer, reading from the file if not. */
        private boolean available(long at, int bytes) throws IOException {
            if (at >= bufferStart && at + bytes <= bufferStart + buffer.limit()) return true;
            // refill from `at`
            buffer.clear();
            bufferStart = at;
            long filePos = at;
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, filePos);
                if (n <= 0) break;
                filePos += n;
            }
            buffer.flip();
            return buffer.limit() >= bytes;
        }

        @Override
        public void close() throws IOException {
            if (channel != null) channel.close();
        }
    }
}
