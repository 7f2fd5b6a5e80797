package io.gridlet.core.csv;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads DEBS'14 CSV lines ({@code id,timestamp,value,property,plug_id,household_id,house_id}) from bytes and
 * returns the well-formed ones as {@link Measurement}s; every malformed line is counted in {@link Rejections}
 * with its line number and skipped.
 *
 * <p>This reader checks each line on its own (syntax, ranges, property, sign of a load). Order across lines
 * (late readings) is the {@link io.gridlet.core.engine.OrderGate}'s job. Parsing works on the raw bytes without building strings,
 * because it runs once per reading and must keep up with millions of lines a second.
 */
public final class MeasurementReader implements Closeable {
    /** No valid line comes near this; longer lines are rejected without being held in memory. */
    public static final int MAX_LINE_BYTES = 1 << 16;

    private static final long MAX_U32 = 0xFFFF_FFFFL;
    private static final long U64_DIV_10 = Long.divideUnsigned(-1L, 10);
    private static final long MAX_MILLI_WHOLE = Long.MAX_VALUE / 1000 - 1;

    private final InputStream in;
    private final RejectionSink rejections;
    private byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;
    private boolean eof;

    private long lineNumber;
    private long bytesConsumed;
    private long roundedValues;
    private long loads;
    private long works;

    // result slots of the field parsers, to avoid allocating per field
    private String error;
    private boolean rounded;

    public MeasurementReader(InputStream in, RejectionSink rejections) {
        this.in = in;
        this.rejections = rejections;
    }

    /** Returns the next well-formed reading, or {@code null} at the end of the input. */
    public Measurement next() throws IOException {
        while (true) {
            int end = findLineEnd();
            if (end < 0) return null;
            int start = pos;
            int next = end + 1; // past the '\n' (or past the end at EOF)
            lineNumber++;
            int contentEnd = Math.min(end, limit);
            if (contentEnd > start && buf[contentEnd - 1] == '\r') contentEnd--;
            bytesConsumed += Math.min(next, limit) - start;
            pos = Math.min(next, limit);
            Measurement m = parse(start, contentEnd);
            if (m != null) return m;
        }
    }

    /**
     * Returns the index of the '\n' ending the line at {@code pos} (or {@code limit} for a last line without
     * one), refilling the buffer as needed; -1 at the end of input. Over-long lines are rejected and skipped here.
     */
    private int findLineEnd() throws IOException {
        int scanFrom = pos;
        while (true) {
            for (int i = scanFrom; i < limit; i++) {
                if (buf[i] == '\n') return i;
            }
            if (eof) {
                if (pos < limit) return limit;
                return -1;
            }
            if (limit - pos >= MAX_LINE_BYTES) {
                skipLongLine();
                scanFrom = pos;
                continue;
            }
            scanFrom = limit - pos;
            fill();
        }
    }

    /** Moves the unread bytes to the front and reads more. */
    private void fill() throws IOException {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        if (limit == buf.length) {
            byte[] bigger = new byte[buf.length * 2];
            System.arraycopy(buf, 0, bigger, 0, limit);
            buf = bigger;
        }
        int n = in.read(buf, limit, buf.length - limit);
        if (n < 0) eof = true;
        else limit += n;
    }

    private void skipLongLine() throws IOException {
        lineNumber++;
        String head = new String(buf, pos, Math.min(60, limit - pos), StandardCharsets.UTF_8);
        rejections.reject(lineNumber, RejectReason.LINE_TOO_LONG,
                "line longer than " + MAX_LINE_BYTES + " bytes", head);
        while (true) {
            for (int i = pos; i < limit; i++) {
                if (buf[i] == '\n') {
                    bytesConsumed += i + 1 - pos;
                    pos = i + 1;
                    return;
                }
            }
            bytesConsumed += limit - pos;
            pos = limit;
            if (eof) return;
            fill();
        }
    }

    private Measurement parse(int start, int end) {
        // split into exactly seven fields
        int c1 = -1, c2 = -1, c3 = -1, c4 = -1, c5 = -1, c6 = -1;
        int commas = 0;
        for (int i = start; i < end; i++) {
            if (buf[i] == ',') {
                switch (++commas) {
                    case 1 -> c1 = i;
                    case 2 -> c2 = i;
                    case 3 -> c3 = i;
                    case 4 -> c4 = i;
                    case 5 -> c5 = i;
                    case 6 -> c6 = i;
                    default -> { }
                }
            }
        }
        if (commas != 6) {
            return reject(start, end, RejectReason.FIELD_COUNT, "expected 7 fields, got " + (commas + 1));
        }
        error = null;
        long id = parseU64(start, c1, "id");
        long ts = parseUnsigned(c1 + 1, c2, MAX_U32, "timestamp");
        rounded = false;
        long value = parseMilli(c2 + 1, c3);
        if (error != null) return reject(start, end, RejectReason.BAD_NUMBER, error);
        int property = parseProperty(c3 + 1, c4);
        if (property < 0) {
            return reject(start, end, RejectReason.BAD_PROPERTY,
                    "property must be 0 or 1, got '" + text(c3 + 1, c4) + "'");
        }
        long plug = parseUnsigned(c4 + 1, c5, MAX_U32, "plug_id");
        long household = parseUnsigned(c5 + 1, c6, MAX_U32, "household_id");
        long house = parseUnsigned(c6 + 1, end, MAX_U32, "house_id");
        if (error != null) return reject(start, end, RejectReason.BAD_NUMBER, error);
        if (property == 1) {
            if (negative) {
                return reject(start, end, RejectReason.NEGATIVE_LOAD, "load must not be negative, got " + text(c2 + 1, c3));
            }
            if (value > Measurement.MAX_LOAD_MILLIWATTS) {
                return reject(start, end, RejectReason.BAD_NUMBER,
                        "load out of range (max 2147483.647 W), got " + text(c2 + 1, c3));
            }
            loads++;
        } else {
            works++;
        }
        if (rounded) roundedValues++;
        return new Measurement(id, ts, value, property == 1 ? Property.LOAD : Property.WORK, plug, household, house);
    }

