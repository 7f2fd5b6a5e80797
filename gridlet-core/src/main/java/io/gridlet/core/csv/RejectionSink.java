package io.gridlet.core.csv;

/** Where the reader and the order gate report a rejected line. {@link Rejections} counts them. */
@FunctionalInterface
public interface RejectionSink {
    void reject(long lineNumber, RejectReason reason, String message, CharSequence text);
}
