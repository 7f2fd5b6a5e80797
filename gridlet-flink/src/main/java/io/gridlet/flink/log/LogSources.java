package io.gridlet.flink.log;

import io.gridlet.flink.source.SourceRecord;
import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import io.gridlet.log.kafka.KafkaLog;
import io.gridlet.log.local.LocalLog;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;

/**
 * The job's side of an {@link IngestLog}: every reading in the log, in log order, as the order gate takes it.
 * A {@link LocalLog} is read by {@link LocalLogSource}; a {@link KafkaLog} by Flink's Kafka connector, its
 * offsets in the job's checkpoints (the topic is the replayable source; the job resumes from its checkpoints, and
 * commits its positions to the run's consumer group only as a signal: {@link KafkaLog#endOfDataRead}).
 */
public final class LogSources {
    private LogSources() {
    }

    public static Source<SourceRecord, ?, ?> of(IngestLog log) {
        if (log instanceof LocalLog local) return new LocalLogSource(local);
        if (log instanceof KafkaLog kafka) return kafka(kafka);
        throw new IllegalArgumentException("no Flink source for " + log.describe());
    }

    private static Source<SourceRecord, ?, ?> kafka(KafkaLog log) {
        KafkaSourceBuilder<SourceRecord> b = KafkaSource.<SourceRecord>builder()
                .setBootstrapServers(log.bootstrap())
                .setTopics(log.topic())
                .setStartingOffsets(OffsetsInitializer.earliest())
                // positions committed on completed checkpoints: how the service tells the job read the end
                .setGroupId(log.jobGroup())
                .setProperty("commit.offsets.on.checkpoint", "true")
                .setDeserializer(new KafkaEntries());
        log.extra().forEach(b::setProperty);
        if (log.isBounded()) b.setBounded(OffsetsInitializer.latest());
        return b.build();
    }

    /** An entry's readings, numbered by the entry's offset (their "line" in rejection reports). */
    private static final class KafkaEntries implements KafkaRecordDeserializationSchema<SourceRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SourceRecord> out) throws IOException {
            LogReadings.emit(LogRecord.decode(record.value()), record::offset, out::collect);
        }

        @Override
        public TypeInformation<SourceRecord> getProducedType() {
            return TypeInformation.of(SourceRecord.class);
        }
    }
}
