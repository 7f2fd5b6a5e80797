package io.gridlet.log;

import io.gridlet.log.kafka.KafkaLog;
import io.gridlet.log.local.LocalLog;

import org.apache.kafka.common.utils.Utils;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The durable hand-off between the ingest gateway and the job: the gateway appends what it accepted and
 * acknowledges a batch only once its entry is durable; the job reads the log from a position kept in its
 * checkpoints (the job's sources over a log are in gridlet-flink). Two kinds: {@link LocalLog} (segment files on this machine, the embedded default) and
 * {@link KafkaLog} (a Kafka topic, for a cluster).
 */
public interface IngestLog extends Serializable {
    /** The largest entry either log takes, in bytes: a batch that encodes larger is refused alone. */
    int MAX_ENTRY_BYTES = 1 << 20;

    /** The gateway's side. Appends may come from many threads; entries keep the order of the appends. */
    interface Writer extends AutoCloseable {
        /** Appends an entry; the future completes once it is as durable as the log promises (or fails). */
        CompletableFuture<Void> append(LogRecord record);

        /** The last sequence number held for every meter in the log (read once, at start). */
        Map<String, Long> lastSequences() throws IOException;

        /**
         * The newest data time an entry carries ({@link LogRecord#NO_DATA_TIME}: none): where the job's order gate
         * stands, so a restarted gateway goes on from there.
         */
        long lastDataTime() throws IOException;

        /**
         * How many partitions the entries go to: with more than one, the gateway also appends {@link
         * LogRecord#clock} entries (to every partition) as its data time moves, so a quiet partition holds no
         * one back.
         */
        default int partitions() {
            return 1;
        }

        /** Whether the log holds the end-of-data entry already (read once, at start). */
        boolean endOfData() throws IOException;

        @Override
        void close() throws IOException;
    }

    Writer openWriter() throws IOException;

    /**
     * How many partitions the log has: each meter's entries go to one of them ({@link #partitionOf}), clock and
     * end-of-data entries to all; the job reads each with its own source instance and order gate.
     */
    default int partitions() {
        return 1;
    }

    /**
     * The partition of {@code partitions} a meter's entries go to in a local log: Kafka's default partitioner's
     * (murmur2 of the name's UTF-8 bytes), so a meter lands in the same partition number in either log.
     */
    static int partitionOf(String meter, int partitions) {
        return Utils.toPositive(Utils.murmur2(meter.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** For messages: where the log is. */
    String describe();
}