    private Measurement reject(int start, int end, RejectReason reason, String message) {
        rejections.reject(lineNumber, reason, message, text(start, end));
        return null;
    }

    private String text(int start, int end) {
        return new String(buf, start, end - start, StandardCharsets.UTF_8);
    }

    private long parseU64(int start, int end, String field) {
        if (error != null) return 0;
        if (start >= end) return fail(field, start, end);
        long v = 0;
        if (end - start <= 18) { // cannot overflow: the common case, without the checks
            for (int i = start; i < end; i++) {
                int d = buf[i] - '0';
                if (d < 0 || d > 9) return fail(field, start, end);
                v = v * 10 + d;
            }
            return v;
        }
        for (int i = start; i < end; i++) {
            int d = buf[i] - '0';
            if (d < 0 || d > 9) return fail(field, start, end);
            if (Long.compareUnsigned(v, U64_DIV_10) > 0 || (v == U64_DIV_10 && d > 5)) {
                return failRange(field, start, end);
            }
            v = v * 10 + d;
        }
        return v;
    }

    private long parseUnsigned(int start, int end, long max, String field) {
        if (error != null) return 0;
        if (start >= end) return fail(field, start, end);
        long v = 0;
        for (int i = start; i < end; i++) {
            int d = buf[i] - '0';
            if (d < 0 || d > 9) return fail(field, start, end);
            v = v * 10 + d;
        }
        // at most 19 digits cannot overflow a long; leading zeros make longer fields legal
        if (end - start > 18) return parseLongField(start, end, max, field);
        return v > max ? failRange(field, start, end) : v;
    }

    private boolean negative;

    /** A field of more than 18 characters: valid only with leading zeros. */
    private long parseLongField(int start, int end, long max, String field) {
        int i = start;
        while (i < end - 1 && buf[i] == '0') i++;
        if (end - i > 18) return failRange(field, start, end);
        long v = 0;
        for (; i < end; i++) v = v * 10 + (buf[i] - '0');
        return v > max ? failRange(field, start, end) : v;
    }

    /** Parses {@code -?[0-9]+(\.[0-9]+)?} into thousandths, rounding half-up (away from zero) past 3 decimals. */
    private long parseMilli(int start, int end) {
        negative = false;
        if (error != null) return 0;
        int i = start;
        boolean minus = false;
        if (i < end && buf[i] == '-') {
            minus = true;
            i++;
        }
        int digitsStart = i;
        long whole = 0;
        while (i < end && buf[i] != '.') {
            int d = buf[i] - '0';
            if (d < 0 || d > 9) return fail("value", start, end);
            whole = whole * 10 + d;
            if (whole > MAX_MILLI_WHOLE) return failRange("value", start, end);
            i++;
        }
        if (i == digitsStart) return fail("value", start, end);
        long frac = 0;
        boolean nonZero = whole != 0;
        if (i < end) { // at '.'
            i++;
            int fracStart = i;
            if (i == end) return fail("value", start, end);
            for (; i < end; i++) {
                int d = buf[i] - '0';
                if (d < 0 || d > 9) return fail("value", start, end);
                int place = i - fracStart;
                if (d != 0) nonZero = true;
                if (place < 3) {
                    frac = frac * 10 + d;
                } else if (place == 3) {
                    rounded = true;
                    if (d >= 5) frac++;
                }
            }
            int places = Math.min(end - fracStart, 3);
            for (int p = places; p < 3; p++) frac *= 10;
        }
        long magnitude = whole * 1000 + frac;
        negative = minus && nonZero;
        return minus ? -magnitude : magnitude;
    }

    private int parseProperty(int start, int end) {
        if (end - start != 1) return -1;
        byte b = buf[start];
        return b == '0' ? 0 : b == '1' ? 1 : -1;
    }

    private long fail(String field, int start, int end) {
        error = field + " is not a number: '" + text(start, end) + "'";
        return 0;
    }

    private long failRange(String field, int start, int end) {
        error = field + " is out of range: '" + text(start, end) + "'";
        return 0;
    }

    /** Whether the value of the reading last returned had more than three decimals and was rounded. */
    public boolean lastValueRounded() {
        return rounded;
    }

    /** Physical lines read so far (1-based number of the last line). */
    public long lineNumber() {
        return lineNumber;
    }

    /** Bytes of input consumed so far, for progress against a known file size. */
    public long bytesConsumed() {
        return bytesConsumed;
    }

    /** Well-formed values that had more than three decimals and were rounded. */
    public long roundedValues() {
        return roundedValues;
    }

    /** Well-formed load readings returned so far. */
    public long loads() {
        return loads;
    }

    /** Well-formed work readings returned so far. */
    public long works() {
        return works;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
