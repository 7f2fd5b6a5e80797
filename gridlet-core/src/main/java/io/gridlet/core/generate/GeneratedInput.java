package io.gridlet.core.generate;

import java.io.InputStream;

/**
 * The generator's CSV lines as a byte stream, produced on demand: generated data goes through the same reader as
 * a file, without being written to disk first.
 */
public final class GeneratedInput extends InputStream {
    private final MeasurementGenerator generator;
    private final StringBuilder line = new StringBuilder(96);
    private byte[] pending = new byte[0];
    private int pendingPos;
    private boolean done;

    public GeneratedInput(MeasurementGenerator generator) {
        this.generator = generator;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) return 0;
        int written = 0;
        while (written < len) {
            if (pendingPos < pending.length) {
                int n = Math.min(len - written, pending.length - pendingPos);
                System.arraycopy(pending, pendingPos, b, off + written, n);
                pendingPos += n;
                written += n;
                continue;
            }
            if (done) break;
            // write whole lines straight into b while they fit; keep the rest of a line for the next call
            line.setLength(0);
            if (!generator.nextLine(line)) {
                done = true;
                break;
            }
            line.append('\n');
            int n = line.length();
            if (n <= len - written) {
                for (int i = 0; i < n; i++) b[off + written + i] = (byte) line.charAt(i);
                written += n;
            } else {
                pending = new byte[n];
                for (int i = 0; i < n; i++) pending[i] = (byte) line.charAt(i);
                pendingPos = 0;
            }
        }
        return written == 0 && done ? -1 : written;
    }
}
