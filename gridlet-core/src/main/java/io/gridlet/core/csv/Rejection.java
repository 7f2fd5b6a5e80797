package io.gridlet.core.csv;

import java.io.Serializable;

/** One rejected line, kept as an example for the report: where it was, why, and what it said. */
public record Rejection(long lineNumber, RejectReason reason, String message, String text)
        implements Serializable {

    @Override
    public String toString() {
        return "line " + lineNumber + ": " + reason.label() + ": " + message + " [" + text + "]";
    }
}
