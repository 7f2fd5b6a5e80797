package io.gridlet.core.q1;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The seasonal forecaster against its definition, computed naively, and as Q1's model across a snapshot. */
class SeasonalSmoothingTest {
    @Test
    void eachSlotIsTheExponentiallyWeightedAverageOfItsDaysAndUnseenSlotsForecastTheCurrentSlice() throws IOException {
        int k = 24;
        SeasonalSmoothing model = new SeasonalSmoothing(k);
        Random r = new Random(5);
        List<List<Double>> bySlot = new ArrayList<>();
        for (int s = 0; s < k; s++) bySlot.add(new ArrayList<>());
        for (int slice = 0; slice < 5 * k; slice++) {
            if (r.nextInt(7) == 0) continue; // slices without readings are never added
            double v = r.nextInt(1000) / 10.0;
            model.add(slice % k, v);
            bySlot.get(slice % k).add(v);
        }
        for (int s = 0; s < k; s++) {
            List<Double> days = bySlot.get(s);
            double expected = 42; // unseen: the current slice's average
            for (int d = 0; d < days.size(); d++) {
                expected = d == 0 ? days.get(0) : SeasonalSmoothing.GAMMA * days.get(d)
                        + (1 - SeasonalSmoothing.GAMMA) * expected;
            }
            assertThat(model.predict(42, s)).as("slot %d", s).isCloseTo(expected,
                    org.assertj.core.api.Assertions.within(1e-9));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        model.writeTo(new DataOutputStream(bytes));
        SeasonalSmoothing back = new SeasonalSmoothing(k);
        back.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        for (int s = 0; s < k; s++) assertThat(back.predict(42, s)).isEqualTo(model.predict(42, s));
    }
}
