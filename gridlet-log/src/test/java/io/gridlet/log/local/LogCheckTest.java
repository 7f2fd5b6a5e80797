package io.gridlet.log.local;

import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.gridlet.log.local.LogFixture.append;
import static io.gridlet.log.local.LogFixture.flipByte;
import static io.gridlet.log.local.LogFixture.readAll;
import static io.gridlet.log.local.LogFixture.record;
import static io.gridlet.log.local.LogFixture.records;
import static io.gridlet.log.local.LogFixture.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a check says about a log, and that a repair drops exactly what it said and leaves a log that opens. */
class LogCheckTest {
    @TempDir
    Path dir;

    private Path first() {
        return LocalLog.segment(dir, 0);
    }

    /** Meters a and b taking turns: a 10, b 20, a 11, b 21, ... (10 readings an entry). */
    private static List<LogRecord> twoMeters(int each) {
        List<LogRecord> records = new ArrayList<>();
        for (int i = 0; i < each; i++) {
            records.add(record("a", 10 + i, 10));
            records.add(record("b", 20 + i, 10));
        }
        return records;
    }

    @Test
    void checkSummarisesACleanLog() throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.NEVER);
        List<LogRecord> records = new ArrayList<>(twoMeters(3));
        records.add(LogRecord.sealed("c", 7, List.of(new byte[] {1, 2}, new byte[] {3})));
        records.add(LogRecord.END_OF_DATA);
        write(log, records);

        LogCheck.Report report = LogCheck.check(dir);
        assertThat(report.segments()).isEqualTo(1);
        assertThat(report.entries()).isEqualTo(8);
        assertThat(report.readings()).isEqualTo(62);
        assertThat(report.lastSequences()).isEqualTo(Map.of("a", 12L, "b", 22L, "c", 7L));
        assertThat(report.end()).isEqualTo(Files.size(first()));
        assertThat(report.endOfData()).isTrue();
        assertThat(report.damage()).isNull();
        assertThat(report.isCorrupt()).isFalse();
        assertThat(LogCheck.check(dir.resolve("nothing-here")).segments()).isZero();
    }

    @Test
    void aTornTailIsCleanAndARepairCutsExactlyIt() throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.ALWAYS);
        write(log, records(3));
        long whole = Files.size(first());
        append(first(), new byte[] {0, 0, 1, 0, 1, 2, 3});

        LogCheck.Report report = LogCheck.check(dir);
        assertThat(report.isCorrupt()).isFalse();
        LogCheck.Damage torn = report.damage();
        assertThat(torn.tornTail()).isTrue();
        assertThat(torn.problem()).contains("header incomplete: 7 of 8 bytes", "torn tail");
        assertThat(torn).extracting(LogCheck.Damage::offset, LogCheck.Damage::position, LogCheck.Damage::bytes,
                LogCheck.Damage::entriesAfter, LogCheck.Damage::laterSegments).containsExactly(whole, whole, 7L, 0L, 0);

        LogCheck.Report after = LogCheck.repair(dir, torn);
        assertThat(Files.size(first())).isEqualTo(whole);
        assertThat(after.damage()).isNull();
        assertThat(after.entries()).isEqualTo(3);
    }

    @Test
    void corruptionIsReportedWithWhatARepairDropsAndTheRepairDropsExactlyThat() throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.ALWAYS);
        List<Long> positions = write(log, twoMeters(4)); // a10 b20 a11 b21 a12 b22 a13 b23
        flipByte(first(), positions.get(3) + LocalLog.HEADER + 25); // b21
        long size = Files.size(first());

        LogCheck.Report report = LogCheck.check(dir);
        assertThat(report.isCorrupt()).isTrue();
        assertThat(report.entries()).isEqualTo(3);
        assertThat(report.lastSequences()).isEqualTo(Map.of("a", 11L, "b", 20L));
        assertThat(report.end()).isEqualTo(positions.get(3));
        LogCheck.Damage damage = report.damage();
        assertThat(damage.tornTail()).isFalse();
        assertThat(damage.segment()).isEqualTo(first());
        assertThat(damage.problem()).isEqualTo("checksum fails; a whole entry follows at byte " + positions.get(4));
        assertThat(damage).extracting(LogCheck.Damage::offset, LogCheck.Damage::bytes,
                LogCheck.Damage::entriesAfter, LogCheck.Damage::readingsAfter)
                .containsExactly(positions.get(3), size - positions.get(3), 4L, 40L);
        assertThat(damage.dropped())
                .containsExactly(new LogCheck.Dropped("a", 12, 13), new LogCheck.Dropped("b", 21, 23));

        LogCheck.Report after = LogCheck.repair(dir, damage);
        assertThat(Files.size(first())).isEqualTo(positions.get(3));
        assertThat(after.damage()).isNull();
        assertThat(after.lastSequences()).isEqualTo(report.lastSequences());
        try (IngestLog.Writer w = log.openWriter()) {
            assertThat(w.lastSequences()).isEqualTo(Map.of("a", 11L, "b", 20L));
            w.append(record("b", 21, 10)).get();
        }
        assertThat(readAll(log)).extracting(LogRecord::lastSeq).containsExactly(10L, 20L, 11L, 21L);
    }

    @Test
    void aRepairOfAClosedSegmentDeletesTheLaterSegmentsAndSaysHowManyEntriesTheyHeld() throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.ALWAYS, LocalLog.MAX_ENTRY);
        List<LogRecord> records = new ArrayList<>();
        for (int s = 1; s <= 30; s++) records.add(record("m", s, 2000)); // ~100 KB each: 10 a segment
        List<Long> positions = write(log, records);
        List<Long> bases = LocalLog.segments(dir);
        assertThat(bases).hasSize(3);
        int damaged = 4; // the fifth entry, in the first segment
        flipByte(first(), positions.get(damaged) + LocalLog.HEADER + 50);
        long total = 0;
        for (long b : bases) total += Files.size(LocalLog.segment(dir, b));

        LogCheck.Damage damage = LogCheck.check(dir).damage();
        assertThat(damage.tornTail()).isFalse();
        assertThat(damage.laterSegments()).isEqualTo(2);
        assertThat(damage.entriesAfter()).isEqualTo(30 - damaged - 1);
        assertThat(damage.bytes()).isEqualTo(total - positions.get(damaged));
        assertThat(damage.dropped()).containsExactly(new LogCheck.Dropped("m", damaged + 1, 30));

        LogCheck.repair(dir, damage);
        assertThat(LocalLog.segments(dir)).containsExactly(0L);
        assertThat(Files.size(first())).isEqualTo(positions.get(damaged));
        try (IngestLog.Writer w = log.openWriter()) {
            assertThat(w.lastSequences()).containsEntry("m", (long) damaged);
            w.append(record("m", damaged + 1, 10)).get();
        }
        assertThat(readAll(log)).hasSize(damaged + 1);
    }

    @Test
    void aRepairRefusesALogThatChangedSinceItsCheck() throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.ALWAYS);
        List<Long> positions = write(log, records(4));
        flipByte(first(), positions.get(1) + LocalLog.HEADER + 25);
        LogCheck.Damage damage = LogCheck.check(dir).damage();
        append(first(), LogFixture.frame(record("m", 5, 10).encode()));
        byte[] before = Files.readAllBytes(first());

        assertThatThrownBy(() -> LogCheck.repair(dir, damage)).isInstanceOf(IOException.class)
                .hasMessageContaining("changed since it was checked");
        assertThat(Files.readAllBytes(first())).isEqualTo(before);
    }

    @Test
    void segmentsThatDoNotFollowOnAreCorruptAndARepairKeepsWhatComesBeforeTheGap() throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.ALWAYS, LocalLog.MAX_ENTRY);
        List<LogRecord> records = new ArrayList<>();
        for (int s = 1; s <= 30; s++) records.add(record("m", s, 2000));
        write(log, records);
        List<Long> bases = LocalLog.segments(dir);
        Files.delete(LocalLog.segment(dir, bases.get(1)));

        LogCheck.Report report = LogCheck.check(dir);
        assertThat(report.isCorrupt()).isTrue();
        assertThat(report.damage().segment()).isEqualTo(first());
        assertThat(report.damage().position()).isEqualTo(bases.get(1));
        assertThat(report.damage().problem()).contains(LocalLog.segment(dir, bases.get(2)).getFileName().toString(),
                (bases.get(2) - bases.get(1)) + " bytes are missing");
        assertThatThrownBy(log::openWriter).isInstanceOf(LogCorruptedException.class);

        LogCheck.repair(dir, report.damage());
        assertThat(LocalLog.segments(dir)).containsExactly(0L);
        try (IngestLog.Writer w = log.openWriter()) {
            assertThat(w.lastSequences()).containsEntry("m", report.lastSequences().get("m"));
        }
    }

    @Test
    void aWholeEntryThatDoesNotDecodeIsCorruptNotTorn() throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.ALWAYS);
        List<Long> positions = write(log, records(2));
        long end = Files.size(first());
        append(first(), LogFixture.frame(new byte[] {99, 1, 2}));

        LogCheck.Report report = LogCheck.check(dir);
        assertThat(report.isCorrupt()).isTrue();
        assertThat(report.damage().offset()).isEqualTo(end);
        assertThat(report.damage().problem()).contains("does not decode", "unknown log entry kind 99");
        assertThat(positions).hasSize(2);
        assertThatThrownBy(log::openWriter).isInstanceOf(LogCorruptedException.class)
                .hasMessageContaining("at byte " + end);
    }
}
