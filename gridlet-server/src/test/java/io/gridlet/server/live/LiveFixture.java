package io.gridlet.server.live;

import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.client.ClientIdentity;
import io.gridlet.client.LiveProtocol;
import io.gridlet.client.Meter;
import io.gridlet.client.MeterFleet;
import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.result.ResultFiles;
import io.gridlet.core.result.ResultLines;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the live service tests share: a generated data set (one reading per plug per second, so data time runs
 * at rate / plugs times real time), its expected results (the core on the sorted data), identities for the
 * fleet, an operator and an analyst, and sessions for them.
 */
final class LiveFixture {
    static final QueryConfig CONFIG = QueryConfig.DEFAULT;
    static final byte[] OPERATOR_SECRET = "operator-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    static final byte[] ANALYST_SECRET = "analyst-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    static final String MALLORY = "mallory";
    static final byte[] MALLORY_SECRET = "mallory-secret-0123456789".getBytes(StandardCharsets.UTF_8);

    final List<Measurement> readings = new ArrayList<>();
    final Path csv;
    final Path expected;
    final Identities identities = new Identities();
    final String gatewayPolicy;
    final String clientPolicy;

    /** {@code houses} x 2 households x 2 plugs, a reading a second for {@code seconds}, no bad lines. */
    LiveFixture(Path dir, int houses, int seconds, int meters) throws IOException {
        GeneratorConfig shape = GeneratorConfig.builder().seed(7)
                .layout(houses, 2, 2)
                .span(seconds / 86_400.0, 1)
                .gaps(0.01, 0.0, 0)
                .badLines(0.0, 0.0)
                .build();
        csv = dir.resolve("readings.csv");
        try (InputStream in = new GeneratedInput(new MeasurementGenerator(shape))) {
            Files.copy(in, csv);
        }
        try (MeasurementReader r = new MeasurementReader(Files.newInputStream(csv), (l, reason, m, t) -> {
            throw new AssertionError("bad generated line " + l + ": " + m);
        })) {
            Measurement m;
            while ((m = r.next()) != null) readings.add(m);
        }
        expected = dir.resolve("expected");
        try (InputStream in = Files.newInputStream(csv); ResultFiles files = new ResultFiles(expected, CONFIG)) {
            new Replay(CONFIG, 0).run(in, files);
        }
        for (int i = 0; i < meters; i++) {
            identities.add(MeterFleet.meterName(i), ("meter-secret-" + i + "-0123456789").getBytes(
                    StandardCharsets.UTF_8), 2, "meter");
        }
        identities.add("ops", OPERATOR_SECRET, 3, "operator");
        identities.add("ana", ANALYST_SECRET, 2, "analyst");
        Path policies = Path.of("..", "examples", "policies");
        gatewayPolicy = Files.readString(policies.resolve("ingest-gateway.policy"));
        clientPolicy = Files.readString(policies.resolve("ingest-meter.policy"));
    }

    /**
     * Each of the {@code meters} meters may report for its own houses only ({@code houses=i%n}, as gridlet serve
     * writes them), and {@code mallory}, a meter too, for house 900 only (no reading of the data set).
     */
    LiveFixture ownHouses(int meters) {
        for (int i = 0; i < meters; i++) {
            String id = MeterFleet.meterName(i);
            identities.add(id, identities.secret(id), 2, Map.of("houses", i + "%" + meters), "meter");
        }
        identities.add(MALLORY, MALLORY_SECRET, 2, Map.of("houses", "900"), "meter");
        return this;
    }

    Meter.Settings meterSettings(int port) {
        return new Meter.Settings("127.0.0.1:" + port, clientPolicy, 200, 2_000, 20);
    }

    /** A session of {@code id} on a fresh channel (closed with the returned handle). */
    record Client(ManagedChannel channel, ClientSession session) implements AutoCloseable {
        @Override
        public void close() {
            session.close();
            channel.shutdownNow();
        }
    }

    Client client(int port, String id, byte[] secret) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        return new Client(channel, ClientSession.open(channel, clientPolicy, new ClientIdentity(id, secret).adaptlets()));
    }

    void endOfData(int port) {
        try (Client ops = client(port, "ops", OPERATOR_SECRET)) {
            ClientCalls.blockingUnaryCall(ops.session().channel(), LiveProtocol.END_OF_DATA, CallOptions.DEFAULT,
                    new byte[0]);
        }
    }

    /** Every output file equals the core's on the sorted data, line for line. */
    void assertFilesExpected(Path out) throws IOException {
        assertFilesEqual(out, expected);
    }

    /**
     * Every output file equals the core's on the data set followed by {@code laterLines} (CSV lines, in timestamp
     * order, all after the data set's: readings another meter had taken).
     */
    void assertFilesExpected(Path out, List<String> laterLines) throws IOException {
        Path both = csv.resolveSibling("readings-and-more.csv");
        Files.copy(csv, both);
        Files.write(both, laterLines, StandardOpenOption.APPEND);
        Path expectedBoth = csv.resolveSibling("expected-with-more");
        try (InputStream in = Files.newInputStream(both); ResultFiles files = new ResultFiles(expectedBoth, CONFIG)) {
            new Replay(CONFIG, 0).run(in, files);
        }
        assertFilesEqual(out, expectedBoth);
    }

    private static void assertFilesEqual(Path out, Path expected) throws IOException {
        for (String file : ResultLines.headers(CONFIG).keySet()) {
            assertThat(Files.readAllLines(out.resolve(file))).as(file)
                    .isEqualTo(Files.readAllLines(expected.resolve(file)));
        }
    }

    /** The expected result lines per file, without headers (for comparing streams, which have no order). */
    Map<String, List<String>> expectedLines() throws IOException {
        Map<String, List<String>> lines = new HashMap<>();
        for (String file : ResultLines.headers(CONFIG).keySet()) {
            List<String> all = Files.readAllLines(expected.resolve(file));
            lines.put(file, new ArrayList<>(all.subList(1, all.size())));
        }
        return lines;
    }
}
