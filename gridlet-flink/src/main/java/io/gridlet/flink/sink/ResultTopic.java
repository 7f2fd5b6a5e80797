package io.gridlet.flink.sink;

import io.gridlet.flink.operators.ResultRecord;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Results through a Kafka topic, for a job that does not run in the service's process (a Flink cluster): the
 * job's sink produces every result to the topic ({@link #sink}, at least once: flushed on every checkpoint, so
 * after a restart the results since the last checkpoint are produced again), and the service follows the topic
 * into its {@link ResultHub} ({@link #follow}), which hands each result on once: it drops a result of a place
 * (file, house, household, plug) at or before the last it handed on. That holds because a place's results are
 * produced in increasing order and keyed by the place, so they stay in order in one partition.
 */
public final class ResultTopic {
    /** The most a result's encoding may have (a line is under 100 bytes; its strings are bounded by ResultRecord). */
    static final int MAX_RECORD_BYTES = 2 * ResultRecord.MAX_STRING_BYTES + 64;
    private static final byte VERSION = 2; // (1: strings with int lengths)

    private ResultTopic() {
    }

    /**
     * A sink producing each result to {@code topic} at {@code bootstrap} ({@code extra}: client settings, e.g.
     * security), keyed by its place; idempotent, so retries do not reorder a place's results.
     */
    public static Sink<ResultRecord> sink(String bootstrap, String topic, Map<String, String> extra) {
        Properties p = new Properties();
        p.putAll(extra);
        p.put("enable.idempotence", "true");
        p.put("acks", "all");
        return KafkaSink.<ResultRecord>builder()
                .setBootstrapServers(bootstrap)
                .setKafkaProducerConfig(p)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setRecordSerializer(new Serializer(topic))
                .build();
    }

    /**
     * Makes {@code topic} if it does not exist: one partition (the service reads it in one thread), the
     * broker's default replication.
     */
    public static void create(String bootstrap, String topic, Map<String, String> extra) throws IOException {
        Properties p = new Properties();
        p.putAll(extra);
        p.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IOException("cannot make topic " + topic + " at " + bootstrap + ": " + e.getCause(), e);
            }
        } catch (Exception e) {
            throw new IOException("cannot make topic " + topic + " at " + bootstrap + ": " + e, e);
        }
    }

    /** A result as the topic carries it: version 2, then {@link ResultRecord#writeTo}. */
    public static byte[] encode(ResultRecord r) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + r.line().length());
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            r.writeTo(out);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A result from its encoding; anything else (too long, cut short, trailing bytes) is an IOException. */
    public static ResultRecord decode(byte[] bytes) throws IOException {
        if (bytes == null || bytes.length > MAX_RECORD_BYTES) throw new IOException("not a result record");
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
        byte version = in.readByte();
        if (version != VERSION && version != 1) throw new IOException("unknown result record version " + version);
        ResultRecord r = version == VERSION ? ResultRecord.readFrom(in) : readFirstForm(in);
        if (in.available() != 0) throw new IOException("bytes after a result record");
        return r;
    }

    /** Version 1 (a job of an earlier jar on a cluster): the same fields, strings as an int length and UTF-8. */
    private static ResultRecord readFirstForm(DataInputStream in) throws IOException {
        String file = readIntLengthString(in);
        long order = in.readLong(), house = in.readLong(), household = in.readLong(), plug = in.readLong();
        return new ResultRecord(file, order, house, household, plug, readIntLengthString(in));
    }

    private static String readIntLengthString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) throw new IOException("a string longer than the record");
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    static byte[] key(ResultRecord r) {
        return (r.file() + '|' + r.house() + '|' + r.household() + '|' + r.plug()).getBytes(StandardCharsets.UTF_8);
    }

    private static final class Serializer implements KafkaRecordSerializationSchema<ResultRecord> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        Serializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(ResultRecord r, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, key(r), encode(r));
        }
    }

    /**
     * A thread following the topic into a hub; closing it stops the thread. A record that is not a result of
     * one of the run's files is skipped and counted; a failing poll is retried every second and counted.
     */
    public static final class Following implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Properties settings;
        private final Set<String> files;
        private final Thread thread;
        private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
        private final AtomicLong received = new AtomicLong(), malformed = new AtomicLong(),
                failures = new AtomicLong();
        private volatile boolean closed;

        private Following(KafkaConsumer<byte[], byte[]> consumer, Properties settings, Set<String> files,
                          ResultHub hub) {
            this.consumer = consumer;
            this.settings = settings;
            this.files = Set.copyOf(files);
            this.thread = new Thread(() -> loop(hub), "gridlet-result-topic");
            thread.setDaemon(true);
        }

        private void loop(ResultHub hub) {
            try {
                while (!closed) {
                    ConsumerRecords<byte[], byte[]> records;
                    try {
                        records = consumer.poll(Duration.ofMillis(500));
                    } catch (WakeupException e) {
                        return;
                    } catch (RuntimeException e) { // e.g. the broker away, an authorization change
                        failures.incrementAndGet();
                        sleep();
                        continue;
                    }
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        received.incrementAndGet();
                        handle(r, hub);
                    }
                    // what is handed on, by the consumer's own positions (past any transaction markers too)
                    try {
                        for (TopicPartition tp : consumer.assignment()) positions.put(tp, consumer.position(tp));
                    } catch (WakeupException e) {
                        return;
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                }
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }

        private void handle(ConsumerRecord<byte[], byte[]> r, ResultHub hub) {
            ResultRecord result;
            try {
                result = decode(r.value());
            } catch (IOException e) {
                malformed.incrementAndGet(); // not from the job's sink: skipped, counted
                return;
            }
            if (!files.contains(result.file())) {
                malformed.incrementAndGet();
                return;
            }
            try {
                hub.publish(result);
            } catch (RuntimeException e) { // a listener's failure is its own
                failures.incrementAndGet();
            }
        }

        private void sleep() {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }

        /** Records read from the topic; those that were not results of the run (skipped); failed polls. */
        public long received() {
            return received.get();
        }

        public long malformed() {
            return malformed.get();
        }

        public long failures() {
            return failures.get();
        }

        /**
         * Waits until everything in the topic now has been handed to the hub (the job's last results, before
         * the service closes); false if that took longer than {@code wait}.
         */
        public boolean awaitEnd(Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            Map<TopicPartition, Long> end;
            try (KafkaConsumer<byte[], byte[]> probe = new KafkaConsumer<>(settings, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                end = probe.endOffsets(List.copyOf(positions.keySet()), wait);
            } catch (RuntimeException e) {
                return false;
            }
            while (System.nanoTime() < deadline && thread.isAlive()) {
                if (end.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
                    return true;
                }
                Thread.sleep(50);
            }
            return false;
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            consumer.wakeup();
            thread.join(10_000);
        }
    }

    /**
     * Follows {@code topic} from its end now (results the job produces from here on; subscribers get results
     * from the moment they subscribe) into {@code hub}; only results of {@code files} (the run's result files)
     * are handed on. The position is fixed before this returns.
     */
    public static Following follow(String bootstrap, String topic, Map<String, String> extra, Set<String> files,
                                   ResultHub hub) throws IOException {
        create(bootstrap, topic, extra);
        Properties p = new Properties();
        p.putAll(extra);
        p.put("bootstrap.servers", bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 << 20));
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        Following f;
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.isEmpty()) { // a topic just made may not be known to every broker yet
                for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
                if (partitions.isEmpty()) {
                    if (System.nanoTime() > deadline) throw new IllegalStateException("the topic has no partitions");
                    Thread.sleep(200);
                }
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            f = new Following(consumer, p, files, hub);
            for (TopicPartition tp : partitions) f.positions.put(tp, consumer.position(tp, Duration.ofSeconds(30)));
        } catch (RuntimeException | InterruptedException e) {
            consumer.close(Duration.ZERO);
            throw new IOException("cannot follow topic " + topic + " at " + bootstrap + ": " + e.getMessage(), e);
        }
        f.thread.start();
        return f;
    }
}
