package io.gridlet.enclave.sealing;


import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.engine.OrderGate;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.QueryEngine;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.result.ResultCollector;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.ReadingKeys;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The core's engine behind the seal gives exactly the plaintext engine's results. */
class TrustedEngineTest {
    static final long LATENESS = 5;
    // 0.4 days of 24 plugs, late and malformed lines included (the producer drops what does not parse)
    static final GeneratorConfig DATA = GeneratorConfig.builder().seed(8)
            .layout(3, 2, 4)
            .span(0.4, 5)
            .gaps(0.01, 0.05, 20)
            .badLines(0.002, 0.001)
            .build();

    static List<Measurement> readings() throws IOException {
        List<Measurement> out = new ArrayList<>();
        try (InputStream in = new GeneratedInput(new MeasurementGenerator(DATA));
             MeasurementReader reader = new MeasurementReader(in, new Rejections())) {
            for (Measurement m; (m = reader.next()) != null; ) out.add(m);
        }
        return out;
    }

    /** The oracle: the plain core, gate then engine. */
    static Map<String, List<String>> plain(List<Measurement> readings) {
        ResultCollector results = new ResultCollector();
        QueryEngine engine = new QueryEngine(QueryConfig.DEFAULT, results);
        OrderGate gate = new OrderGate(LATENESS, new Rejections());
        for (int i = 0; i < readings.size(); i++) gate.offer(readings.get(i), i + 1, engine::accept);
        gate.flush(engine::accept);
        engine.finish();
        return results.lines();
    }

    @Test
    void sealedInSealedOutAndTheSubscriberReadsExactlyThePlainResults() throws IOException {
        List<Measurement> readings = readings();
        ReadingKeys owner = ReadingKeys.generate();
        KeyRing subscriber = KeyRing.generate();
        MeterSealer producer = MeterSealingTest.meter(owner, "meter-1", "*", 1);
        List<SealedResult> sealed = new ArrayList<>();
        TrustedEngine engine = new TrustedEngine(owner, subscriber, QueryConfig.DEFAULT, LATENESS, sealed::add);
        List<Measurement> kept = new ArrayList<>();
        int tampered = 0;
        int replayed = 0;
        SealedBlock previous = null;
        for (int i = 0; i < readings.size(); i++) {
            SealedBlock s = producer.seal(readings.get(i));
            if (i % 997 == 13) { // a changed ciphertext on the way: refused inside, never reaches the queries
                byte[] c = s.ciphertext().clone();
                c[i % c.length] ^= 0x20;
                s = new SealedBlock(s.meter(), s.epoch(), s.enc(), s.seq(), s.timestamps(), c);
                tampered++;
            } else {
                kept.add(readings.get(i));
            }
            engine.accept(s);
            if (i % 1009 == 500 && previous != null) { // a captured reading sent again: refused, counted once
                engine.accept(previous);
                replayed++;
            }
            previous = s;
        }
        engine.finish();
        assertThat(engine.refused()).isEqualTo(Map.of("TAMPERED", (long) tampered, "REPLAYED", (long) replayed));

        ResultOpener opener = new ResultOpener(subscriber);
        Map<String, List<String>> opened = new TreeMap<>();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(wire);
        for (SealedResult r : sealed) {
            r.writeTo(out);
            opened.computeIfAbsent(r.file(), f -> new ArrayList<>()).add(opener.open(r));
        }
        Map<String, List<String>> expected = plain(kept);
        assertThat(expected.values().stream().mapToInt(List::size).sum()).isGreaterThan(1000);
        assertThat(opened).isEqualTo(expected);

        String bytes = wire.toString(StandardCharsets.ISO_8859_1);
        expected.values().stream().flatMap(List::stream).limit(500)
                .forEach(line -> assertThat(bytes).doesNotContain(line));
    }

    @Test
    void aResultDroppedReorderedOrMovedOnTheWayIsRefused() {
        KeyRing subscriber = KeyRing.generate();
        List<SealedResult> sealed = new ArrayList<>();
        ResultSealer sealer = new ResultSealer(subscriber, sealed::add);
        for (int i = 0; i < 3; i++) {
            sealer.houseForecast(new io.gridlet.core.result.HouseForecast(60, 1_377_986_430L + 30 * i, i, 1000L * i));
        }
        ResultOpener opener = new ResultOpener(subscriber);
        assertThat(opener.open(sealed.get(0))).isEqualTo("1377986430,0,0.000");
        assertThatThrownBy(() -> opener.open(sealed.get(2))).isInstanceOfSatisfying(SealException.class,
                e -> assertThat(e.reason()).isEqualTo(SealException.Reason.MISROUTED));
        SealedResult moved = new SealedResult(sealed.get(1).keyId(), "q1-house-300.csv", sealed.get(1).sequence(),
                sealed.get(1).nonce(), sealed.get(1).ciphertext());
        assertThatThrownBy(() -> opener.open(moved)).isInstanceOfSatisfying(SealException.class,
                e -> assertThat(e.reason()).isEqualTo(SealException.Reason.TAMPERED));
        assertThat(opener.open(sealed.get(1))).isEqualTo("1377986460,1,1.000");
    }
}
