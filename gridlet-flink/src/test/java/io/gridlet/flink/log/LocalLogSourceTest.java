package io.gridlet.flink.log;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.flink.source.SourceRecord;
import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import io.gridlet.log.local.LocalLog;
import io.gridlet.log.local.LogCorruptedException;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.core.io.InputStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The job's reader of a local log, driven as Flink drives it: it hands on every reading, waits at the end of what
 * is written, fails (naming the segment file and the offset) at corruption instead of waiting there forever, and
 * restored from a checkpoint goes on where it was, numbering its readings on.
 */
class LocalLogSourceTest {
    @TempDir
    Path dir;

    private final List<SourceRecord> out = new ArrayList<>();

    private static LogRecord entry(long seq) {
        List<Measurement> readings = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            readings.add(new Measurement(seq * 10 + i, 1_377_986_401L + seq, 1000L * i, Property.LOAD, i, 1, 1));
        }
        return new LogRecord("m", seq, readings);
    }

    /** Writes five entries; returns where the second one starts. */
    private long writeFive() throws Exception {
        long second = 0;
        try (IngestLog.Writer w = new LocalLog(dir, LocalLog.Fsync.ALWAYS).openWriter()) {
            for (long s = 1; s <= 5; s++) {
                w.append(entry(s)).get();
                if (s == 1) second = Files.size(segment());
            }
        }
        return second;
    }

    private Path segment() {
        return dir.resolve("00000000000000000000.log");
    }

    private SourceReader<SourceRecord, LocalLogSource.Split> reader() {
        SourceReader<SourceRecord, LocalLogSource.Split> reader = new LocalLogSource(
                new LocalLog(dir, LocalLog.Fsync.ALWAYS)).createReader(null);
        reader.addSplits(List.of(new LocalLogSource.Split(0, 0, 0)));
        return reader;
    }

    @Test
    void readsEveryReadingAndWaitsAtTheEnd() throws Exception {
        writeFive();
        try (SourceReader<SourceRecord, LocalLogSource.Split> reader = reader()) {
            for (int i = 0; i < 5; i++) assertThat(reader.pollNext(output())).isEqualTo(InputStatus.MORE_AVAILABLE);
            assertThat(reader.pollNext(output())).isEqualTo(InputStatus.NOTHING_AVAILABLE);
            assertThat(reader.pollNext(output())).isEqualTo(InputStatus.NOTHING_AVAILABLE);
        }
        assertThat(out).hasSize(25);
    }

    @Test
    void aCorruptEntryFailsTheReaderWithTheLogsMessageInsteadOfWaiting() throws Exception {
        long second = writeFive();
        byte[] bytes = Files.readAllBytes(segment());
        bytes[(int) second + 20] ^= 0x40; // inside the second entry; three whole entries after it
        Files.write(segment(), bytes);

        try (SourceReader<SourceRecord, LocalLogSource.Split> reader = reader()) {
            assertThat(reader.pollNext(output())).isEqualTo(InputStatus.MORE_AVAILABLE);
            assertThatThrownBy(() -> reader.pollNext(output())).isInstanceOf(LogCorruptedException.class)
                    .hasMessageContaining(segment() + " at byte " + second)
                    .hasMessageContaining("checksum fails")
                    .hasMessageContaining("gridlet log check");
        }
        assertThat(out).hasSize(5);
    }

    /**
     * A reader restored from its checkpoint numbers the readings on from where the checkpoint was taken (the numbers
     * name readings in rejection lines), through the split's serializer as Flink stores it.
     */
    @Test
    void aRestoredReaderNumbersReadingsOnFromItsCheckpoint() throws Exception {
        writeFive();
        LocalLogSource source = new LocalLogSource(new LocalLog(dir, LocalLog.Fsync.ALWAYS));
        LocalLogSource.Split taken;
        try (SourceReader<SourceRecord, LocalLogSource.Split> reader = reader()) {
            for (int i = 0; i < 2; i++) assertThat(reader.pollNext(output())).isEqualTo(InputStatus.MORE_AVAILABLE);
            List<LocalLogSource.Split> state = reader.snapshotState(1);
            assertThat(state).hasSize(1);
            byte[] bytes = source.getSplitSerializer().serialize(state.get(0));
            taken = source.getSplitSerializer().deserialize(source.getSplitSerializer().getVersion(), bytes);
        }
        assertThat(taken.readings()).isEqualTo(10);
        out.clear();
        try (SourceReader<SourceRecord, LocalLogSource.Split> restored = source.createReader(null)) {
            restored.addSplits(List.of(taken));
            for (int i = 0; i < 3; i++) assertThat(restored.pollNext(output())).isEqualTo(InputStatus.MORE_AVAILABLE);
            assertThat(restored.pollNext(output())).isEqualTo(InputStatus.NOTHING_AVAILABLE);
        }
        assertThat(out).extracting(SourceRecord::line)
                .containsExactlyElementsOf(LongStream.rangeClosed(11, 25).boxed().toList());
        assertThat(out).extracting(r -> r.reading().timestamp()).startsWith(1_377_986_404L); // from the third entry
    }

    private ReaderOutput<SourceRecord> output() {
        return new ReaderOutput<>() {
            @Override
            public void collect(SourceRecord record) {
                out.add(record);
            }

            @Override
            public void collect(SourceRecord record, long timestamp) {
                out.add(record);
            }

            @Override
            public void emitWatermark(Watermark watermark) {
            }

            @Override
            public void markIdle() {
            }

            @Override
            public void markActive() {
            }

            @Override
            public SourceOutput<SourceRecord> createOutputForSplit(String splitId) {
                return this;
            }

            @Override
            public void releaseOutputForSplit(String splitId) {
            }
        };
    }
}
