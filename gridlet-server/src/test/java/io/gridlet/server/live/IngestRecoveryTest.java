package io.gridlet.server.live;

import io.gridlet.core.model.HouseSet;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.core.wire.Ack;
import io.gridlet.core.wire.DataClock;
import io.gridlet.core.wire.ReadingBatch;
import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import io.gridlet.log.local.LocalLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A gateway restarted on its log goes on from the data time it logged, including none. */
class IngestRecoveryTest {
    private static final long T0 = 1_377_986_401L;

    @TempDir
    Path dir;

    private static IngestService service(IngestLog.Writer writer) throws Exception {
        return new IngestService(writer, new SimpleMeterRegistry(), () -> { }, readings -> { }, meter -> true,
                meter -> HouseSet.ALL, DataClock.Limits.DEFAULTS, false);
    }

    private static ReadingBatch.Decoded batch(long seq, long timestamp) {
        Measurement m = new Measurement(seq, timestamp, 1_000, Property.LOAD, 0, 0, 0);
        return new ReadingBatch.Decoded("meter-1", seq, 1, new long[] {seq}, List.of(m), List.of(), null);
    }

    /**
     * The first gateway logged a reading before data time existed (its entry carries the clock 0) and stopped; the
     * next one must not take 0 for data time (every real reading would then be refused as too far ahead of it).
     */
    @Test
    void aRestartBeforeDataTimeExistedAcceptsTheNextReadings() throws Exception {
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.NEVER);
        try (IngestLog.Writer writer = log.openWriter()) {
            Ack ack = service(writer).accept(batch(1, T0)).get(10, TimeUnit.SECONDS);
            assertThat(ack.rejected()).isEmpty();
        }
        try (LocalLog.Reader r = log.reader(0, 0)) {
            assertThat(LogRecord.decode(r.next()).dataTime()).as("logged before data time")
                    .isEqualTo(LogRecord.BEFORE_DATA_TIME);
        }
        try (IngestLog.Writer writer = log.openWriter()) {
            Ack ack = service(writer).accept(batch(2, T0 + 1)).get(10, TimeUnit.SECONDS);
            assertThat(ack.lastSeq()).isEqualTo(2);
            assertThat(ack.rejected()).as("a reading after a restart").isEmpty();
        }
    }
}
