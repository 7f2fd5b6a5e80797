package io.gridlet.flink.operators;

import io.gridlet.core.result.HouseForecast;
import io.gridlet.core.result.OutlierShare;
import io.gridlet.core.result.PlugForecast;
import io.gridlet.core.result.ResultLines;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/**
 * One result line on its way to its output file, with the key that puts the lines of parallel operators back in
 * the core's order: {@code order} is the Q1 boundary that emitted the line (Q2: the evaluated timestamp), then the
 * ids. Each operator instance emits in that order, so files are a merge of sorted runs.
 */
public record ResultRecord(String file, long order, long house, long household, long plug, String line) {
    /** The longest file name or line {@link #readFrom} accepts, in bytes (a line is under 100). */
    public static final int MAX_STRING_BYTES = 4096;

    public static final Comparator<ResultRecord> ORDER = Comparator.comparingLong(ResultRecord::order)
            .thenComparingLong(ResultRecord::house)
            .thenComparingLong(ResultRecord::household)
            .thenComparingLong(ResultRecord::plug);

    public static ResultRecord of(long boundary, PlugForecast f) {
        return new ResultRecord(ResultLines.plugFile(f.sliceSeconds()), boundary, f.plug().house(),
                f.plug().household(), f.plug().plug(), ResultLines.line(f));
    }

    public static ResultRecord of(long boundary, HouseForecast f) {
        return new ResultRecord(ResultLines.houseFile(f.sliceSeconds()), boundary, f.house(), 0, 0,
                ResultLines.line(f));
    }

    public static ResultRecord of(OutlierShare s) {
        return new ResultRecord(ResultLines.outlierFile(s.windowSeconds()), s.tsStop(), s.house(), s.household(), 0,
                ResultLines.line(s));
    }

    /** file, order, house, household, plug, line (strings as an unsigned short length and UTF-8 bytes). */
    public void writeTo(DataOutput out) throws IOException {
        writeString(out, file);
        out.writeLong(order);
        out.writeLong(house);
        out.writeLong(household);
        out.writeLong(plug);
        writeString(out, line);
    }

    /** What {@link #writeTo} wrote; a string longer than {@link #MAX_STRING_BYTES} is an IOException. */
    public static ResultRecord readFrom(DataInput in) throws IOException {
        String file = readString(in);
        long order = in.readLong(), house = in.readLong(), household = in.readLong(), plug = in.readLong();
        return new ResultRecord(file, order, house, household, plug, readString(in));
    }

    private static void writeString(DataOutput out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_STRING_BYTES) throw new IOException("a result string of " + b.length + " bytes");
        out.writeShort(b.length);
        out.write(b);
    }

    private static String readString(DataInput in) throws IOException {
        int n = in.readUnsignedShort();
        if (n > MAX_STRING_BYTES) throw new IOException("a result string of " + n + " bytes");
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
