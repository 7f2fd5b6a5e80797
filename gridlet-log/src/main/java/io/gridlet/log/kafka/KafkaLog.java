package io.gridlet.log.kafka;

import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The ingest log as a Kafka topic, for a Flink cluster: the gateway produces each entry keyed by its meter (a
 * meter's entries stay in order in one partition) with {@code acks=all} and idempotence, and acknowledges a batch
 * once Kafka has; the job reads the topic with Flink's Kafka connector (gridlet-flink), one source instance and
 * order gate per partition, its offsets in the job's checkpoints (the topic is the replayable source; it resumes
 * from those alone). Clock and end-of-data entries go to every partition.
 *
 * <p>The end-of-data entry is written like any other but does not end the job: Kafka's source stops at offsets,
 * not at content. A run over the topic as it is ({@link #bounded}) reads up to the offsets at its start and
 * finishes; the continuous job also commits its positions to its run's consumer group, and the service drains it
 * once those are past the end ({@link #endOfDataRead}).
 */
public final class KafkaLog implements IngestLog {
    private static final long serialVersionUID = 1L;
    private final String bootstrap;
    private final String topic;
    private final boolean bounded;
    private final Map<String, String> extra;
    private final String run;

    /** The topic {@code topic} at {@code bootstrap} (host:port,...); {@code extra} client settings (security). */
    public KafkaLog(String bootstrap, String topic, Map<String, String> extra) {
        this(bootstrap, topic, extra, false);
    }

    private KafkaLog(String bootstrap, String topic, Map<String, String> extra, boolean bounded, String run) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.extra = new HashMap<>(extra);
        this.bounded = bounded;
        this.run = run;
    }

    private KafkaLog(String bootstrap, String topic, Map<String, String> extra, boolean bounded) {
        this(bootstrap, topic, extra, bounded, null);
    }

    /** The same topic, read by the job up to its end offsets when the job starts, then finished. */
    public KafkaLog bounded() {
        return new KafkaLog(bootstrap, topic, extra, true, run);
    }

    /**
     * The same topic, read by the job of one run (its id stays the same when the run resumes): the job's read
     * positions go to a consumer group of that run alone ({@link #jobGroup}), so an earlier run's positions over
     * the same topic tell nothing about this one.
     */
    public KafkaLog forRun(String runId) {
        return new KafkaLog(bootstrap, topic, extra, bounded, java.util.Objects.requireNonNull(runId));
    }

    @Override
    public String describe() {
        return "Kafka topic " + topic + " at " + bootstrap + (bounded ? " (up to its end at the start)" : "");
    }

    private Properties clientProperties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.putAll(extra);
        return p;
    }

    @Override
    public Writer openWriter() {
        Properties p = clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(MAX_ENTRY_BYTES + 1024));
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer());
        int partitions = producer.partitionsFor(topic).size();
        return new Writer() {
            private Recovered recovered;

            @Override
            public int partitions() {
                return partitions;
            }

            @Override
            public CompletableFuture<Void> append(LogRecord record) {
                if (record.isForEveryPartition()) { // end and clock entries in every partition: every reader meets them
                    return sendTo(producer.partitionsFor(topic).stream().map(PartitionInfo::partition).toList(),
                            record);
                }
                return send(new ProducerRecord<>(topic, record.meter().getBytes(StandardCharsets.UTF_8),
                        record.encode()));
            }

            private CompletableFuture<Void> sendTo(List<Integer> partitions, LogRecord record) {
                byte[] bytes = record.encode();
                List<CompletableFuture<Void>> all = new ArrayList<>(partitions.size());
                for (int p : partitions) all.add(send(new ProducerRecord<>(topic, p, null, bytes)));
                return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
            }

            private CompletableFuture<Void> send(ProducerRecord<byte[], byte[]> r) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                try {
                    producer.send(r, (metadata, error) -> {
                        if (error != null) done.completeExceptionally(error);
                        else done.complete(null);
                    });
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
                return done;
            }

            @Override
            public synchronized Map<String, Long> lastSequences() throws IOException {
                return recovered().lastSequences();
            }

            @Override
            public synchronized long lastDataTime() throws IOException {
                return recovered().lastDataTime();
            }

            /**
             * Whether the end-of-data entry is in the topic; one a crash left in only some partitions (it goes to
             * each in turn) is completed in the others first, so that every partition's reader meets it.
             */
            @Override
            public synchronized boolean endOfData() throws IOException {
                Recovered r = recovered();
                if (r.endOfData() && r.endedPartitions().size() < partitions) {
                    List<Integer> missing = IntStream.range(0, partitions)
                            .filter(i -> !r.endedPartitions().contains(i)).boxed().toList();
                    try {
                        sendTo(missing, LogRecord.END_OF_DATA).get(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted completing the end of data in " + topic, e);
                    } catch (ExecutionException | TimeoutException e) {
                        throw new IOException("could not complete the end of data in " + topic + ": " + e, e);
                    }
                    recovered = new Recovered(r.lastSequences(), r.lastDataTime(),
                            IntStream.range(0, partitions).boxed().collect(Collectors.toSet()));
                }
                return r.endOfData();
            }

            /** The topic as it was when the writer opened (read once: appends since are the writer's own). */
            private Recovered recovered() throws IOException {
                if (recovered == null) recovered = recover();
                return recovered;
            }

            @Override
            public void close() {
                producer.close(Duration.ofSeconds(30)); // sends what is buffered first
            }
        };
    }

    /**
     * What a gateway recovers from the topic: each meter's last sequence number, the newest data time, and the
     * partitions whose last entry is the end-of-data entry.
     */
    public record Recovered(Map<String, Long> lastSequences, long lastDataTime, Set<Integer> endedPartitions) {
        public Recovered {
            endedPartitions = Set.copyOf(endedPartitions);
        }

        /** The end-of-data entry is in at least one partition (the gateway writes it to each in turn). */
        public boolean endOfData() {
            return !endedPartitions.isEmpty();
        }
    }


    /**
     * The topic's partitions now (asked of the broker): the job reads each with its own source instance and order
     * gate, so a topic's partitions must not change during a run (the run's identity names them).
     */
    @Override
    public int partitions() {
        // asked as the gateway's producer asks (a topic the broker creates on first use exists afterwards)
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(clientProperties(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            List<PartitionInfo> info = producer.partitionsFor(topic);
            if (info == null || info.isEmpty()) throw new IllegalStateException("topic " + topic + " has no partitions");
            return info.size();
        }
    }

    /** Each meter's last sequence number in the topic now. */
    public Map<String, Long> lastSequences() throws IOException {
        return recover().lastSequences();
    }

    /** Reads the whole topic, up to its end offsets now (slow for a long topic: see docs/live-service.md). */
    public Recovered recover() throws IOException {
        Properties p = clientProperties();
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Map<String, Long> last = new HashMap<>();
        long dataTime = LogRecord.NO_DATA_TIME;
        Set<Integer> ended = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    LogRecord entry = LogRecord.decode(r.value());
                    // (the end counts where it is a partition's last entry: the drain waits for every partition's
                    // readers to pass an end of data at the end of it)
                    if (entry.isEnd()) ended.add(r.partition());
                    else ended.remove(r.partition());
                    if (!entry.isEnd() && !entry.isClock()) last.merge(entry.meter(), entry.lastSeq(), Math::max);
                    dataTime = Math.max(dataTime, entry.dataTime());
                }
            }
        }
        return new Recovered(last, dataTime, ended);
    }

    /**
     * The consumer group the job's source commits its read positions to when a checkpoint completes (for
     * {@link #endOfDataRead}; the job itself resumes from its checkpoints, never from these).
     */
    public String jobGroup() {
        return "gridlet-job-" + topic + (run == null ? "" : "-" + run);
    }

    /**
     * Whether the end of the data is in the topic and the job has read all of it: the last entry of every
     * partition is the end-of-data entry, and the job's group ({@link #jobGroup}) has committed positions at the
     * topic's end, that is a completed checkpoint holds everything up to the end. Then the job can be drained
     * (stopped with its final results) without losing a reading. (One question; to ask again and again, keep an
     * {@link #endOfDataProbe}.)
     */
    public boolean endOfDataRead() throws IOException {
        try (EndOfDataProbe probe = endOfDataProbe()) {
            return probe.read();
        }
    }

    /** {@link #endOfDataRead}'s question, asked through one consumer kept open until closed. */
    public EndOfDataProbe endOfDataProbe() {
        return new EndOfDataProbe();
    }

    /** See {@link #endOfDataProbe}. Not thread-safe: one thread asks. */
    public final class EndOfDataProbe implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;

        private EndOfDataProbe() {
            Properties p = clientProperties();
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.GROUP_ID_CONFIG, jobGroup()); // only read: this consumer never commits
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        /** See {@link KafkaLog#endOfDataRead}. */
        public boolean read() throws IOException {
            try {
                List<TopicPartition> partitions = new ArrayList<>();
                for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(10))) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
                if (partitions.isEmpty()) return false;
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
                var committed = consumer.committed(new java.util.HashSet<>(partitions), Duration.ofSeconds(10));
                for (TopicPartition tp : partitions) {
                    if (end.get(tp) < 1) return false;
                    var position = committed.get(tp);
                    if (position == null || position.offset() < end.get(tp)) return false;
                }
                consumer.assign(partitions);
                consumer.resume(partitions);
                for (TopicPartition tp : partitions) consumer.seek(tp, end.get(tp) - 1);
                java.util.Set<TopicPartition> seen = new java.util.HashSet<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (seen.size() < partitions.size() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        if (r.offset() != end.get(tp) - 1) continue;
                        if (!LogRecord.decode(r.value()).isEnd()) return false;
                        seen.add(tp);
                        consumer.pause(List.of(tp));
                    }
                }
                return seen.size() == partitions.size();
            } catch (org.apache.kafka.common.KafkaException e) {
                throw new IOException("cannot read topic " + topic + " at " + bootstrap + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    public String bootstrap() {
        return bootstrap;
    }

    public String topic() {
        return topic;
    }

    /** Whether the job reads only up to the topic's end offsets at its start. */
    public boolean isBounded() {
        return bounded;
    }

    /** The extra client settings (security), for the job's consumer as for this producer. */
    public Map<String, String> extra() {
        return Map.copyOf(extra);
    }
}
