package io.gridlet.log.local;

import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The one writer of a {@link LocalLog}; see there for the format and the promises. */
final class LocalLogWriter implements IngestLog.Writer {
    private final Path dir;
    private final LocalLog.Fsync fsync;
    private final long segmentBytes;
    private FileChannel channel;
    private long base;
    private long position;
    private final ByteBuffer header = ByteBuffer.allocate(LocalLog.HEADER);
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final Map<String, Long> lastSequences = new HashMap<>(); // from the log on open, and appended since
    private long lastDataTime;
    private boolean endOfData;
    private final Thread flusher;
    private volatile boolean closed;
    private IOException failed;

    private record Pending(long end, CompletableFuture<Void> done) {
    }

    /**
     * Opens the log, reading it whole first ({@link LogCheck}): a torn tail is cut (a crash mid-write); corruption
     * anywhere is a {@link LogCorruptedException}, and the log is left as it is for the operator.
     */
    LocalLogWriter(Path dir, LocalLog.Fsync fsync, long segmentBytes) throws IOException {
        this.dir = dir;
        this.fsync = fsync;
        this.segmentBytes = segmentBytes;
        Files.createDirectories(dir);
        LogCheck.Report log = LogCheck.check(dir);
        if (log.isCorrupt()) throw log.damage().exception();
        lastSequences.putAll(log.lastSequences());
        lastDataTime = log.lastDataTime();
        endOfData = log.endOfData();
        List<Long> bases = LocalLog.segments(dir);
        if (bases.isEmpty()) {
            startSegment(0);
        } else {
            base = bases.get(bases.size() - 1);
            channel = FileChannel.open(LocalLog.segment(dir, base), StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            long end = log.end() - base;
            if (end < channel.size()) { // the torn tail
                channel.truncate(end);
                channel.force(true);
            }
            channel.position(end);
            position = log.end();
        }
        flusher = new Thread(this::flushLoop, "ingest-log-flusher");
        flusher.setDaemon(true);
        if (fsync == LocalLog.Fsync.ALWAYS) flusher.start();
    }

    private void startSegment(long newBase) throws IOException {
        base = newBase;
        position = newBase;
        channel = FileChannel.open(LocalLog.segment(dir, newBase), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE, StandardOpenOption.READ);
        forceDirectory(dir);
    }

    static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be opened and forced; the entries themselves still are
        }
    }

    @Override
    public CompletableFuture<Void> append(LogRecord record) {
        byte[] entry = record.encode();
        if (entry.length > LocalLog.MAX_ENTRY) {
            return CompletableFuture.failedFuture(new IOException("entry of " + entry.length + " bytes"));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (this) {
            try {
                if (closed) throw new IOException("the log is closed");
                if (failed != null) throw failed;
                if (position - base + LocalLog.HEADER + entry.length > segmentBytes) roll();
                header.clear();
                header.putInt(entry.length).putInt(LocalLog.crc(entry, 0, entry.length)).flip();
                ByteBuffer[] both = {header, ByteBuffer.wrap(entry)};
                long n = 0, want = LocalLog.HEADER + entry.length;
                while (n < want) n += channel.write(both);
                position += want;
                if (!record.isForEveryPartition()) lastSequences.merge(record.meter(), record.lastSeq(), Math::max);
                lastDataTime = Math.max(lastDataTime, record.dataTime());
            } catch (IOException e) {
                // a write cut short leaves part of a frame: nothing may follow it (reopened, it is a torn tail)
                if (failed == null && !closed) failed = e;
                done.completeExceptionally(e);
                return done;
            }
            if (fsync == LocalLog.Fsync.ALWAYS) {
                pending.add(new Pending(position, done));
                notifyAll();
                return done;
            }
        }
        done.complete(null); // written to the operating system: as durable as this policy promises
        return done;
    }

    /** The full segment is forced and closed; the next starts where it ends. */
    private void roll() throws IOException {
        channel.force(false);
        channel.close();
        startSegment(position);
    }

    private void flushLoop() {
        while (true) {
            long target;
            FileChannel c;
            synchronized (this) {
                while (pending.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (pending.isEmpty()) return;
                target = position;
                c = channel;
            }
            IOException error = null;
            try {
                c.force(false);
            } catch (ClosedChannelException e) {
                // rolled (or closed) since: the roll forced everything up to `target`
            } catch (IOException e) {
                error = e;
            }
            List<Pending> durable = new ArrayList<>();
            synchronized (this) {
                if (error != null && failed == null) failed = error;
                while (!pending.isEmpty() && pending.peek().end() <= target) durable.add(pending.poll());
            }
            // completed outside the lock: what waits on them (acknowledgements) may append again
            complete(durable, error);
        }
    }

    @Override
    public synchronized Map<String, Long> lastSequences() {
        return new HashMap<>(lastSequences);
    }

    @Override
    public synchronized boolean endOfData() {
        return endOfData;
    }

    @Override
    public synchronized long lastDataTime() {
        return lastDataTime;
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) return;
            closed = true;
            notifyAll();
        }
        try {
            flusher.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        IOException error = null;
        List<Pending> left;
        synchronized (this) {
            try {
                channel.force(false);
            } catch (IOException e) {
                error = e;
            }
            left = new ArrayList<>(pending);
            pending.clear();
            channel.close();
        }
        complete(left, error);
        if (error != null) throw error;
    }

    private static void complete(List<Pending> done, IOException error) {
        for (Pending p : done) {
            if (error == null) p.done().complete(null);
            else p.done().completeExceptionally(error);
        }
    }
}
