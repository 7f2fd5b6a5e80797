package io.gridlet.core.csv;

/** Why an input line was rejected; {@link #label()} is the name used in reports and {@code rejections.txt}. */
public enum RejectReason {
    FIELD_COUNT("field-count"),
    BAD_NUMBER("bad-number"),
    BAD_PROPERTY("bad-property"),
    NEGATIVE_LOAD("negative-load"),
    LATE("late"),
    /** A line longer than {@link MeasurementReader#MAX_LINE_BYTES}; no valid reading is that long. */
    LINE_TOO_LONG("line-too-long"),
    /** A sealed reading that does not open inside the trusted boundary: tampered, unknown key, misrouted. */
    UNOPENABLE("unopenable");

    private final String label;

    RejectReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
