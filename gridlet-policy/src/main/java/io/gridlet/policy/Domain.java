package io.gridlet.policy;

import java.util.List;

/**
 * The values a feature parameter may take: a bounded integer range, a real interval, an enumeration, or a boolean.
 * {@link #size()} counts the values of the discrete ones; a real interval has no count (its encoding follows the
 * values the policies compare it with).
 */
public sealed interface Domain {
    /** Largest integer range a parameter may have (its encoding has one variable per value). */
    int MAX_SIZE = 4096;

    int size();

    /** Integers {@code min..max}, both included. */
    record Ints(int min, int max) implements Domain {
        public Ints {
            if (max < min) throw new IllegalArgumentException("empty range " + min + ".." + max);
            if ((long) max - min + 1 > MAX_SIZE) {
                throw new IllegalArgumentException("range " + min + ".." + max + " has more than " + MAX_SIZE
                        + " values");
            }
        }

        @Override
        public int size() {
            return max - min + 1;
        }

        @Override
        public String toString() {
            return min + ".." + max;
        }
    }

    /** Reals {@code min..max}, both ends included (a closed interval; {@code 10 < x < 18} narrows it). */
    record Real(double min, double max) implements Domain {
        public Real {
            min += 0.0; // -0.0 is 0.0
            max += 0.0;
            if (!Double.isFinite(min) || !Double.isFinite(max)) {
                throw new IllegalArgumentException("a real range needs finite ends");
            }
            if (max < min) throw new IllegalArgumentException("empty range " + Value.number(min) + ".."
                    + Value.number(max));
        }

        /** Not a finite count: asking is a mistake. */
        @Override
        public int size() {
            throw new UnsupportedOperationException("a real interval has no size");
        }

        public boolean contains(double v) {
            return v >= min && v <= max;
        }

        @Override
        public String toString() {
            return "real " + Value.number(min) + ".." + Value.number(max);
        }
    }

    /** One of the names, in order. */
    record Enum(List<String> values) implements Domain {
        public Enum {
            values = List.copyOf(values);
            if (values.isEmpty()) throw new IllegalArgumentException("an enumeration needs a value");
            if (values.stream().distinct().count() != values.size()) {
                throw new IllegalArgumentException("repeated value in {" + String.join(", ", values) + "}");
            }
        }

        @Override
        public int size() {
            return values.size();
        }

        @Override
        public String toString() {
            return "{" + String.join(", ", values) + "}";
        }
    }

    /** true or false. */
    record Bool() implements Domain {
        @Override
        public int size() {
            return 2;
        }

        @Override
        public String toString() {
            return "bool";
        }
    }
}
