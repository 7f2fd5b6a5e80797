package io.gridlet.enclave.sealing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The high-water mark of each meter's sealed readings inside the boundary: its latest epoch and the highest
 * sequence number seen in it, by the meter's identity (name and houses, so keys the owner makes again for other
 * houses start afresh). A reading at or below the mark (sent again, or of an older epoch) is a replay. Meters number
 * their readings in order, seal each once (a reading sent again is the same bytes), and the service keeps each
 * meter's order, so nothing honest is below the mark. An epoch is a meter's clock at its start: one more than
 * {@link #EPOCH_SKEW_MILLIS} after this clock is refused, so that a meter cannot lock its own name out for good
 * with an epoch from the far future. Its state goes into checkpoints (sealed, with the operator's), so a restore
 * neither forgets what was seen before the checkpoint nor remembers what came after it. Not thread-safe.
 */
public final class ReplayGuard {
    private static final int FORMAT = 1;
    /** Meters remembered at most; past it new meters are refused rather than the state grown without bound. */
    public static final int MAX_METERS = 1_000_000;
    /** How far ahead of this machine's clock a meter's epoch may be. */
    public static final long EPOCH_SKEW_MILLIS = 10 * 60_000L;

    /** What the guard says of a reading. */
    public enum Verdict { FRESH, REPLAYED, FUTURE_EPOCH, TOO_MANY_METERS }

    private final Map<String, long[]> marks = new HashMap<>(); // meter identity -> {epoch, seq}
    private final LongSupplier clockMillis;

    public ReplayGuard() {
        this(System::currentTimeMillis);
    }

    public ReplayGuard(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
    }

    /** Whether this reading is new for its meter ({@link Verdict#FRESH}: it becomes the meter's mark), or why not. */
    public Verdict check(ReadingOpener.Opened o) {
        if (o.epoch() > clockMillis.getAsLong() + EPOCH_SKEW_MILLIS) return Verdict.FUTURE_EPOCH;
        String meter = o.meter().text();
        long[] mark = marks.get(meter);
        if (mark == null) {
            if (marks.size() >= MAX_METERS) return Verdict.TOO_MANY_METERS;
            marks.put(meter, new long[] {o.epoch(), o.seq()});
            return Verdict.FRESH;
        }
        if (o.epoch() < mark[0] || o.epoch() == mark[0] && o.seq() <= mark[1]) return Verdict.REPLAYED;
        mark[0] = o.epoch();
        mark[1] = o.seq();
        return Verdict.FRESH;
    }

    /** {@link #check} is {@link Verdict#FRESH}. */
    public boolean admit(ReadingOpener.Opened o) {
        return check(o) == Verdict.FRESH;
    }

    public int meters() {
        return marks.size();
    }

    public byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeInt(marks.size());
            for (Map.Entry<String, long[]> e : marks.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue()[0]);
                out.writeLong(e.getValue()[1]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Replaces the marks with a snapshot's; IllegalArgumentException if it is not one. */
    public void restore(byte[] snapshot) {
        Map<String, long[]> restored = new HashMap<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            if (in.readByte() != FORMAT) throw new IllegalArgumentException("not a replay guard snapshot");
            int n = in.readInt();
            if (n < 0 || n > MAX_METERS) throw new IllegalArgumentException("a replay guard of " + n + " meters");
            for (int i = 0; i < n; i++) restored.put(in.readUTF(), new long[] {in.readLong(), in.readLong()});
            if (in.available() > 0) throw new IllegalArgumentException("bytes after the replay guard snapshot");
        } catch (IOException e) {
            throw new IllegalArgumentException("a replay guard snapshot cut short", e);
        }
        marks.clear();
        marks.putAll(restored);
    }
}
