package io.gridlet.flink.log;

import io.gridlet.flink.source.SourceRecord;
import io.gridlet.log.LogRecord;
import io.gridlet.log.local.LocalLog;
import io.gridlet.log.local.LogCorruptedException;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The job's side of a {@link LocalLog}: one split (the log), read by one reader from the position in its
 * checkpoint; the readings of each entry are emitted in one go, so a checkpoint always falls between entries.
 * Unbounded: the reader waits for the writer, polling every {@value #POLL_MILLIS} ms when it has caught up, and
 * finishes at the log's end-of-data entry. Where the log is corrupt it fails the job with the log's
 * {@link LogCorruptedException} (the file and offset named), instead of waiting there for an entry that never comes.
 */
final class LocalLogSource implements Source<SourceRecord, LocalLogSource.Split, LocalLogSource.Split> {
    private static final long serialVersionUID = 1L;
    static final long POLL_MILLIS = 2;
    private final String dir;

    LocalLogSource(String dir) {
        this.dir = dir;
    }

    /** Where the reader is: the byte position and how many readings came before it (their line numbers). */
    record Split(long position, long readings) implements SourceSplit {
        @Override
        public String splitId() {
            return "log";
        }
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<SourceRecord, Split> createReader(SourceReaderContext context) {
        return new Reader(dir);
    }

    @Override
    public SplitEnumerator<Split, Split> createEnumerator(SplitEnumeratorContext<Split> context) {
        return new Enumerator(context, new Split(0, 0));
    }

    /** The enumerator's checkpoint: the split if no reader holds it, else null (serialized as absent). */
    @Override
    public SplitEnumerator<Split, Split> restoreEnumerator(SplitEnumeratorContext<Split> context, Split unassigned) {
        return new Enumerator(context, unassigned);
    }

    @Override
    public SimpleVersionedSerializer<Split> getSplitSerializer() {
        return new SplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<Split> getEnumeratorCheckpointSerializer() {
        return new SplitSerializer();
    }

    /** Hands the one split to the reader of subtask 0 (the source runs at parallelism 1). */
    private static final class Enumerator implements SplitEnumerator<Split, Split> {
        private final SplitEnumeratorContext<Split> context;
        private Split unassigned;

        Enumerator(SplitEnumeratorContext<Split> context, Split unassigned) {
            this.context = context;
            this.unassigned = unassigned;
        }

        @Override
        public void start() {
        }

        @Override
        public void handleSplitRequest(int subtaskId, String requesterHostname) {
        }

        @Override
        public void addSplitsBack(List<Split> splits, int subtaskId) {
            unassigned = splits.get(0);
            assign();
        }

        @Override
        public void addReader(int subtaskId) {
            assign();
        }

        private void assign() {
            if (unassigned != null && context.registeredReaders().containsKey(0)) {
                context.assignSplit(unassigned, 0);
                unassigned = null;
            }
        }

        @Override
        public Split snapshotState(long checkpointId) {
            return unassigned;
        }

        @Override
        public void close() {
        }
    }

    private static final class Reader implements SourceReader<SourceRecord, Split> {
        private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ingest-log-poll");
            t.setDaemon(true);
            return t;
        });
        private final String dir;
        private LocalLog.Reader log;
        private long readings;
        private boolean ended;
        private CompletableFuture<Void> splitArrived = new CompletableFuture<>();

        Reader(String dir) {
            this.dir = dir;
        }

        @Override
        public void start() {
        }

        @Override
        public InputStatus pollNext(ReaderOutput<SourceRecord> output) throws Exception {
            if (ended) return InputStatus.END_OF_INPUT;
            if (log == null) return InputStatus.NOTHING_AVAILABLE;
            long at = log.position();
            byte[] entry = log.next(); // a LogCorruptedException fails the job
            if (entry == null) return InputStatus.NOTHING_AVAILABLE;
            LogRecord record;
            try {
                record = LogRecord.decode(entry);
            } catch (IOException e) {
                throw new IOException("the ingest log " + dir + ": the entry at log position " + at
                        + " does not decode (" + e.getMessage() + "); 'gridlet log check " + dir + "' shows it", e);
            }
            if (record.isEnd()) {
                ended = true;
                return InputStatus.END_OF_INPUT;
            }
            LogReadings.emit(record, () -> ++readings, output::collect);
            return InputStatus.MORE_AVAILABLE;
        }

        @Override
        public List<Split> snapshotState(long checkpointId) {
            List<Split> state = new ArrayList<>(1);
            if (log != null) state.add(new Split(log.position(), readings));
            return state;
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            if (log == null) return splitArrived;
            CompletableFuture<Void> later = new CompletableFuture<>();
            TIMER.schedule(() -> later.complete(null), POLL_MILLIS, TimeUnit.MILLISECONDS);
            return later;
        }

        @Override
        public void addSplits(List<Split> splits) {
            Split s = splits.get(0);
            try {
                log = new LocalLog.Reader(Paths.get(dir), s.position());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            readings = s.readings();
            splitArrived.complete(null);
        }

        @Override
        public void notifyNoMoreSplits() {
        }

        @Override
        public void close() throws Exception {
            if (log != null) log.close();
        }
    }

    private static final class SplitSerializer implements SimpleVersionedSerializer<Split> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(Split split) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(17);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeBoolean(split != null);
                if (split != null) {
                    out.writeLong(split.position());
                    out.writeLong(split.readings());
                }
            }
            return bytes.toByteArray();
        }

        @Override
        public Split deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) throw new IOException("unknown log split version " + version);
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized));
            return in.readBoolean() ? new Split(in.readLong(), in.readLong()) : null;
        }
    }
}
