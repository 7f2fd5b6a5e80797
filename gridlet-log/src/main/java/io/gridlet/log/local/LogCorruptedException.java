package io.gridlet.log.local;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@link LocalLog} damaged where a crash cannot have left it: a bad entry with whole entries after it, or in a
 * segment that was closed. Entries after the damage were durable and may have been acknowledged, so nothing cuts
 * them silently: the writer refuses to open and readers stop, naming the file and the byte offset;
 * {@code gridlet log check} shows the damage and {@code gridlet log repair} says what cutting it drops.
 */
public final class LogCorruptedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String segment; // a String: exceptions travel serialized (a failed Flink job's cause)
    private final long offset;
    private final long position;
    private final String problem;

    public LogCorruptedException(Path segment, long offset, long position, String problem) {
        super("the ingest log is corrupt: " + segment + " at byte " + offset + " (log position " + position + "): "
                + problem + "; nothing is cut without the operator: 'gridlet log check " + segment.getParent()
                + "' shows the damage, 'gridlet log repair " + segment.getParent()
                + "' says what cutting it off drops");
        this.segment = segment.toString();
        this.offset = offset;
        this.position = position;
        this.problem = problem;
    }

    /** The segment file. */
    public Path segment() {
        return Path.of(segment);
    }

    /** The byte offset in the segment file where the damage starts. */
    public long offset() {
        return offset;
    }

    /** The same place as a position over all segments. */
    public long position() {
        return position;
    }

    /** What is wrong there. */
    public String problem() {
        return problem;
    }
}
