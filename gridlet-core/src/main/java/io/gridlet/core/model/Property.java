package io.gridlet.core.model;

/** What a reading measures: the DEBS'14 {@code property} field. */
public enum Property {
    /** Cumulative energy in kWh since start or reset (code 0). */
    WORK(0),
    /** Current power in W (code 1). Only loads enter the queries. */
    LOAD(1);

    private final int code;

    Property(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Property ofCode(int code) {
        return switch (code) {
            case 0 -> WORK;
            case 1 -> LOAD;
            default -> throw new IllegalArgumentException("property must be 0 or 1, got " + code);
        };
    }
}
