package io.gridlet.flink.source;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.model.Measurement;

/**
 * One input line as the source reads it: either a well-formed reading, or the reason the line was rejected,
 * with its line number, so that the order gate can count and report every rejection in one place.
 */
public record Parsed(long line, Measurement reading, boolean rounded, RejectReason reason, String message,
                     String text) {

    public static Parsed reading(long line, Measurement reading, boolean rounded) {
        return new Parsed(line, reading, rounded, null, null, null);
    }

    public static Parsed rejected(long line, RejectReason reason, String message, String text) {
        return new Parsed(line, null, false, reason, message, text);
    }

    public boolean isReading() {
        return reading != null;
    }
}
