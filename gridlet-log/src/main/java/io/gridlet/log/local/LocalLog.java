package io.gridlet.log.local;

import io.gridlet.log.IngestLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
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
 * <p>One writer at a time (the gateway); it recovers on open by cutting a torn tail (an entry a crash cut short,
 * nothing whole after it, in the last segment) and refuses to open a log that is corrupt anywhere else
 * ({@link LogCorruptedException}; {@link LogCheck} has the rules and the repair). Readers (the job) take only
 * whole entries whose checksum holds, so they never see a torn one, move to the next segment once it exists, and
 * stop with the same exception at corruption instead of waiting there.
 *
 * <p>{@link Fsync#ALWAYS}: a batch is acknowledged once its entry is forced to disk (one force covers every entry
 * appended meanwhile: group commit); {@link Fsync#NEVER}: once it is written to the operating system (it survives
 * the gateway's crash, not the machine's).
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
    private final int partitions;
    public static final int MAX_PARTITIONS = 256;

    public LocalLog(Path dir, Fsync fsync) {
        this(dir, fsync, DEFAULT_SEGMENT_BYTES);
    }

    public LocalLog(Path dir, Fsync fsync, long segmentBytes) {
        this(dir, fsync, segmentBytes, 1);
    }

    /**
     * @param partitions 1: the segments are in {@code dir}; more: each partition's segments are in its own
     *                   directory {@code dir/partition-<i>}, a meter's entries in one of them
     */
    public LocalLog(Path dir, Fsync fsync, long segmentBytes, int partitions) {
        if (segmentBytes < MAX_ENTRY) throw new IllegalArgumentException("segments must hold the largest entry");
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException("a local log has 1 to " + MAX_PARTITIONS + " partitions, not "
                    + partitions);
        }
        this.dir = dir.toAbsolutePath().toString();
        this.fsync = fsync;
        this.segmentBytes = segmentBytes;
        this.partitions = partitions;
    }

    /** The same log with {@code n} partitions. */
    public LocalLog withPartitions(int n) {
        return new LocalLog(dir(), fsync, segmentBytes, n);
    }

    @Override
    public int partitions() {
        return partitions;
    }

    /** Where partition {@code i}'s segments are. */
    public Path partitionDir(int i) {
        if (i < 0 || i >= partitions) throw new IndexOutOfBoundsException("partition " + i + " of " + partitions);
        return partitions == 1 ? dir() : dir().resolve("partition-" + i);
    }

    /**
     * The partitions a log directory was written with (1 for a directory of segments or an empty one; else the
     * number of its partition directories), or an exception for a layout this class never writes.
     */
    public static int partitionsIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 1;
        int found = 0;
        boolean segments = false;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String n = p.getFileName().toString();
                if (n.matches("\\d{20}\\.log")) segments = true;
                else if (n.matches("partition-\\d{1,3}") && Files.isDirectory(p)) found++;
            }
        }
        if (segments && found > 0) throw new IOException(dir + " holds both segments and partition directories");
        if (found == 0) return 1;
        for (int i = 0; i < found; i++) {
            if (!Files.isDirectory(dir.resolve("partition-" + i))) {
                throw new IOException(dir + " has " + found + " partition directories but no partition-" + i);
            }
        }
        return found;
    }

    /** The directory as given (a String: the log travels with the job, and Path is not serializable). */
    public String directory() {
        return dir;
    }

    public Path dir() {
        return Paths.get(dir);
    }

    /**
     * Opens the writer; a log written with another number of partitions is refused (meters would move between
     * partitions, and their entries' order with them).
     */
    @Override
    public Writer openWriter() throws IOException {
        int existing = partitionsIn(dir());
        boolean empty = LocalLog.segments(dir()).isEmpty() && existing == 1;
        if (existing != partitions && !empty) {
            throw new IOException(describe() + ": the log there was written with " + existing + " partition"
                    + (existing == 1 ? "" : "s") + ", not " + partitions);
        }
        if (partitions == 1) return new LocalLogWriter(dir(), fsync, segmentBytes);
        List<Writer> writers = new ArrayList<>(partitions);
        try {
            for (int i = 0; i < partitions; i++) writers.add(new LocalLogWriter(partitionDir(i), fsync, segmentBytes));
        } catch (IOException | RuntimeException e) {
            for (Writer w : writers) w.close();
            throw e;
        }
        return new PartitionedWriter(writers);
    }

    @Override
    public String describe() {
        return "local log " + dir + (partitions == 1 ? "" : " (" + partitions + " partitions)") + " (fsync "
                + fsync.name().toLowerCase() + ")";
    }

    /** A reader of partition 0 (the log, unpartitioned) from {@code position} (0: the start). */
    public Reader reader(long position) throws IOException {
        return reader(0, position);
    }

    /** A reader of partition {@code partition} from {@code position} (0: the start). */
    public Reader reader(int partition, long position) throws IOException {
        return new Reader(partitionDir(partition), position);
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
     * writer is behind, or writing one now, or a crash left a torn last entry the writer cuts when it opens) and
     * throws {@link LogCorruptedException} where the log is corrupt (see {@link LogCheck} for the rules), rather
     * than wait there forever. Not thread-safe.
     */
    public static final class Reader implements AutoCloseable {
        private final Path dir;
        private SegmentFile segment;
        private long position;
        // where the last search for a whole entry after a bad one found none, and the segment's size then
        private long searchedAt = -1, searchedSize = -1;

        public Reader(Path dir, long position) throws IOException {
            this.dir = dir;
            this.position = position;
            List<Long> bases = segments(dir);
            long at = -1;
            for (long b : bases) if (b <= position) at = b;
            if (at < 0 && position != 0) throw new IOException("no segment of " + dir + " holds position " + position);
            if (at >= 0) segment = SegmentFile.open(dir, at);
        }

        /** The position after the last entry returned. */
        public long position() {
            return position;
        }

        /** The next whole entry, or null if there is none yet. */
        public byte[] next() throws IOException {
            while (true) {
                if (segment == null) {
                    if (!Files.exists(segment(dir, position))) return null;
                    segment = SegmentFile.open(dir, position);
                }
                long at = position - segment.base;
                SegmentFile.Frame frame = segment.frame(at, false);
                if (!frame.isWhole()) frame = segment.frame(at, true); // what the window held may be old
                if (frame.isWhole()) {
                    position += frame.size();
                    return frame.entry();
                }
                if (frame.status() == SegmentFile.Status.END) {
                    if (position == segment.base || !Files.exists(segment(dir, position))) {
                        return null; // the writer is behind
                    }
                    segment.close(); // this segment ended where the next one starts
                    segment = SegmentFile.open(dir, position);
                    continue;
                }
                boolean last = isLastSegment();
                if (last && frame.status() == SegmentFile.Status.INCOMPLETE) return null; // being written, or torn
                // read once more before judging (a later segment exists only once this one was closed: now final)
                frame = segment.frame(at, true);
                if (frame.isWhole() || frame.status() == SegmentFile.Status.END) continue;
                long next = wholeEntryAfter(at);
                if (last && next < 0) return null; // a torn tail: the writer cuts it when it opens
                throw new LogCorruptedException(segment.file, at, position, LogCheck.problem(frame, next, last));
            }
        }

        /**
         * Where the first whole entry after the bad one at {@code at} is, or -1 (searched again only once the
         * segment has grown).
         */
        private long wholeEntryAfter(long at) throws IOException {
            long size = segment.size();
            if (at == searchedAt && size == searchedSize) return -1;
            long next = segment.nextWhole(at + 1, size);
            searchedAt = next < 0 ? at : -1;
            searchedSize = size;
            return next;
        }

        private boolean isLastSegment() throws IOException {
            for (long b : segments(dir)) if (b > segment.base) return false;
            return true;
        }

        @Override
        public void close() throws IOException {
            if (segment != null) segment.close();
        }
    }
}
