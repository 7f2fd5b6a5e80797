package io.gridlet.log.local;

import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The writer of a local log of several partitions: a meter's entries go to its partition
 * ({@link IngestLog#partitionOf}), so they stay in order; clock and end-of-data entries go to every partition, so
 * every reader meets them. What it recovers is the union of its partitions'. The end of data is there once any
 * partition holds it: a crash between partitions leaves some without, and opening completes it in those (readings
 * appended after it to a partition that holds it would never be read).
 */
final class PartitionedWriter implements IngestLog.Writer {
    private final List<IngestLog.Writer> partitions;

    PartitionedWriter(List<IngestLog.Writer> partitions) throws IOException {
        this.partitions = List.copyOf(partitions);
        boolean any = false, all = true;
        for (IngestLog.Writer w : partitions) {
            any |= w.endOfData();
            all &= w.endOfData();
        }
        if (any && !all) {
            for (IngestLog.Writer w : partitions) {
                if (w.endOfData()) continue;
                try {
                    w.append(LogRecord.END_OF_DATA).get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while completing the end of data", e);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IOException("could not complete the end of data: " + e.getCause(), e.getCause());
                }
            }
        }
    }

    @Override
    public CompletableFuture<Void> append(LogRecord record) {
        if (!record.isForEveryPartition()) {
            return partitions.get(IngestLog.partitionOf(record.meter(), partitions.size())).append(record);
        }
        CompletableFuture<?>[] all = new CompletableFuture<?>[partitions.size()];
        for (int i = 0; i < all.length; i++) all[i] = partitions.get(i).append(record);
        return CompletableFuture.allOf(all);
    }

    @Override
    public int partitions() {
        return partitions.size();
    }

    @Override
    public Map<String, Long> lastSequences() throws IOException {
        Map<String, Long> all = new HashMap<>();
        for (IngestLog.Writer w : partitions) w.lastSequences().forEach((m, s) -> all.merge(m, s, Math::max));
        return all;
    }

    @Override
    public long lastDataTime() throws IOException {
        long newest = LogRecord.NO_DATA_TIME;
        for (IngestLog.Writer w : partitions) newest = Math.max(newest, w.lastDataTime());
        return newest;
    }

    @Override
    public boolean endOfData() throws IOException {
        for (IngestLog.Writer w : partitions) if (w.endOfData()) return true;
        return false;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (IngestLog.Writer w : partitions) {
            try {
                w.close();
            } catch (IOException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
