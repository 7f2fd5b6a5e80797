package io.gridlet.core.csv;

/** Why an input line (or a live reading) was rejected; {@link #label()} is the name used in reports and {@code rejections.txt}. */
public enum RejectReason {
    FIELD_COUNT("field-count"),
    BAD_NUMBER("bad-number"),
    BAD_PROPERTY("bad-property"),
    NEGATIVE_LOAD("negative-load"),
    LATE("late"),
    /** A line longer than {@link MeasurementReader#MAX_LINE_BYTES}; no valid reading is that long. */
    LINE_TOO_LONG("line-too-long"),
    /** A sealed reading that does not open inside the trusted boundary: tampered, unknown key, misrouted. */
    UNOPENABLE("unopenable"),
    /**
     * Live input only: a reading dated after the service's own clock (plus the allowed skew: a meter cannot measure
     * the future), or too far ahead of the service's data time.
     */
    TOO_FAR_AHEAD("too-far-ahead"),
    /**
     * A reading of a house its meter may not report for: live plain readings by the identities file's houses=,
     * sealed readings by the houses their meter's keys were made for.
     */
    NOT_OWNED("not-owned"),
    /** A sealed reading its meter sent before (the same epoch and sequence number, or an older epoch). */
    REPLAYED("replayed");

    private final String label;

    RejectReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
