package io.gridlet.core.csv;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import org.junit.jupiter.api.Test;

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
    void refusesNegativeLateness() {
        assertThatThrownBy(() -> new OrderGate(-1, rejections)).hasMessageContaining(">= 0");
    }
}
