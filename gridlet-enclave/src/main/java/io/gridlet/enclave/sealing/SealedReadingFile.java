package io.gridlet.enclave.sealing;

import io.gridlet.core.model.Measurement;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInput;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A file of sealed readings ({@code gridlet seal}, {@code gridlet generate --sealed}): the 8 bytes
 * {@code GRIDSEAL}, a version byte (3), then {@link SealedBlock}s one after the other in their binary form, in the
 * producer's order, {@link #BLOCK} readings each (the last one fewer).
 */
public final class SealedReadingFile {
    private static final byte[] MAGIC = {'G', 'R', 'I', 'D', 'S', 'E', 'A', 'L'};
    public static final int VERSION = 3;
    /** Readings per block in a file: enough that AES-GCM's set-up per block costs little per reading. */
    public static final int BLOCK = 256;

    private SealedReadingFile() {
    }

    /** The file's header (a {@link Writer} writes it; for files put together block by block). */
    public static void writeHeader(java.io.DataOutput out) throws IOException {
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
        if (version == 1 || version == 2) {
            throw new IOException("a sealed readings file of version " + version + ", sealed by an older gridlet"
                    + (version == 1 ? " with the owner's data keys" : " one reading at a time")
                    + ": seal the readings again (gridlet seal, with a meter's keys)");
        }
        if (version != VERSION) {
            throw new IOException("sealed readings file version " + version + ", expected " + VERSION);
        }
    }

    /** The next block, or null at the end of the file; a block cut short is an IOException. */
    public static SealedBlock next(DataInput in) throws IOException {
        byte version;
        try {
            version = in.readByte();
        } catch (EOFException e) {
            return null;
        }
        if (version != SealedBlock.VERSION) {
            throw new IOException("sealed readings file: block of unknown version " + version
                    + " (the file is damaged: its blocks cannot be told apart any more)");
        }
        try {
            return SealedBlock.readAfterVersion(in);
        } catch (EOFException e) {
            throw new IOException("sealed readings file: the last block is cut short");
        } catch (SealException e) {
            throw new IOException("sealed readings file: a damaged block (" + e.getMessage() + ")");
        }
    }

    /**
     * Writes a file: the header, then the readings added, sealed {@link #BLOCK} at a time by one meter. Closing
     * seals the last block and closes the stream. Not thread-safe.
     */
    public static final class Writer implements Closeable {
        private final DataOutputStream out;
        private final MeterSealer sealer;
        private final List<Measurement> block = new ArrayList<>(BLOCK);
        private long readings;

        public Writer(OutputStream out, MeterSealer sealer) throws IOException {
            this.out = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
            this.sealer = sealer;
            writeHeader(this.out);
        }

        /**
         * Adds a reading.
         *
         * @throws IllegalArgumentException for a reading of a house the meter may not report for (not added)
         */
        public void add(Measurement m) throws IOException {
            if (!sealer.identity().houses().contains(m.houseId())) {
                throw new IllegalArgumentException("house " + m.houseId() + " is not one of "
                        + sealer.identity().name() + "'s houses (" + sealer.identity().houses() + ")");
            }
            block.add(m);
            readings++;
            if (block.size() == BLOCK) flushBlock();
        }

        /** Readings added so far. */
        public long readings() {
            return readings;
        }

        private void flushBlock() throws IOException {
            if (block.isEmpty()) return;
            sealer.seal(block).writeTo(out);
            block.clear();
        }

        @Override
        public void close() throws IOException {
            try {
                flushBlock();
            } finally {
                out.close();
            }
        }
    }
}
