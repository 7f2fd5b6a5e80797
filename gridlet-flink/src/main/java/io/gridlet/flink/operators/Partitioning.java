package io.gridlet.flink.operators;

import io.gridlet.core.model.Measurement;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * The keys the job routes readings by, in one place: the key selectors and the operators that write their state
 * per key group must compute the same key, or state would land on the wrong instance after a rescale.
 */
public final class Partitioning {
    private Partitioning() {
    }

    /** Q1's key: the house. */
    public static Long house(long house) {
        return house;
    }

    /** Q2's per-plug key: the household (house and household ids are unsigned 32-bit: packed in a long). */
    public static Long household(long house, long household) {
        return (house << 32) | household;
    }

    /** Routes a reading by its house (its id, or its pseudonym inside a sealed {@link Boundary}). */
    public static final class ByHouse implements KeySelector<Measurement, Long> {
        private final Boundary boundary;

        public ByHouse() {
            this(Boundary.PLAIN);
        }

        public ByHouse(Boundary boundary) {
            this.boundary = boundary;
        }

        @Override
        public Long getKey(Measurement m) {
            return boundary.houseKey(m.houseId());
        }
    }

    /** Routes a reading by its household (its ids, or its pseudonym inside a sealed {@link Boundary}). */
    public static final class ByHousehold implements KeySelector<Measurement, Long> {
        private final Boundary boundary;

        public ByHousehold() {
            this(Boundary.PLAIN);
        }

        public ByHousehold(Boundary boundary) {
            this.boundary = boundary;
        }

        @Override
        public Long getKey(Measurement m) {
            return boundary.householdKey(m.houseId(), m.householdId());
        }
    }
}
