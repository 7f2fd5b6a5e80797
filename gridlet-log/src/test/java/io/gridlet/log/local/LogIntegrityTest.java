package io.gridlet.log.local;

import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.gridlet.log.local.LogFixture.append;
import static io.gridlet.log.local.LogFixture.flipByte;
import static io.gridlet.log.local.LogFixture.putInt;
import static io.gridlet.log.local.LogFixture.readAll;
import static io.gridlet.log.local.LogFixture.record;
import static io.gridlet.log.local.LogFixture.records;
import static io.gridlet.log.local.LogFixture.truncate;
import static io.gridlet.log.local.LogFixture.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A torn tail (what a crash mid-write leaves) is cut when the writer opens and the log goes on; corruption (a bad
 * entry before whole ones, or in a closed segment) makes the writer refuse to open and readers throw, naming the
 * file and the offset, and changes nothing on disk.
 */
class LogIntegrityTest {
    @TempDir
    Path dir;

    private Path first() {
        return LocalLog.segment(dir, 0);
    }

    /** What a crash can leave after the last whole entry. */
    enum Torn {
        PARTIAL_HEADER, PARTIAL_ENTRY, BAD_CHECKSUM_OF_THE_LAST_ENTRY, A_PAGE_OF_ZEROS, IMPOSSIBLE_LENGTH_THEN_ZEROS,
        WHOLE_SIZE_BUT_THE_LAST_BYTES_NEVER_WRITTEN
    }

    private void tear(Torn how, List<Long> positions) throws Exception {
        byte[] next = LogFixture.frame(record("m", 4, 10).encode());
        switch (how) {
            case PARTIAL_HEADER -> append(first(), Arrays.copyOf(next, 3));
            case PARTIAL_ENTRY -> append(first(), Arrays.copyOf(next, next.length / 2));
            case BAD_CHECKSUM_OF_THE_LAST_ENTRY -> flipByte(first(), positions.get(2) + LocalLog.HEADER + 30);
            case A_PAGE_OF_ZEROS -> append(first(), new byte[4096]);
            case IMPOSSIBLE_LENGTH_THEN_ZEROS -> append(first(),
                    ByteBuffer.allocate(4096).putInt(LocalLog.MAX_ENTRY + 1).array());
            case WHOLE_SIZE_BUT_THE_LAST_BYTES_NEVER_WRITTEN -> {
                Arrays.fill(next, next.length - 100, next.length, (byte) 0);
                append(first(), next);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Torn.class)
    void aTornTailIsCutOnOpenAndTheLogGoesOn(Torn how) throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.ALWAYS);
        List<Long> positions = write(log, records(3));
        long whole = how == Torn.BAD_CHECKSUM_OF_THE_LAST_ENTRY ? positions.get(2) : Files.size(first());
        tear(how, positions);
        long torn = Files.size(first());

        LogCheck.Report report = LogCheck.check(dir);
        assertThat(report.isCorrupt()).isFalse();
        assertThat(report.damage().tornTail()).isTrue();
        assertThat(report.damage().offset()).isEqualTo(whole);
        assertThat(report.damage().bytes()).isEqualTo(torn - whole);
        // a reader takes the whole entries and then waits: the writer cuts the rest when it opens
        int wholeEntries = how == Torn.BAD_CHECKSUM_OF_THE_LAST_ENTRY ? 2 : 3;
        try (LocalLog.Reader r = log.reader(0)) {
            for (int i = 0; i < wholeEntries; i++) assertThat(r.next()).isNotNull();
            assertThat(r.next()).isNull();
            assertThat(r.next()).isNull();
        }

        try (IngestLog.Writer w = log.openWriter()) {
            assertThat(Files.size(first())).isEqualTo(whole);
            w.append(record("m", 4, 10)).get();
            assertThat(w.lastSequences()).containsEntry("m", 4L);
        }
        assertThat(readAll(log)).extracting(LogRecord::lastSeq)
                .containsExactly(how == Torn.BAD_CHECKSUM_OF_THE_LAST_ENTRY ? new Long[] {1L, 2L, 4L}
                        : new Long[] {1L, 2L, 3L, 4L});
        assertThat(LogCheck.check(dir).damage()).isNull();
    }

    /** Damage to the second of five entries. */
    enum Middle {
        FLIPPED_BYTE_IN_THE_ENTRY, ZEROED_BYTES_IN_THE_ENTRY, LENGTH_ZERO, LENGTH_TOO_LARGE_TO_BE,
        LENGTH_LONGER_BUT_POSSIBLE, LENGTH_PAST_THE_END_OF_THE_FILE
    }

    private void damage(Middle how, long at) throws Exception {
        switch (how) {
            case FLIPPED_BYTE_IN_THE_ENTRY -> flipByte(first(), at + LocalLog.HEADER + 40);
            case ZEROED_BYTES_IN_THE_ENTRY -> {
                byte[] bytes = Files.readAllBytes(first());
                Arrays.fill(bytes, (int) at + LocalLog.HEADER + 20, (int) at + LocalLog.HEADER + 120, (byte) 0);
                Files.write(first(), bytes);
            }
            case LENGTH_ZERO -> putInt(first(), at, 0);
            case LENGTH_TOO_LARGE_TO_BE -> putInt(first(), at, LocalLog.MAX_ENTRY + 1);
            case LENGTH_LONGER_BUT_POSSIBLE -> putInt(first(), at, 600);
            case LENGTH_PAST_THE_END_OF_THE_FILE -> putInt(first(), at, (int) Files.size(first()));
        }
    }

