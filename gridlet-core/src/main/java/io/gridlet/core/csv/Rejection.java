package io.gridlet.core.csv;

/** One rejected line, kept as an example for the report: where it was, why, and what it said. */
public record Rejection(long lineNumber, RejectReason reason, String message, String text)
        implements java.io.Serializable {

    @Override
    public String toString() {
        return "line " + lineNumber + ": " + reason.label() + ": " + message + " [" + text + "]";
    }
}
