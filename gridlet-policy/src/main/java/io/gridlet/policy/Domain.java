package io.gridlet.policy;

import java.util.List;

/** The values a feature parameter may take: a bounded integer range, an enumeration, or a boolean. */
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
