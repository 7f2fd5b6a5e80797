package io.gridlet.flink.source;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.model.Measurement;
import io.gridlet.enclave.sealing.ReadingOpener;
import io.gridlet.enclave.sealing.SealedBlock;

/**
 * One input record as the source reads it: a well-formed reading, a sealed reading (opened inside the trusted
 * boundary, by the order gate), a sealed reading the source opened already (inside the boundary too: the file
 * source's reader thread, so that opening runs beside the gate; the gate still checks it for replays), or the
 * reason the line was rejected, with its line (record) number, so that the
 * order gate can count and report every rejection in one place; or, from the live service's log, the service's
 * data time ({@link #clock}), which then drives the order gate instead of the newest timestamp.
 */
public record SourceRecord(long line, Measurement reading, boolean rounded, RejectReason reason, String message,
                           String text, SealedBlock sealed, ReadingOpener.Opened opened, long clock) {
    private static final long NO_CLOCK = Long.MIN_VALUE;

    public static SourceRecord reading(long line, Measurement reading, boolean rounded) {
        return new SourceRecord(line, reading, rounded, null, null, null, null, null, NO_CLOCK);
    }

    public static SourceRecord rejected(long line, RejectReason reason, String message, String text) {
        return new SourceRecord(line, null, false, reason, message, text, null, null, NO_CLOCK);
    }

    public static SourceRecord sealed(long line, SealedBlock sealed) {
        return new SourceRecord(line, null, false, null, null, null, sealed, null, NO_CLOCK);
    }

    /** A sealed reading the source opened inside the boundary. */
    public static SourceRecord opened(long line, ReadingOpener.Opened opened) {
        return new SourceRecord(line, null, false, null, null, null, null, opened, NO_CLOCK);
    }

    /** The live service's data time reads {@code dataTime} (before the readings of the entry that carried it). */
    public static SourceRecord clock(long dataTime) {
        return new SourceRecord(-1, null, false, null, null, null, null, null, dataTime);
    }

    public boolean isOpened() {
        return opened != null;
    }

    public boolean isReading() {
        return reading != null;
    }

    public boolean isSealed() {
        return sealed != null;
    }

    public boolean isClock() {
        return clock != NO_CLOCK;
    }
}
