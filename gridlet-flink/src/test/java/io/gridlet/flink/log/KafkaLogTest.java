package io.gridlet.flink.log;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.result.ResultFiles;
import io.gridlet.core.result.ResultLines;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.RunDirectory;
import io.gridlet.flink.operators.ResultRecord;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.flink.sink.ResultTopic;
import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import io.gridlet.log.kafka.KafkaLog;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ingest log as a Kafka topic, against a real broker (Kafka's own KRaft test kit, in this process, on
 * loopback): what the gateway's writer appends, the job reads through Flink's Kafka connector and computes
 * exactly the core's results on the sorted data; the writer recovers every meter's last sequence number.
 */
class KafkaLogTest {
    private static KafkaClusterTestKit kafka;
    private static String bootstrap;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCoResident(true)
                .setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1") // consumer groups on one broker
                .setConfigProp("offsets.topic.num.partitions", "1")
                .build();
        kafka.format();
        kafka.startup();
        kafka.waitForReadyBrokers();
        bootstrap = kafka.clientProperties().getProperty("bootstrap.servers");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (kafka != null) kafka.close();
    }

    /** With 3 partitions each is read by its own source instance and order gate; a meter's entries are in one. */
    @ParameterizedTest(name = "{0} partitions")
    @ValueSource(ints = {1, 3})
    void theJobOverATopicComputesTheCoreResultsAndTheWriterRecoversSequences(int partitions) throws Exception {
        assertThat(bootstrap).matches("(localhost|127\\.0\\.0\\.1):\\d+");
        String topic = "readings-" + partitions;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        GeneratorConfig shape = GeneratorConfig.builder().seed(11)
                .layout(3, 2, 2)
                .span(1_200 / 86_400.0, 1)
                .gaps(0.01, 0.0, 0)
                .badLines(0.0, 0.0)
                .build();
        io.gridlet.flink.Generated generated = io.gridlet.flink.Generated.in(dir, shape);
        Path csv = generated.csv();

        // three meters (a house each), entries of 40 readings, interleaved as a gateway would append them
        KafkaLog log = new KafkaLog(bootstrap, topic, Map.of());
        assertThat(log.partitions()).isEqualTo(partitions);
        List<List<Measurement>> pending = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        long[] seq = new long[3];
        long readings = 0;
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        try (IngestLog.Writer writer = log.openWriter();
             MeasurementReader reader = new MeasurementReader(Files.newInputStream(csv), (l, r, m, t) -> { })) {
            Measurement m;
            while ((m = reader.next()) != null) {
                readings++;
                int meter = (int) m.houseId() % 3;
                pending.get(meter).add(m);
                if (pending.get(meter).size() == 40) {
                    seq[meter] += 40;
                    acks.add(writer.append(new LogRecord("meter-" + meter, seq[meter], pending.get(meter))));
                    pending.get(meter).clear();
                }
            }
            for (int i = 0; i < 3; i++) {
                seq[i] += pending.get(i).size();
                acks.add(writer.append(new LogRecord("meter-" + i, seq[i], pending.get(i))));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            writer.append(LogRecord.END_OF_DATA).get(30, TimeUnit.SECONDS);
            assertThat(writer.lastSequences()).containsExactlyInAnyOrderEntriesOf(
                    Map.of("meter-0", seq[0], "meter-1", seq[1], "meter-2", seq[2]));
        }

        Path out = dir.resolve("out");
        RunDirectory work = new RunDirectory(out);
        FlinkRun run = new FlinkRun(QueryConfig.DEFAULT, 600, Duration.ofMillis(500)).partitions(partitions);
        work.prepare(run.identity(log.describe()), true);
        FlinkRun.Outcome outcome = run.run(FlinkRun.embedded(2, Math.max(2, partitions), 0),
                LogSources.of(log.bounded()), "kafka test", out, work,
                Optional.empty(), job -> { }, results -> { });
        assertThat(outcome.counts().loads() + outcome.counts().works()).isEqualTo(readings);
        assertThat(outcome.counts().rejections().total()).isZero();
        generated.assertSameFiles(out);
    }

    @Test
    void theEndOfDataIsReadOnlyOnceTheJobsGroupCommittedThroughIt() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic("ending", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        KafkaLog log = new KafkaLog(bootstrap, "ending", Map.of()).forRun("run-2");
        KafkaLog earlier = new KafkaLog(bootstrap, "ending", Map.of()).forRun("run-1");
        assertThat(log.endOfDataRead()).as("an empty topic").isFalse();
        Measurement m = new Measurement(1, 1_377_986_401L, 10_000, io.gridlet.core.model.Property.LOAD, 0, 0, 0);
        try (IngestLog.Writer writer = log.openWriter(); KafkaLog.EndOfDataProbe probe = log.endOfDataProbe()) {
            assertThat(probe.read()).as("the same question through a probe kept open").isFalse();
            writer.append(new LogRecord("meter-0", 1, List.of(m))).get(30, TimeUnit.SECONDS);
            commit(log.jobGroup(), "ending", 1);
            assertThat(log.endOfDataRead()).as("read to the end, but no end in it").isFalse();
            writer.append(LogRecord.END_OF_DATA).get(30, TimeUnit.SECONDS);
            assertThat(log.endOfDataRead()).as("the end is in it, not yet read").isFalse();
            assertThat(probe.read()).isFalse();
            commit(log.jobGroup(), "ending", 2);
            assertThat(log.endOfDataRead()).isTrue();
            assertThat(probe.read()).isTrue();
            assertThat(probe.read()).as("asked again (its partitions paused by the last answer)").isTrue();
            commit("someone-else", "ending", 0);
            assertThat(log.endOfDataRead()).as("another group's position does not count").isTrue();
            assertThat(earlier.endOfDataRead()).as("another run over the same topic has read nothing yet")
                    .isFalse();
        }
        try (IngestLog.Writer reopened = log.openWriter()) {
            assertThat(reopened.endOfData()).as("a restarted gateway knows the data has ended").isTrue();
        }
    }

    /**
     * The gateway writes the end of data to each partition in turn: one that died between them left it in some.
     * The next writer completes it in the others (each partition's reader must meet it, or the drain waits forever).
     */
    @Test
    void anEndOfDataACrashLeftInSomePartitionsIsCompletedInTheOthers() throws Exception {
        long t0 = 1_377_986_401L;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic("half-ended", 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("half-ended", 1, null, LogRecord.END_OF_DATA.encode()))
                    .get(30, TimeUnit.SECONDS);
        }
        KafkaLog log = new KafkaLog(bootstrap, "half-ended", Map.of());
        assertThat(log.recover().endedPartitions()).containsExactly(1);
        try (IngestLog.Writer writer = log.openWriter()) {
            assertThat(writer.endOfData()).isTrue();
        }
        assertThat(log.recover().endedPartitions()).containsExactlyInAnyOrder(0, 1, 2);
        try (IngestLog.Writer writer = log.openWriter()) { // complete: nothing more is written
            assertThat(writer.endOfData()).isTrue();
        }
        assertThat(log.recover().endedPartitions()).containsExactlyInAnyOrder(0, 1, 2);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> all = List.of(new TopicPartition("half-ended", 0),
                    new TopicPartition("half-ended", 1), new TopicPartition("half-ended", 2));
            assertThat(consumer.endOffsets(all).values()).as("one end entry in each").containsOnly(1L);
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) { // someone else writes after the end
            producer.send(new ProducerRecord<>("half-ended", 2, null, LogRecord.clock(t0).encode()))
                    .get(30, TimeUnit.SECONDS);
        }
        assertThat(log.recover().endedPartitions()).as("an end counts where it is the last entry")
                .containsExactlyInAnyOrder(0, 1);
    }

    private static void commit(String group, String topic, long offset) {
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(Map.of(
                "bootstrap.servers", bootstrap, "group.id", group, "enable.auto.commit", "false"),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.commitSync(Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(offset)));
        }
    }

    /**
     * The results topic into a hub: followed from its end at {@link ResultTopic#follow} (earlier records are
     * not handed on), each result handed on once though produced again (a job's restart), a record that is not
     * a result skipped and counted, and what follows it still handed on.
     */
    @Test
    void theResultsTopicHandsEachResultOnOnce() throws Exception {
        ResultRecord a = new ResultRecord("q1-plug-60.csv", 60, 1, 2, 3, "a"),
                b = new ResultRecord("q1-plug-60.csv", 120, 1, 2, 3, "b"),
                c = new ResultRecord("q2-3600.csv", 120, 1, 2, 0, "c"),
                early = new ResultRecord("q1-plug-60.csv", 0, 9, 9, 9, "early");
        ResultTopic.create(bootstrap, "results", Map.of());
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(Map.of(
                "bootstrap.servers", bootstrap),
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("results",
                    ResultTopic.encode(early))).get(30, TimeUnit.SECONDS);
            ResultHub hub = ResultHub.named("kafka-log-test");
            List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (ResultHub.Listening l = hub.listen(r -> got.add(r.line()));
                 ResultTopic.Following following = ResultTopic.follow(bootstrap, "results", Map.of(),
                         java.util.Set.of("q1-plug-60.csv", "q2-3600.csv"), hub)) {
                ResultRecord forged = new ResultRecord("../../etc/passwd", Long.MAX_VALUE, 1, 2, 3, "x");
                for (byte[] value : List.of(ResultTopic.encode(a), ResultTopic.encode(b),
                        new byte[] {1, 0, 0, 0x7f, 0}, ResultTopic.encode(forged), ResultTopic.encode(a),
                        ResultTopic.encode(b), ResultTopic.encode(c), ResultTopic.encode(c))) {
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("results", value))
                            .get(30, TimeUnit.SECONDS);
                }
                assertThat(following.awaitEnd(Duration.ofSeconds(30))).as("followed to the end").isTrue();
                assertThat(following.received()).isEqualTo(8);
                assertThat(following.malformed()).as("not a record, and not a file of the run").isEqualTo(2);
                assertThat(got).containsExactly("a", "b", "c");
                assertThat(hub.repeated()).isEqualTo(3);
            } finally {
                ResultHub.remove("kafka-log-test");
            }
        }
    }

    @Test
    void aResultRecordDecodesOnlyFromItsOwnEncoding() throws Exception {
        ResultRecord r = new ResultRecord("q1-house-300.csv", 300, 4, 0, 0, "1377986700,4,12.5,13.0");
        assertThat(ResultTopic.decode(ResultTopic.encode(r))).isEqualTo(r);
        byte[] whole = ResultTopic.encode(r);
        for (int cut = 0; cut < whole.length; cut++) {
            byte[] shorter = java.util.Arrays.copyOf(whole, cut);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResultTopic.decode(shorter))
                    .isInstanceOf(java.io.IOException.class);
        }
        byte[] longer = java.util.Arrays.copyOf(whole, whole.length + 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResultTopic.decode(longer))
                .isInstanceOf(java.io.IOException.class);
        java.io.ByteArrayOutputStream first = new java.io.ByteArrayOutputStream(); // version 1: int-length strings
        java.io.DataOutputStream out = new java.io.DataOutputStream(first);
        out.writeByte(1);
        out.writeInt(r.file().length());
        out.writeBytes(r.file());
        for (long v : new long[] {r.order(), r.house(), r.household(), r.plug()}) out.writeLong(v);
        out.writeInt(r.line().length());
        out.writeBytes(r.line());
        assertThat(ResultTopic.decode(first.toByteArray())).as("an earlier jar's results").isEqualTo(r);
        byte[] otherVersion = whole.clone();
        otherVersion[0] = 3;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResultTopic.decode(otherVersion))
                .isInstanceOf(java.io.IOException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResultTopic.decode(new byte[9_000]))
                .isInstanceOf(java.io.IOException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResultTopic.decode(null))
                .isInstanceOf(java.io.IOException.class);
    }
}
