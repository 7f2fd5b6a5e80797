package io.gridlet.log.local;

import io.gridlet.log.LogRecord;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads every entry of a {@link LocalLog} and says what it holds and whether, and where, it is damaged; cuts the
 * damage off when the operator says so.
 *
 * <p>The rules. Entries are read in order until one does not read whole (or does not decode). If nothing whole
 * follows it in its segment and that segment is the last, it is a <em>torn tail</em>: the write a crash
 * interrupted (a header cut short, an entry cut short, a page that never reached the disk), never acknowledged
 * when every batch is forced before its acknowledgement; the writer cuts it on open. Anything else is
 * <em>corruption</em>: a whole entry after the bad one (found by trying every later offset for a frame whose
 * length is possible and whose checksum holds), a bad entry in a closed segment (segments are forced before the
 * next one starts), an entry whose checksum holds but that does not decode, or segments that do not follow on
 * from each other. Entries after corruption were durable and may have been acknowledged: only {@link #repair}
 * drops them, after {@link Damage} has said what it drops.
 */
public final class LogCheck {
    private LogCheck() {
    }

    /**
     * What a log holds up to its end or its damage: segments, entries, readings, every meter's last sequence
     * number, the position where the readable log ends, whether the end of the data is in it; and the damage, if
     * any.
     */
    public record Report(Path dir, int segments, long entries, long readings, Map<String, Long> lastSequences,
                         long lastDataTime, long end, boolean endOfData, Damage damage) {
        /** Damaged where a crash cannot have left it: the writer refuses to open it. */
        public boolean isCorrupt() {
            return damage != null && !damage.tornTail();
        }
    }

    /**
     * Where the log is damaged and what cutting it there drops: the bytes from {@code offset} of {@code segment}
     * on, and every later segment, holding the damaged entry and {@code entriesAfter} whole entries after it with
     * their readings; per meter, the sequence numbers in those entries beyond what the log keeps.
     */
    public record Damage(Path segment, long offset, long position, String problem, boolean tornTail, long bytes,
                         int laterSegments, long entriesAfter, long readingsAfter, List<Dropped> dropped) {
        public LogCorruptedException exception() {
            return new LogCorruptedException(segment, offset, position, problem);
        }
    }

    /** A meter's sequence numbers {@code from..to} in entries a repair drops. */
    public record Dropped(String meter, long from, long to) {
    }

    /** Reads the log in {@code dir} (no segments: an empty report). */
    public static Report check(Path dir) throws IOException {
        List<Long> bases = LocalLog.segments(dir);
        Tally kept = new Tally();
        long end = bases.isEmpty() ? 0 : bases.get(0);
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            if (base != end) { // the segments do not follow on: the damage is where the one before ends
                Path before = LocalLog.segment(dir, bases.get(i - 1));
                long size = Files.size(before);
                String problem = "the next segment, " + LocalLog.segment(dir, base).getFileName() + ", starts at "
                        + "position " + base + (base > end ? ": " + (base - end) + " bytes are missing"
                        : ": it overlaps this one by " + (end - base) + " bytes");
                return report(dir, bases, kept, end, damage(dir, bases, i - 1, size, -1, problem, false, kept));
            }
            try (SegmentFile s = SegmentFile.open(dir, base)) {
                long size = s.size();
                long at = 0;
                while (at < size) {
                    SegmentFile.Frame f = s.frame(at, false);
                    if (f.status() == SegmentFile.Status.END) break; // (shrank meanwhile)
                    if (!f.isWhole()) {
                        long next = s.nextWhole(at + 1, size);
                        boolean last = i == bases.size() - 1;
                        return report(dir, bases, kept, base + at,
                                damage(dir, bases, i, at, next, problem(f, next, last), next < 0 && last, kept));
                    }
                    LogRecord record;
                    try {
                        record = LogRecord.decode(f.entry());
                    } catch (IOException e) {
                        String problem = "the checksum holds but the entry does not decode (" + e.getMessage()
                                + "): written by another version, or by something else";
                        return report(dir, bases, kept, base + at,
                                damage(dir, bases, i, at, at + f.size(), problem, false, kept));
                    }
                    kept.add(record);
                    at += f.size();
                }
                end = base + at;
            }
        }
        return report(dir, bases, kept, end, null);
    }

    /**
     * Cuts the log at its damage, which must be {@code expected} (what the operator was shown; the log has not
     * changed since): the later segments are deleted and the damaged one is truncated where the damage starts.
     * The service must be stopped. Returns the log as it is after.
     */
    public static Report repair(Path dir, Damage expected) throws IOException {
        Report now = check(dir);
        if (now.damage() == null || !now.damage().equals(expected)) {
            throw new IOException("the log in " + dir + " changed since it was checked; check it again");
        }
        List<Long> bases = LocalLog.segments(dir);
        Path damaged = expected.segment();
        // the later segments first, the last of them first: a repair cut short leaves a log that still reads
        for (int i = bases.size() - 1; i >= 0 && !LocalLog.segment(dir, bases.get(i)).equals(damaged); i--) {
            Files.delete(LocalLog.segment(dir, bases.get(i)));
        }
        try (FileChannel c = FileChannel.open(damaged, StandardOpenOption.WRITE)) {
            c.truncate(expected.offset());
            c.force(true);
        }
        LocalLogWriter.forceDirectory(dir);
        return check(dir);
    }

    /** What is wrong with a frame that does not read, given where the next whole one is (-1: none after it). */
    static String problem(SegmentFile.Frame frame, long next, boolean lastSegment) {
        return frame.problem() + (next >= 0 ? "; a whole entry follows at byte " + next
                : lastSegment ? "; nothing whole follows it: a write cut short (a torn tail)"
                : "; in a closed segment (later segments exist)");
    }

    private static Report report(Path dir, List<Long> bases, Tally kept, long end, Damage damage) {
        return new Report(dir, bases.size(), kept.entries, kept.readings, Collections.unmodifiableMap(kept.last),
                kept.dataTime, end, kept.endOfData, damage);
    }

    /**
     * The damage at {@code offset} of segment {@code index}, with what follows it from {@code resume} (a whole
     * entry there, or -1: none in that segment) and in the later segments.
     */
    private static Damage damage(Path dir, List<Long> bases, int index, long offset, long resume, String problem,
                                 boolean torn, Tally kept) throws IOException {
        Tally after = new Tally();
        long bytes = 0;
        for (int i = index; i < bases.size(); i++) {
            try (SegmentFile s = SegmentFile.open(dir, bases.get(i))) {
                long size = s.size();
                long from = i == index ? resume : 0;
                bytes += i == index ? size - offset : size;
                if (from >= 0) after.walk(s, from, size);
            }
        }
        List<Dropped> dropped = new ArrayList<>();
        after.last.forEach((meter, to) -> {
            long from = kept.last.getOrDefault(meter, 0L) + 1;
            if (to >= from) dropped.add(new Dropped(meter, from, to));
        });
        long base = bases.get(index);
        return new Damage(LocalLog.segment(dir, base), offset, base + offset, problem, torn, bytes,
                bases.size() - 1 - index, after.entries, after.readings, List.copyOf(dropped));
    }

    /** Counts of entries read. */
    private static final class Tally {
        long entries, readings;
        boolean endOfData;
        final Map<String, Long> last = new TreeMap<>();
        long dataTime = LogRecord.NO_DATA_TIME;

        void add(LogRecord r) {
            entries++;
            if (r.isEnd()) {
                endOfData = true;
                return;
            }
            dataTime = Math.max(dataTime, r.dataTime());
            readings += r.isSealed() ? r.sealed().size() : r.readings().size();
            if (!r.isClock()) last.merge(r.meter(), r.lastSeq(), Math::max);
        }

        /** Every whole entry of the segment from {@code at} on, past bad ones. */
        void walk(SegmentFile s, long at, long size) throws IOException {
            while (at >= 0 && at < size) {
                SegmentFile.Frame f = s.frame(at, false);
                if (!f.isWhole()) {
                    at = f.status() == SegmentFile.Status.END ? -1 : s.nextWhole(at + 1, size);
                    continue;
                }
                LogRecord r;
                try {
                    r = LogRecord.decode(f.entry());
                } catch (IOException e) {
                    r = null; // a whole entry that does not decode: counted, its meter unknown
                }
                if (r == null) entries++;
                else add(r);
                at += f.size();
            }
        }
    }
}
