package io.gridlet.flink.log;

import io.gridlet.flink.source.PartitionAlignment;
import io.gridlet.flink.source.SourceRecord;
import io.gridlet.log.LogRecord;
import io.gridlet.log.local.LocalLog;
import io.gridlet.log.local.LogCorruptedException;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceEvent;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The job's side of a {@link LocalLog}: one split per partition, split {@code i} read by the reader of subtask
 * {@code i} (the source runs at parallelism = partitions, each reader followed by its own order gate) from the
 * position in its checkpoint; the readings of each entry are emitted in one go, so a checkpoint always falls between entries.
 * Unbounded: the reader waits for the writer, polling every {@value #POLL_MILLIS} ms when it has caught up, and
 * finishes at the log's end-of-data entry; over several partitions, once every partition's reader met it (see
 * {@link Reader}). Where the log is corrupt it fails the job with the log's
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
     * Where a partition's reader is: the byte position and how many readings came before it (their line numbers);
     * {@code ended}: at the end-of-data entry, waiting for the other partitions' readers to meet theirs.
     */
    record Split(int partition, long position, long readings, boolean ended) implements SourceSplit {
        Split(int partition, long position, long readings) {
            this(partition, position, readings, false);
        }

        @Override
        public String splitId() {
            return idOf(partition);
        }

        static String idOf(int partition) {
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
        return new Enumerator(context, all, Set.of(), log.partitions());
    }

    /** The enumerator's checkpoint: the splits no reader holds. */
    @Override
    public SplitEnumerator<Split, Unassigned> restoreEnumerator(SplitEnumeratorContext<Split> context,
                                                                Unassigned unassigned) {
        return new Enumerator(context, unassigned.splits(), unassigned.ended(), log.partitions());
    }

    @Override
    public SimpleVersionedSerializer<Split> getSplitSerializer() {
        return new SplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<Unassigned> getEnumeratorCheckpointSerializer() {
        return new UnassignedSerializer();
    }

    /** The splits no reader holds, and the partitions whose readers met the end of data (an enumerator's state). */
    record Unassigned(List<Split> splits, Set<Integer> ended) {
        Unassigned {
            splits = List.copyOf(splits);
            ended = Set.copyOf(ended);
        }
    }

    /** A reader to the enumerator: its partition's end-of-data entry is read. */
    record Ended(int partition) implements SourceEvent {
    }

    /** The enumerator to every reader: every partition's end-of-data entry is read; finish. */
    record AllEnded() implements SourceEvent {
    }

    /** A reader to the enumerator: its data time is known to watermark alignment (or it reads nothing more). */
    record Ready() implements SourceEvent {
    }

    /** The enumerator to every reader: every reader is ready; read. */
    record Go() implements SourceEvent {
    }

    /**
     * How long a reader of several partitions waits, after telling alignment its data time is as low as can be,
     * before it says it is ready: three of alignment's reporting rounds.
     */
    static final long WARM_UP_NANOS = 3 * PartitionAlignment.UPDATE_INTERVAL.toNanos();

    /**
     * Hands split {@code i} to the reader of subtask {@code i} when it asks (a reader asks when it starts without a
     * split), and again to its next attempt after a failure. A reader that asks for a split no longer here has
     * read its partition to the end before (its task finished, and a finished task restores with no state): it
     * is told there is nothing more, and finishes again. Over several partitions it also learns which readers are
     * ready to read and which met their partition's end of data: when all are ready it tells them to read, when
     * all met their end to finish. (A task that finished is restored finished: its reader never runs again; it
     * finishes only after every reader met its end, so every other reader is then at its end too.)
     */
    private static final class Enumerator implements SplitEnumerator<Split, Unassigned> {
        private final SplitEnumeratorContext<Split> context;
        private final List<Split> unassigned;
        private final Set<Integer> ended;
        private final Set<Integer> asked = new HashSet<>(); // readers waiting for their split
        private final Set<Integer> ready = new HashSet<>(); // readers ready to read (this attempt)
        private final int partitions;

        Enumerator(SplitEnumeratorContext<Split> context, List<Split> unassigned, Set<Integer> ended,
                   int partitions) {
            this.context = context;
            this.unassigned = new ArrayList<>(unassigned);
            this.ended = new HashSet<>(ended);
            this.partitions = partitions;
        }

        @Override
        public void start() {
        }

        /**
         * Answers once every reader of an unassigned split asked: readers that start together are paced together
         * (Flink's alignment holds no reader back for another that has not reported its data time yet, and one
         * deployed a moment later would let the first run ahead unchecked meanwhile).
         */
        @Override
        public void handleSplitRequest(int subtaskId, String requesterHostname) {
            if (unassigned.stream().noneMatch(s -> s.partition() == subtaskId)) {
                context.signalNoMoreSplits(subtaskId); // read to its end before: it finishes at once
                ended.add(subtaskId);
                tellEveryone();
                return;
            }
            asked.add(subtaskId);
            // (a reader that asked and failed since is no longer registered: its next attempt asks again)
            asked.retainAll(context.registeredReaders().keySet());
            if (!unassigned.stream().allMatch(s -> asked.contains(s.partition()))) return;
            for (Split s : unassigned) context.assignSplit(s, s.partition());
            unassigned.clear();
            asked.clear();
        }

        @Override
        public void handleSourceEvent(int subtaskId, SourceEvent event) {
            if (event instanceof Ready) {
                ready.add(subtaskId);
            } else if (event instanceof Ended e && e.partition() >= 0 && e.partition() < partitions) {
                ended.add(e.partition());
            } else {
                return;
            }
            tellEveryone();
        }

        /** Go when every reader is ready, AllEnded when every reader met its end (either may be told twice). */
        private void tellEveryone() {
            boolean allReady = everyoneReady(), allEnded = ended.size() == partitions;
            if (!allReady && !allEnded) return;
            for (int reader : context.registeredReaders().keySet()) {
                if (allReady) context.sendEventToSourceReader(reader, new Go());
                if (allEnded) context.sendEventToSourceReader(reader, new AllEnded());
            }
        }

        /** Every partition's reader is ready, or past its end (a reader restored at its end reads nothing more). */
        private boolean everyoneReady() {
            for (int p = 0; p < partitions; p++) if (!ready.contains(p) && !ended.contains(p)) return false;
            return true;
        }

        @Override
        public void addSplitsBack(List<Split> splits, int subtaskId) {
            unassigned.addAll(splits); // the reader's next attempt asks for it
            asked.remove(subtaskId);
            ready.remove(subtaskId); // (called on every reset of a reader: its next attempt is not ready yet)
        }

        /**
         * A reader's new attempt (the job started, or restarted after a failure without this enumerator being
         * restored): what its last attempt said no longer holds; it says again that it is ready, and that it is at
         * its end (it is restored to its last checkpoint, perhaps before the end it announced).
         */
        @Override
        public void addReader(int subtaskId) {
            ready.remove(subtaskId);
            ended.remove(subtaskId);
        }

        @Override
        public Unassigned snapshotState(long checkpointId) {
            return new Unassigned(unassigned, ended);
        }

        @Override
        public void close() {
        }
    }

    /**
     * Reads its partition's entries, and finishes at the end-of-data entry. Over several partitions it does not
     * finish there: a task that finishes keeps no state, so a restore of the job before the others finished would
     * lose its gate's counts (and a sealed gate would refuse to start without its state). It tells its gate the
     * end of time instead (the gate releases what it holds and lets data time pass it), tells the enumerator, and
     * waits until every partition's reader did; its checkpoints meanwhile say it is at the end.
     */
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
        private boolean finished;
        // over several partitions: at the end-of-data entry (announced to the enumerator and, as the end of time,
        // to the gate: until every reader met its own the task stays, and the gate's state with it)
        private boolean atEnd, announce;
        private final CompletableFuture<Void> allEnded = new CompletableFuture<>();
        private CompletableFuture<Void> splitArrived = new CompletableFuture<>();
        private CompletableFuture<Void> resumed; // while paused (ahead of the other partitions' readers)
        // over several partitions a reader reads once every reader told alignment where it is: Flink's alignment
        // holds no one back for a reader that has not reported yet, and one that starts a moment before the others
        // would read unchecked meanwhile (as far as its speed takes it)
        private final CompletableFuture<Void> go = new CompletableFuture<>();
        private long warmUntil; // 0: not yet started warming up
        private boolean readySent;

        Reader(LocalLog source, SourceReaderContext context) {
            this.source = source;
            this.context = context;
            if (source.partitions() == 1) go.complete(null);
        }

        @Override
        public void start() {
            if (log == null && !finished) context.sendSplitRequest(); // (a restored split was added before start)
        }

        @Override
        public InputStatus pollNext(ReaderOutput<SourceRecord> output) throws Exception {
            if (finished) return InputStatus.END_OF_INPUT;
            if (atEnd) return waitForAllEnded(output);
            if (log == null || resumed != null) return InputStatus.NOTHING_AVAILABLE;
            if (!go.isDone()) return warmUp(output);
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
                if (source.partitions() == 1) {
                    finished = true;
                    return InputStatus.END_OF_INPUT;
                }
                atEnd = true;
                announce = true;
                return waitForAllEnded(output);
            }
            LogReadings.emit(record, () -> ++readings, output::collect);
            return InputStatus.MORE_AVAILABLE;
        }

        /**
         * Before reading: tells alignment its data time is the lowest there is (so that no reader reads ahead of
         * it), waits for that to be reported, says it is ready, and waits for every reader to be.
         */
        private InputStatus warmUp(ReaderOutput<SourceRecord> output) {
            if (warmUntil == 0) {
                output.emitWatermark(new Watermark(Long.MIN_VALUE + 1));
                warmUntil = System.nanoTime() + WARM_UP_NANOS;
            }
            if (!readySent && System.nanoTime() >= warmUntil) {
                readySent = true;
                context.sendSourceEventToCoordinator(new Ready());
            }
            return InputStatus.NOTHING_AVAILABLE;
        }

        /** At the end of its partition: says so (once per attempt), then finishes when every reader has. */
        private InputStatus waitForAllEnded(ReaderOutput<SourceRecord> output) {
            if (allEnded.isDone()) {
                finished = true;
                return InputStatus.END_OF_INPUT;
            }
            if (announce) {
                announce = false;
                // to the gate: nothing more comes from here (it releases what it holds); to alignment: no one waits
                output.emitWatermark(Watermark.MAX_WATERMARK);
                context.sendSourceEventToCoordinator(new Ended(partition)); // (the enumerator: ready, too)
            }
            return InputStatus.NOTHING_AVAILABLE;
        }

        @Override
        public void handleSourceEvents(SourceEvent event) {
            if (event instanceof AllEnded) allEnded.complete(null);
            if (event instanceof Go) go.complete(null);
        }

        @Override
        public List<Split> snapshotState(long checkpointId) {
            List<Split> state = new ArrayList<>(1);
            if (log != null && !finished) state.add(new Split(partition, log.position(), readings, atEnd));
            return state;
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            if (log == null || finished) return splitArrived;
            if (atEnd) return announce ? CompletableFuture.completedFuture(null) : allEnded;
            if (resumed != null) return resumed;
            if (readySent && !go.isDone()) return go;
            long wait = !go.isDone() && warmUntil != 0
                    ? Math.max(POLL_MILLIS, (warmUntil - System.nanoTime()) / 1_000_000 + 1) : POLL_MILLIS;
            CompletableFuture<Void> later = new CompletableFuture<>();
            TIMER.schedule(() -> later.complete(null), wait, TimeUnit.MILLISECONDS);
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
            if (s.ended()) { // restored at the end: says so again (to a new gate, and an enumerator that may not know)
                atEnd = true;
                announce = true;
            }
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
            String id = Split.idOf(partition);
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
                finished = true; // (the enumerator counts it as at its end, so ready)
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
     * Version 1 (one partition): present flag, position, readings; version 2 adds the partition after the flag;
     * version 3 the ended flag at the end. All read back, so a checkpoint from before partitions resumes.
     */
    private static final class SplitSerializer implements SimpleVersionedSerializer<Split> {
        static final int VERSION = 3;

        @Override
        public int getVersion() {
            return VERSION;
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
                out.writeBoolean(split.ended());
            }
        }

        static Split read(int version, DataInputStream in) throws IOException {
            if (version < 1 || version > VERSION) throw new IOException("unknown log split version " + version);
            if (!in.readBoolean()) return null;
            int partition = version == 1 ? 0 : in.readInt();
            if (partition < 0 || partition >= LocalLog.MAX_PARTITIONS) {
                throw new IOException("a log split of partition " + partition);
            }
            long position = in.readLong(), readings = in.readLong();
            return new Split(partition, position, readings, version >= 3 && in.readBoolean());
        }

        @Override
        public Split deserialize(int version, byte[] serialized) throws IOException {
            return read(version, new DataInputStream(new ByteArrayInputStream(serialized)));
        }
    }

    /**
     * Version 1: the one split or none (as {@link SplitSerializer}'s version 1); version 2: a count, then splits;
     * version 3: splits as the split serializer's version 3, then the ended partitions (a count, then each).
     */
    private static final class UnassignedSerializer implements SimpleVersionedSerializer<Unassigned> {
        @Override
        public int getVersion() {
            return 3;
        }

        @Override
        public byte[] serialize(Unassigned unassigned) throws IOException {
            return bytes(out -> {
                out.writeInt(unassigned.splits().size());
                for (Split s : unassigned.splits()) SplitSerializer.write(s, out);
                out.writeInt(unassigned.ended().size());
                for (int p : unassigned.ended()) out.writeInt(p);
            });
        }

        @Override
        public Unassigned deserialize(int version, byte[] serialized) throws IOException {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized));
            if (version == 1) {
                Split one = SplitSerializer.read(1, in);
                return new Unassigned(one == null ? List.of() : List.of(one), Set.of());
            }
            if (version != 2 && version != 3) throw new IOException("unknown log enumerator state version " + version);
            int n = in.readInt();
            if (n < 0 || n > LocalLog.MAX_PARTITIONS) throw new IOException("a log enumerator state of " + n + " splits");
            List<Split> splits = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Split s = SplitSerializer.read(version, in);
                if (s == null) throw new IOException("an absent split in a log enumerator state");
                splits.add(s);
            }
            Set<Integer> ended = new HashSet<>();
            if (version == 3) {
                int e = in.readInt();
                if (e < 0 || e > LocalLog.MAX_PARTITIONS) throw new IOException("a log enumerator state of " + e
                        + " ended partitions");
                for (int i = 0; i < e; i++) ended.add(in.readInt());
            }
            return new Unassigned(splits, ended);
        }
    }
}