    @ParameterizedTest
    @EnumSource(Middle.class)
    void damageBeforeWholeEntriesMakesTheWriterRefuseAndTheReaderThrowNamingFileAndOffset(Middle how)
            throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.ALWAYS);
        List<Long> positions = write(log, records(5));
        damage(how, positions.get(1));
        byte[] before = Files.readAllBytes(first());

        assertThatThrownBy(log::openWriter).isInstanceOf(LogCorruptedException.class)
                .hasMessageContaining(first() + " at byte " + positions.get(1))
                .hasMessageContaining("a whole entry follows at byte ")
                .hasMessageContaining("gridlet log check " + dir)
                .satisfies(e -> assertThat(((LogCorruptedException) e).position()).isEqualTo(positions.get(1)));
        assertThat(Files.readAllBytes(first())).isEqualTo(before); // nothing cut
        assertThat(LogCheck.check(dir).isCorrupt()).isTrue();

        try (LocalLog.Reader r = log.reader(0)) {
            assertThat(LogRecord.decode(r.next()).lastSeq()).isEqualTo(1);
            if (how == Middle.LENGTH_PAST_THE_END_OF_THE_FILE) {
                // to a reader that looks like an entry being written (it never searches one: a meter's bytes could
                // hold what looks like a frame); the writer does not open, so the service does not start
                assertThat(r.next()).isNull();
                return;
            }
            for (int i = 0; i < 2; i++) { // not once, and then "nothing yet"
                assertThatThrownBy(r::next).isInstanceOf(LogCorruptedException.class)
                        .hasMessageContaining(first() + " at byte " + positions.get(1));
            }
        }
    }

    @Test
    void damageInAClosedSegmentIsCorruptionEvenWithNothingAfterItThere() throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.ALWAYS, LocalLog.MAX_ENTRY);
        List<LogRecord> big = new ArrayList<>();
        for (int s = 1; s <= 30; s++) big.add(record("m", s, 2000)); // ~100 KB each: 10 a segment
        List<Long> positions = write(log, big);
        List<Long> bases = LocalLog.segments(dir);
        assertThat(bases).hasSizeGreaterThan(2);
        long lastOfFirst = positions.stream().filter(p -> p < bases.get(1)).max(Long::compare).orElseThrow();

        flipByte(first(), lastOfFirst + LocalLog.HEADER + 50);
        assertThatThrownBy(log::openWriter).isInstanceOf(LogCorruptedException.class)
                .hasMessageContaining(first() + " at byte " + lastOfFirst)
                .hasMessageContaining("in a closed segment");
        assertThatThrownBy(() -> readAll(log)).isInstanceOf(LogCorruptedException.class)
                .hasMessageContaining("at byte " + lastOfFirst);

        flipByte(first(), lastOfFirst + LocalLog.HEADER + 50); // healed; now the closed segment ends short
        truncate(first(), lastOfFirst + 100);
        assertThatThrownBy(log::openWriter).isInstanceOf(LogCorruptedException.class)
                .hasMessageContaining("entry incomplete").hasMessageContaining("in a closed segment");
        assertThatThrownBy(() -> readAll(log)).isInstanceOf(LogCorruptedException.class)
                .hasMessageContaining("at byte " + lastOfFirst);
    }

    @Test
    void aReaderRacingTheWriterNeverReportsCorruption() throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.NEVER, LocalLog.MAX_ENTRY); // many rolls
        int entries = 20_000;
        CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
            long seen = 0, deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            try (LocalLog.Reader r = log.reader(0)) {
                while (System.nanoTime() < deadline) {
                    byte[] e = r.next();
                    if (e == null) {
                        Thread.yield();
                        continue;
                    }
                    LogRecord record = LogRecord.decode(e);
                    if (record.isEnd()) return seen;
                    assertThat(record.lastSeq()).isEqualTo(seen + 1);
                    seen++;
                }
                throw new AssertionError("the reader saw " + seen + " entries in time, not the end");
            } catch (Exception e) {
                throw new AssertionError("the reader failed", e);
            }
        });
        try (IngestLog.Writer w = log.openWriter()) {
            for (int s = 1; s <= entries; s++) w.append(record("m", s, 1 + s % 60));
            w.append(LogRecord.END_OF_DATA).get();
        }
        assertThat(reader.get(3, TimeUnit.MINUTES)).isEqualTo(entries);
        assertThat(LocalLog.segments(dir)).hasSizeGreaterThan(10);
    }

    @Test
    void aReaderWaitingAtATornTailReadsWhatTheWriterAppendsAfterCuttingIt() throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.ALWAYS);
        List<Long> positions = write(log, records(3));
        flipByte(first(), positions.get(2) + LocalLog.HEADER + 30); // the last entry torn
        try (LocalLog.Reader r = log.reader(0)) {
            assertThat(r.next()).isNotNull();
            assertThat(r.next()).isNotNull();
            assertThat(r.next()).isNull(); // the torn entry, in the reader's window now
            try (IngestLog.Writer w = log.openWriter()) {
                w.append(record("m", 3, 12)).get();
                w.append(record("m", 4, 12)).get();
            }
            assertThat(LogRecord.decode(r.next())).isEqualTo(record("m", 3, 12));
            assertThat(LogRecord.decode(r.next())).isEqualTo(record("m", 4, 12));
            assertThat(r.next()).isNull();
        }
    }
}
