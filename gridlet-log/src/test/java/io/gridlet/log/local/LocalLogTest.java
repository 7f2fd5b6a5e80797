package io.gridlet.log.local;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class LocalLogTest {
    @TempDir
    Path dir;

    private static LogRecord record(String meter, long lastSeq, int readings) {
        List<Measurement> list = new ArrayList<>();
        for (int i = 0; i < readings; i++) {
            list.add(new Measurement(lastSeq * 1000 + i, 1_377_986_401L + lastSeq, 1000L * i, Property.LOAD,
                    i, 1, meter.hashCode() & 0xffff));
        }
        return new LogRecord(meter, lastSeq, list);
    }

    private static List<LogRecord> readAll(LocalLog log) throws IOException {
        List<LogRecord> all = new ArrayList<>();
        try (LocalLog.Reader r = log.reader(0)) {
            byte[] e;
            while ((e = r.next()) != null) all.add(LogRecord.decode(e));
        }
        return all;
    }

    @Test
    void concurrentAppendsAreAllReadBackInTheirOrderPerWriterAcrossSegments() throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.ALWAYS, LocalLog.MAX_ENTRY); // 1 MiB segments: many rolls
        int threads = 4, perThread = 400;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        try (IngestLog.Writer writer = log.openWriter()) {
            List<Future<List<CompletableFuture<Void>>>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String meter = "meter-" + t;
                parts.add(pool.submit(() -> {
                    List<CompletableFuture<Void>> mine = new ArrayList<>();
                    for (int s = 1; s <= perThread; s++) mine.add(writer.append(record(meter, s, 50)));
                    return mine;
                }));
            }
            for (var p : parts) acks.addAll(p.get());
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(writer.lastSequences()).hasSize(threads).allSatisfy((m, s) -> assertThat(s).isEqualTo(perThread));
        } finally {
            pool.shutdownNow();
        }
        assertThat(LocalLog.segments(dir)).hasSizeGreaterThan(2);
        List<LogRecord> all = readAll(log);
        assertThat(all).hasSize(threads * perThread);
        Map<String, Long> last = new HashMap<>();
        for (LogRecord r : all) {
            assertThat(r.lastSeq()).isEqualTo(last.getOrDefault(r.meter(), 0L) + 1);
            last.put(r.meter(), r.lastSeq());
            assertThat(r).isEqualTo(record(r.meter(), r.lastSeq(), 50));
        }
    }

    @Test
    void aTornLastEntryIsCutOnOpenAndTheLogGoesOnAfterIt() throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.NEVER);
        try (IngestLog.Writer w = log.openWriter()) {
            for (int s = 1; s <= 3; s++) w.append(record("m", s, 10)).get();
        }
        Path segment = LocalLog.segment(dir, 0);
        long whole = Files.size(segment);
        // a crash mid-write: a header promising 500 bytes, and 100 of them
        try (FileChannel c = FileChannel.open(segment, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer torn = ByteBuffer.allocate(108);
            torn.putInt(500).putInt(12345).flip();
            c.write(torn);
        }
        assertThat(readAll(log)).hasSize(3); // a reader never takes the torn entry
        try (IngestLog.Writer w = log.openWriter()) {
            assertThat(Files.size(segment)).isEqualTo(whole);
            w.append(record("m", 4, 10)).get();
            assertThat(w.lastSequences()).containsEntry("m", 4L);
        }
        assertThat(readAll(log)).extracting(LogRecord::lastSeq).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void aReaderFollowsTheWriterAndSeesTheEnd() throws Exception {
        LocalLog log = new LocalLog(dir, LocalLog.Fsync.ALWAYS, LocalLog.MAX_ENTRY);
        try (IngestLog.Writer w = log.openWriter(); LocalLog.Reader r = log.reader(0)) {
            assertThat(r.next()).isNull();
            long seen = 0;
            for (int s = 1; s <= 300; s++) {
                w.append(record("m", s, 100)).get();
                byte[] e = r.next();
                assertThat(e).isNotNull();
                seen = LogRecord.decode(e).lastSeq();
                assertThat(r.next()).isNull();
            }
            assertThat(seen).isEqualTo(300);
            w.append(LogRecord.END_OF_DATA).get();
            assertThat(LogRecord.decode(r.next()).isEnd()).isTrue();
            // a reader may start at any entry boundary it was at before
            long mid;
            try (LocalLog.Reader again = log.reader(0)) {
                for (int i = 0; i < 150; i++) again.next();
                mid = again.position();
            }
            try (LocalLog.Reader from = log.reader(mid)) {
                assertThat(LogRecord.decode(from.next()).lastSeq()).isEqualTo(151);
            }
            assertThat(w.endOfData()).as("read at open: the writer's own end is not news to it").isFalse();
        }
        try (IngestLog.Writer reopened = log.openWriter()) {
            assertThat(reopened.endOfData()).as("a restarted gateway knows the data has ended").isTrue();
        }
    }
}
