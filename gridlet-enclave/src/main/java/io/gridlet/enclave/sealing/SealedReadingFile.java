package io.gridlet.enclave.sealing;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;

/**
 * A file of sealed readings ({@code gridlet seal}, {@code gridlet generate --sealed}): the 8 bytes
 * {@code GRIDSEAL}, a version byte (2), then {@link SealedReading}s one after the other in their binary form, in the
 * producer's order.
 */
public final class SealedReadingFile {
    private static final byte[] MAGIC = {'G', 'R', 'I', 'D', 'S', 'E', 'A', 'L'};
    public static final int VERSION = 2;

    private SealedReadingFile() {
    }

    public static void writeHeader(DataOutput out) throws IOException {
        out.write(MAGIC);
        out.writeByte(VERSION);
    }

    /** Reads and checks the header; an IOException says what the file is not. */
    public static void readHeader(DataInput in) throws IOException {
        byte[] magic = new byte[MAGIC.length];
        try {
            in.readFully(magic);
        } catch (EOFException e) {
            throw new IOException("not a sealed readings file: shorter than its header");
        }
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException("not a sealed readings file (no GRIDSEAL header): a CSV file runs without --sealed");
        }
        int version = in.readUnsignedByte();
        if (version == 1) {
            throw new IOException("a sealed readings file of version 1, sealed with the owner's data keys by an "
                    + "older gridlet: seal the readings again (gridlet seal, with a meter's keys)");
        }
        if (version != VERSION) throw new IOException("sealed readings file version " + version + ", expected 2");
    }

    /** The next sealed reading, or null at the end of the file; a record cut short is an IOException. */
    public static SealedReading next(DataInput in) throws IOException {
        byte version;
        try {
            version = in.readByte();
        } catch (EOFException e) {
            return null;
        }
        if (version != SealedReading.VERSION) {
            throw new IOException("sealed readings file: record of unknown version " + version
                    + " (the file is damaged: its records cannot be told apart any more)");
        }
        try {
            return SealedReading.readAfterVersion(in);
        } catch (EOFException e) {
            throw new IOException("sealed readings file: the last record is cut short");
        } catch (SealException e) {
            throw new IOException("sealed readings file: a damaged record (" + e.getMessage() + ")");
        }
    }
}
