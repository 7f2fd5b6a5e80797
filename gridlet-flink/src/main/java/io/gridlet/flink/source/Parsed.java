package io.gridlet.flink.source;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.model.Measurement;
import io.gridlet.enclave.SealedReading;

/**
 * One input record as the source reads it: a well-formed reading, a sealed reading (opened inside the trusted
 * boundary, by the order gate), or the reason the line was rejected, with its line (record) number, so that the
 * order gate can count and report every rejection in one place.
 */
public record Parsed(long line, Measurement reading, boolean rounded, RejectReason reason, String message,
                     String text, SealedReading sealed) {

    public static Parsed reading(long line, Measurement reading, boolean rounded) {
        return new Parsed(line, reading, rounded, null, null, null, null);
    }

    public static Parsed rejected(long line, RejectReason reason, String message, String text) {
        return new Parsed(line, null, false, reason, message, text, null);
    }

    public static Parsed sealed(long line, SealedReading sealed) {
        return new Parsed(line, null, false, null, null, null, sealed);
    }

    public boolean isReading() {
        return reading != null;
    }

    public boolean isSealed() {
        return sealed != null;
    }
}
