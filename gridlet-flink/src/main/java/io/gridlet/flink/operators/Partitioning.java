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

    /**
     * Q2's per-plug key: the plug (its house, household and plug ids mixed into a long: three 32-bit ids do not fit
     * one, and the key only routes, so two plugs sharing a key would merely share an instance). Q2's per-plug work
     * grows with the plugs, so routing by plug spreads it evenly: by household, 40 households went 12 / 28 to two
     * instances.
     */
    public static Long plug(long house, long household, long plug) {
        long k = (house * 0x9E3779B97F4A7C15L + household) * 0xC2B2AE3D27D4EB4FL + plug;
        return k ^ k >>> 31;
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

    /** Routes a reading by its plug (its ids, or its pseudonym inside a sealed {@link Boundary}). */
    public static final class ByPlug implements KeySelector<Measurement, Long> {
        private final Boundary boundary;

        public ByPlug() {
            this(Boundary.PLAIN);
        }

        public ByPlug(Boundary boundary) {
            this.boundary = boundary;
        }

        @Override
        public Long getKey(Measurement m) {
            return boundary.plugKey(m.houseId(), m.householdId(), m.plugId());
        }
    }
}
