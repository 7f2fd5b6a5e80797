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
import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import io.gridlet.log.kafka.KafkaLog;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
                .setNumBrokerNodes(1).setNumControllerNodes(1).build()).build();
        kafka.format();
        kafka.startup();
        kafka.waitForReadyBrokers();
        bootstrap = kafka.clientProperties().getProperty("bootstrap.servers");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (kafka != null) kafka.close();
    }

    @Test
    void theJobOverATopicComputesTheCoreResultsAndTheWriterRecoversSequences() throws Exception {
        assertThat(bootstrap).matches("(localhost|127\\.0\\.0\\.1):\\d+");
        // one partition: the order gate takes the topic in one order (see KafkaLog on partitions)
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic("readings", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
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
        KafkaLog log = new KafkaLog(bootstrap, "readings", Map.of());
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
        FlinkRun run = new FlinkRun(QueryConfig.DEFAULT, 600, Duration.ofMillis(500));
        work.prepare(run.identity(log.describe()), true);
        FlinkRun.Outcome outcome = run.run(FlinkRun.embedded(2), LogSources.of(log.bounded()), "kafka test", out, work,
                Optional.empty(), job -> { }, results -> { });
        assertThat(outcome.counts().loads() + outcome.counts().works()).isEqualTo(readings);
        assertThat(outcome.counts().rejections().total()).isZero();
        generated.assertSameFiles(out);
    }
}
