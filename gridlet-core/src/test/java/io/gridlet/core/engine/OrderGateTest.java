package io.gridlet.core.engine;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrderGateTest {
    private final Rejections rejections = new Rejections();
    private final List<Long> released = new ArrayList<>();

    private static Measurement at(long id, long ts) {
        return new Measurement(id, ts, 1000, Property.LOAD, 1, 1, 1);
    }

    private void offer(OrderGate gate, long id, long ts) {
        gate.offer(at(id, ts), id, m -> released.add(m.id()));
    }

    @Test
    void withoutLatenessRejectsAnythingOlderThanTheLatestAndPassesEqualTimestamps() {
        OrderGate gate = new OrderGate(0, rejections);
        offer(gate, 1, 10);
        offer(gate, 2, 10);
        offer(gate, 3, 9);
        offer(gate, 4, 11);
        gate.flush(m -> released.add(m.id()));
        assertThat(released).containsExactly(1L, 2L, 4L);
        assertThat(rejections.count(RejectReason.LATE)).isEqualTo(1);
        assertThat(rejections.examples().get(0).lineNumber()).isEqualTo(3);
    }

    @Test
    void aRestoredGateHoldsAndRejectsExactlyAsTheOriginal() throws Exception {
        OrderGate gate = new OrderGate(5, rejections);
        offer(gate, 1, 100);
        offer(gate, 2, 103);
        offer(gate, 3, 98);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        gate.snapshot(new java.io.DataOutputStream(bytes));
        OrderGate restored = OrderGate.restore(
                new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())), 5, rejections);
        assertThat(restored.heldCount()).isEqualTo(3);
        offer(restored, 4, 97);  // still late against the restored latest timestamp, 103
        offer(restored, 5, 103); // after the held 103 (arrival order kept)
        offer(restored, 6, 110);
        restored.flush(m -> released.add(m.id()));
        assertThat(released).containsExactly(3L, 1L, 2L, 5L, 6L);
        assertThat(rejections.count(RejectReason.LATE)).isEqualTo(1);
    }

    @Test
    void withLatenessReordersWithinTheBoundAndRejectsBeyondIt() {
        OrderGate gate = new OrderGate(5, rejections);
        offer(gate, 1, 100);
        offer(gate, 2, 103);
        offer(gate, 3, 98);  // within 5 s of 103: accepted, released before 100
        offer(gate, 4, 97);  // 103 - 97 = 6 > 5: late
        offer(gate, 5, 103);
        offer(gate, 6, 110); // releases everything older than 105
        assertThat(released).containsExactly(3L, 1L, 2L, 5L);
        gate.flush(m -> released.add(m.id()));
        assertThat(released).containsExactly(3L, 1L, 2L, 5L, 6L);
        assertThat(rejections.count(RejectReason.LATE)).isEqualTo(1);
    }

    @Test
    void withAnExternalClockReadingsWaitForTheClockAndDoNotMoveIt() {
        OrderGate gate = new OrderGate(0, rejections);
        gate.advanceClock(100, m -> released.add(m.id()));
        offer(gate, 1, 105); // ahead of the clock: held, even with no lateness
        offer(gate, 2, 101);
        offer(gate, 3, 100); // at the clock: not late
        assertThat(released).isEmpty();
        gate.advanceClock(102, m -> released.add(m.id()));
        assertThat(released).containsExactly(3L, 2L); // what is before the clock, in timestamp order
        offer(gate, 4, 101); // older than the clock: late, although newer ones came before it was read
        assertThat(rejections.count(RejectReason.LATE)).isEqualTo(1);
        gate.advanceClock(90, m -> released.add(m.id())); // the clock never goes back
        offer(gate, 5, 102);
        gate.flush(m -> released.add(m.id()));
        assertThat(released).containsExactly(3L, 2L, 5L, 1L);
    }

    @Test
    void aRestoredGateKeepsItsExternalClock() throws Exception {
        OrderGate gate = new OrderGate(2, rejections);
        gate.advanceClock(50, m -> released.add(m.id()));
        offer(gate, 1, 60);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        gate.snapshot(new DataOutputStream(bytes));
        OrderGate restored = OrderGate.restore(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), 2,
                rejections);
        restored.offer(at(2, 70), 2, m -> released.add(m.id())); // would move a newest-timestamp clock to 70
        restored.offer(at(3, 49), 3, m -> released.add(m.id())); // within the lateness of the external clock
        assertThat(released).isEmpty();
        restored.advanceClock(65, m -> released.add(m.id()));
        assertThat(released).containsExactly(3L, 1L);
    }

    @Test
    void restoresTheFirstSnapshotFormWrittenBeforeTheExternalClock() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeLong(100); // the clock
        out.writeLong(1); // arrivals
        out.writeInt(1); // held
        out.writeLong(0);
        at(7, 98).writeTo(out);
        OrderGate restored = OrderGate.restore(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), 5,
                rejections);
        assertThat(restored.heldCount()).isEqualTo(1);
        restored.offer(at(8, 94), 8, m -> released.add(m.id())); // late against the restored clock 100
        restored.offer(at(9, 104), 9, m -> released.add(m.id())); // moves the clock: a newest-timestamp gate
        assertThat(released).containsExactly(7L);
        assertThat(rejections.count(RejectReason.LATE)).isEqualTo(1);
    }

    @Test
    void refusesNegativeLateness() {
        assertThatThrownBy(() -> new OrderGate(-1, rejections)).hasMessageContaining(">= 0");
    }

    /**
     * The gate against an obviously-correct oracle (keep everything, release by a stable sort on timestamp) on
     * random disorder, with a snapshot and restore in the middle of each run.
     */
    @Test
    void releasesExactlyWhatASortingOracleReleasesOnRandomDisorder() throws Exception {
        java.util.Random random = new java.util.Random(20261123);
        for (int run = 0; run < 200; run++) {
            long lateness = random.nextInt(4) == 0 ? 0 : random.nextInt(30);
            int n = 1 + random.nextInt(2_000);
            OrderGate gate = new OrderGate(lateness, rejections);
            List<Long> got = new ArrayList<>();
            List<Long> want = new ArrayList<>();
            List<long[]> oracleHeld = new ArrayList<>(); // {ts, arrival, id}
            long maxSeen = Long.MIN_VALUE, arrivals = 0, base = 1_000;
            int restoreAt = random.nextInt(n);
            for (int i = 0; i < n; i++) {
                base += random.nextInt(3) == 0 ? random.nextInt(3) : 0;
                long ts = Math.max(0, base - random.nextInt((int) lateness + 5));
                if (i == restoreAt) {
                    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                    gate.snapshot(new java.io.DataOutputStream(bytes));
                    gate = OrderGate.restore(new java.io.DataInputStream(new java.io.ByteArrayInputStream(
                            bytes.toByteArray())), lateness, rejections);
                }
                gate.offer(at(i, ts), i, m -> got.add(m.id()));
                // the oracle
                if (maxSeen != Long.MIN_VALUE && ts < maxSeen - lateness) continue;
                maxSeen = Math.max(maxSeen, ts);
                if (lateness == 0) { // the spec's default: what is not late passes straight through
                    want.add((long) i);
                    assertThat(got).isEqualTo(want);
                    continue;
                }
                oracleHeld.add(new long[] {ts, arrivals++, i});
                oracleHeld.sort(java.util.Comparator.<long[]>comparingLong(h -> h[0]).thenComparingLong(h -> h[1]));
                while (!oracleHeld.isEmpty() && oracleHeld.get(0)[0] < maxSeen - lateness) {
                    want.add(oracleHeld.remove(0)[2]);
                }
                assertThat(got).as("run %d after reading %d", run, i).isEqualTo(want);
                assertThat(gate.heldCount()).isEqualTo(oracleHeld.size());
            }
            gate.flush(m -> got.add(m.id()));
            for (long[] h : oracleHeld) want.add(h[2]);
            assertThat(got).as("run %d at the end", run).isEqualTo(want);
        }
    }
}
