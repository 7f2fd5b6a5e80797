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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The job's side of a {@link LocalLog}: one split per partition, split {@code i} read by the reader of subtask
 * {@code i} (the source runs at parallelism = partitions, each reader followed by its own order gate) from the
 * position in its checkpoint; the readings of each entry are emitted in one go, so a checkpoint always falls between entries.
 * Unbounded: the reader waits for the writer, polling every {@value #POLL_MILLIS} ms when it has caught up, and
 * finishes at the log's end-of-data entry. Where the log is corrupt it fails the job with the log's
 * {@link LogCorruptedException} (the file and offset named), instead of waiting there for an entry that never comes.
 */
final class LocalLogSource implements Source<SourceRecord, LocalLogSource.Split, LocalLogSource.Unassigned> {
    private static final long serialVersionUID = 1L;
    static final long POLL_MILLIS = 2;
    private final LocalLog log;

    LocalLogSource(LocalLog log) {
        this.log = log;
    }

    /**
     * Where a partition's reader is: the byte position and how many readings came before it (their line numbers).
     */
    record Split(int partition, long position, long readings) implements SourceSplit {
        @Override
        public String splitId() {
            return partition == 0 ? "log" : "log-" + partition;
        }
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<SourceRecord, Split> createReader(SourceReaderContext context) {
        return new Reader(log, context);
    }

    @Override
    public SplitEnumerator<Split, Unassigned> createEnumerator(SplitEnumeratorContext<Split> context) {
        if (context.currentParallelism() != log.partitions()) {
            throw new IllegalStateException(log.describe() + " is read by one source instance per partition, not "
                    + context.currentParallelism());
        }
        List<Split> all = new ArrayList<>();
        for (int i = 0; i < log.partitions(); i++) all.add(new Split(i, 0, 0));
        return new Enumerator(context, all);
    }

    /** The enumerator's checkpoint: the splits no reader holds. */
    @Override
    public SplitEnumerator<Split, Unassigned> restoreEnumerator(SplitEnumeratorContext<Split> context,
                                                                Unassigned unassigned) {
        return new Enumerator(context, unassigned.splits());
    }

    @Override
    public SimpleVersionedSerializer<Split> getSplitSerializer() {
        return new SplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<Unassigned> getEnumeratorCheckpointSerializer() {
        return new UnassignedSerializer();
    }

    /** The splits no reader holds (in a checkpoint of the enumerator). */
    record Unassigned(List<Split> splits) {
    }

    /**
     * Hands split {@code i} to the reader of subtask {@code i} when it asks (a reader asks when it starts without a
     * split), and again to its next attempt after a failure. A reader that asks for a split no longer here has
     * read its partition to the end before (its task finished, and a finished task restores with no state): it
     * is told there is nothing more, and finishes again.
     */
    private static final class Enumerator implements SplitEnumerator<Split, Unassigned> {
        private final SplitEnumeratorContext<Split> context;
        private final List<Split> unassigned;

        Enumerator(SplitEnumeratorContext<Split> context, List<Split> unassigned) {
            this.context = context;
            this.unassigned = new ArrayList<>(unassigned);
        }

        @Override
        public void start() {
        }

        @Override
        public void handleSplitRequest(int subtaskId, String requesterHostname) {
            for (var it = unassigned.iterator(); it.hasNext(); ) {
                Split s = it.next();
                if (s.partition() == subtaskId) {
                    context.assignSplit(s, subtaskId);
                    it.remove();
                    return;
                }
            }
            context.signalNoMoreSplits(subtaskId);
        }

        @Override
        public void addSplitsBack(List<Split> splits, int subtaskId) {
            unassigned.addAll(splits); // the reader's next attempt asks for it
        }

        @Override
        public void addReader(int subtaskId) {
        }

        @Override
        public Unassigned snapshotState(long checkpointId) {
            return new Unassigned(List.copyOf(unassigned));
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
        private final LocalLog source;
        private final SourceReaderContext context;
        private LocalLog.Reader log;
        private int partition;
        private long readings;
        private boolean ended;
        private CompletableFuture<Void> splitArrived = new CompletableFuture<>();
        private CompletableFuture<Void> resumed; // while paused (ahead of the other partitions' readers)

        Reader(LocalLog source, SourceReaderContext context) {
            this.source = source;
            this.context = context;
        }

        @Override
        public void start() {
            if (log == null && !ended) context.sendSplitRequest(); // (a restored split was added before start)
        }

        @Override
        public InputStatus pollNext(ReaderOutput<SourceRecord> output) throws Exception {
            if (ended) return InputStatus.END_OF_INPUT;
            if (log == null || resumed != null) return InputStatus.NOTHING_AVAILABLE;
            long at = log.position();
            byte[] entry = log.next(); // a LogCorruptedException fails the job
            if (entry == null) return InputStatus.NOTHING_AVAILABLE;
            LogRecord record;
            try {
                record = LogRecord.decode(entry);
            } catch (IOException e) {
                Path dir = source.partitionDir(partition);
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
            if (log != null && !ended) state.add(new Split(partition, log.position(), readings));
            return state;
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            if (log == null || ended) return splitArrived;
            if (resumed != null) return resumed;
            CompletableFuture<Void> later = new CompletableFuture<>();
            TIMER.schedule(() -> later.complete(null), POLL_MILLIS, TimeUnit.MILLISECONDS);
            return later;
        }

        @Override
        public void addSplits(List<Split> splits) {
            if (splits.isEmpty()) return;
            if (log != null || splits.size() > 1) {
                throw new IllegalStateException("a reader of " + source.describe() + " reads one partition");
            }
            Split s = splits.get(0);
            partition = s.partition();
            try {
                log = source.reader(partition, s.position());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            readings = s.readings();
            splitArrived.complete(null);
        }

        /**
         * Watermark alignment by split: honoured (the split waits until resumed), not refused. The reader emits
         * through its main output, so Flink tracks no watermark per split and pauses the whole reader instead (its
         * source operator stops polling while the reader is ahead); this answers a split-level request all the same,
         * which the source operator would otherwise fail the job on.
         */
        @Override
        public void pauseOrResumeSplits(Collection<String> pause, Collection<String> resume) {
            if (log == null) return;
            String id = new Split(partition, 0, 0).splitId();
            if (pause.contains(id) && resumed == null) {
                resumed = new CompletableFuture<>();
            } else if (resume.contains(id) && resumed != null) {
                CompletableFuture<Void> waiting = resumed;
                resumed = null;
                waiting.complete(null);
            }
        }

        /** Asked for its split, and none is left: its partition was read to the end before. */
        @Override
        public void notifyNoMoreSplits() {
            if (log == null) {
                ended = true;
                splitArrived.complete(null);
            }
        }

        @Override
        public void close() throws Exception {
            if (log != null) log.close();
        }
    }

    private interface Writing {
        void to(DataOutputStream out) throws IOException;
    }

    private static byte[] bytes(Writing writing) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writing.to(out);
        }
        return bytes.toByteArray();
    }

    /**
     * Version 1 (one partition): present flag, position, readings; version 2 adds the partition after the flag.
     * Both read back, so a checkpoint of a one-partition job from before partitions resumes.
     */
    private static final class SplitSerializer implements SimpleVersionedSerializer<Split> {
        @Override
        public int getVersion() {
            return 2;
        }

        @Override
        public byte[] serialize(Split split) throws IOException {
            return bytes(out -> write(split, out));
        }

        static void write(Split split, DataOutputStream out) throws IOException {
            out.writeBoolean(split != null);
            if (split != null) {
                out.writeInt(split.partition());
                out.writeLong(split.position());
                out.writeLong(split.readings());
            }
        }

        static Split read(int version, DataInputStream in) throws IOException {
            if (version != 1 && version != 2) throw new IOException("unknown log split version " + version);
            if (!in.readBoolean()) return null;
            int partition = version == 1 ? 0 : in.readInt();
            if (partition < 0 || partition >= LocalLog.MAX_PARTITIONS) {
                throw new IOException("a log split of partition " + partition);
            }
            return new Split(partition, in.readLong(), in.readLong());
        }

        @Override
        public Split deserialize(int version, byte[] serialized) throws IOException {
            return read(version, new DataInputStream(new ByteArrayInputStream(serialized)));
        }
    }

    /** Version 1: the one split or none (as {@link SplitSerializer}'s version 1); version 2: a count, then splits. */
    private static final class UnassignedSerializer implements SimpleVersionedSerializer<Unassigned> {
        @Override
        public int getVersion() {
            return 2;
        }

        @Override
        public byte[] serialize(Unassigned unassigned) throws IOException {
            return bytes(out -> {
                out.writeInt(unassigned.splits().size());
                for (Split s : unassigned.splits()) SplitSerializer.write(s, out);
            });
        }

        @Override
        public Unassigned deserialize(int version, byte[] serialized) throws IOException {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized));
            if (version == 1) {
                Split one = SplitSerializer.read(1, in);
                return new Unassigned(one == null ? List.of() : List.of(one));
            }
            if (version != 2) throw new IOException("unknown log enumerator state version " + version);
            int n = in.readInt();
            if (n < 0 || n > LocalLog.MAX_PARTITIONS) throw new IOException("a log enumerator state of " + n + " splits");
            List<Split> splits = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Split s = SplitSerializer.read(2, in);
                if (s == null) throw new IOException("an absent split in a log enumerator state");
                splits.add(s);
            }
            return new Unassigned(splits);
        }
    }
}
