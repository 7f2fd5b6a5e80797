package io.gridlet.core.testing;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A deliberately naive implementation of debs14-queries.md, the oracle for the fast one: parse with a regex and
 * BigDecimal, keep every reading in a list, and at every point where the spec emits something, recompute the
 * answer from that list with exact arithmetic and sort-based medians. Slow on purpose; shares no code with main.
 */
public final class NaiveQueries {
    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");
    private static final Pattern UNSIGNED = Pattern.compile("[0-9]+");
    private static final BigInteger MAX_U32 = BigInteger.valueOf(0xFFFF_FFFFL);
    private static final BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final MathContext MC = MathContext.DECIMAL128;

    private final long epoch;
    private final int[] slices;
    private final int[] windows;

    /** A valid reading: value in thousandths (mW for loads). */
    record Reading(long ts, boolean load, long milli, long house, long household, long plug) {
        String plugKey() {
            return house + "," + household + "," + plug;
        }
    }

    public NaiveQueries(long epoch, int[] slices, int[] windows) {
        this.epoch = epoch;
        this.slices = slices;
        this.windows = windows;
    }

    /** Rejection counts by label, filled by {@link #run}. */
    public final Map<String, Long> rejections = new TreeMap<>();

    /** Runs both queries over CSV lines; returns the output lines by file name (no headers, empty files absent). */
    public Map<String, List<String>> run(List<String> lines) {
        List<Reading> readings = parse(lines);
        Map<String, List<String>> out = new TreeMap<>();
        q1(readings, out);
        q2(readings, out);
        out.values().removeIf(List::isEmpty);
        return out;
    }

    // ---- input -----------------------------------------------------------------------------------------------

    private List<Reading> parse(List<String> lines) {
        List<Reading> result = new ArrayList<>();
        Long latest = null;
        for (String line : lines) {
            String[] f = line.split(",", -1);
            if (f.length != 7) {
                reject("field-count");
                continue;
            }
            if (!unsigned(f[0], MAX_U64) || !unsigned(f[1], MAX_U32) || !NUMBER.matcher(f[2]).matches()) {
                reject("bad-number");
                continue;
            }
            if (!f[3].equals("0") && !f[3].equals("1")) {
                reject("bad-property");
                continue;
            }
            if (!unsigned(f[4], MAX_U32) || !unsigned(f[5], MAX_U32) || !unsigned(f[6], MAX_U32)) {
                reject("bad-number");
                continue;
            }
            BigDecimal value = new BigDecimal(f[2]);
            boolean load = f[3].equals("1");
            if (load && value.signum() < 0) {
                reject("negative-load");
                continue;
            }
            long ts = Long.parseLong(f[1]);
            if (latest != null && ts < latest) {
                reject("late");
                continue;
            }
            latest = ts;
            long milli = value.setScale(3, RoundingMode.HALF_UP).movePointRight(3).longValueExact();
            result.add(new Reading(ts, load, milli, Long.parseLong(f[6]), Long.parseLong(f[5]), Long.parseLong(f[4])));
        }
        return result;
    }

    private static boolean unsigned(String s, BigInteger max) {
        return UNSIGNED.matcher(s).matches() && new BigInteger(s).compareTo(max) <= 0;
    }

    private void reject(String reason) {
        rejections.merge(reason, 1L, Long::sum);
    }

    // ---- Q1 --------------------------------------------------------------------------------------------------

    /** Averages per (size, slice, plug) over all readings: final for every complete slice. */
    private final Map<Integer, Map<Long, Map<String, BigDecimal>>> complete = new HashMap<>();

    private void q1(List<Reading> readings, Map<String, List<String>> out) {
        for (int s : slices) {
            Map<Long, List<Reading>> bySlice = new HashMap<>();
            for (Reading x : readings) bySlice.computeIfAbsent(Math.floorDiv(x.ts() - epoch, s), k -> new ArrayList<>()).add(x);
            Map<Long, Map<String, BigDecimal>> table = new HashMap<>();
            bySlice.forEach((slice, list) -> table.put(slice, averages(list, slice, s)));
            complete.put(s, table);
        }
        for (int s : slices) {
            out.put("q1-plug-" + s + ".csv", new ArrayList<>());
            out.put("q1-house-" + s + ".csv", new ArrayList<>());
        }
        for (int r = 1; r < readings.size(); r++) {
            long before = readings.get(r - 1).ts(), now = readings.get(r).ts();
            for (long m = Math.floorDiv(before - epoch, 30) + 1; epoch + 30 * m <= now; m++) {
                if (m < 1) continue;
                long b = epoch + 30 * m;
                List<Reading> readSoFar = readings.subList(0, r); // every reading before r has ts < b
                for (int s : slices) boundary(readSoFar, b, s, out);
            }
        }
    }

    private void boundary(List<Reading> read, long b, int size, Map<String, List<String>> out) {
        int k = 86_400 / size;
        long i = Math.floorDiv(b - 1 - epoch, size);
        int from = read.size();
        while (from > 0 && Math.floorDiv(read.get(from - 1).ts() - epoch, size) == i) from--;
        Map<String, BigDecimal> current = averages(read.subList(from, read.size()), i, size); // avg (mW) so far
        TreeMap<List<Long>, String> plugLines = new TreeMap<>(NaiveQueries::compareIds);
        TreeMap<List<Long>, String> houseLines = new TreeMap<>(NaiveQueries::compareIds);
        Map<Long, BigDecimal> houseNow = houseSums(current);
        for (Map.Entry<String, BigDecimal> e : current.entrySet()) {
            List<BigDecimal> history = new ArrayList<>();
            for (long n = 1; n <= Math.floorDiv(i + 2, k); n++) {
                BigDecimal past = completeAverages(i + 2 - n * k, size).get(e.getKey());
                if (past != null) history.add(past);
            }
            List<Long> ids = ids(e.getKey());
            plugLines.put(ids, (epoch + (i + 2) * size) + "," + e.getKey() + "," + watts(predict(e.getValue(), history)));
        }
        for (Map.Entry<Long, BigDecimal> e : houseNow.entrySet()) {
            List<BigDecimal> history = new ArrayList<>();
            for (long n = 1; n <= Math.floorDiv(i + 2, k); n++) {
                BigDecimal past = houseSums(completeAverages(i + 2 - n * k, size)).get(e.getKey());
                if (past != null) history.add(past);
            }
            houseLines.put(List.of(e.getKey()), (epoch + (i + 2) * size) + "," + e.getKey() + ","
                    + watts(predict(e.getValue(), history)));
        }
        out.get("q1-plug-" + size + ".csv").addAll(plugLines.values());
        out.get("q1-house-" + size + ".csv").addAll(houseLines.values());
    }

    private Map<String, BigDecimal> completeAverages(long slice, int size) {
        return complete.get(size).getOrDefault(slice, Map.of());
    }

    /** Average load per plug over the readings in slice {@code i}. */
    private Map<String, BigDecimal> averages(List<Reading> read, long i, int size) {
        Map<String, long[]> sums = new HashMap<>();
        for (Reading r : read) {
            if (r.load() && Math.floorDiv(r.ts() - epoch, size) == i) {
                long[] acc = sums.computeIfAbsent(r.plugKey(), x -> new long[2]);
                acc[0] += r.milli();
                acc[1]++;
            }
        }
        Map<String, BigDecimal> avg = new HashMap<>();
        sums.forEach((key, acc) -> avg.put(key, BigDecimal.valueOf(acc[0]).divide(BigDecimal.valueOf(acc[1]), MC)));
        return avg;
    }

    private static Map<Long, BigDecimal> houseSums(Map<String, BigDecimal> plugAverages) {
        Map<Long, BigDecimal> sums = new HashMap<>();
        plugAverages.forEach((key, avg) -> sums.merge(ids(key).get(0), avg, BigDecimal::add));
        return sums;
    }

    private static BigDecimal predict(BigDecimal current, List<BigDecimal> history) {
        if (history.isEmpty()) return current;
        return current.add(median(history)).divide(BigDecimal.valueOf(2), MC);
    }

    private static BigDecimal median(List<BigDecimal> values) {
        List<BigDecimal> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        if (n % 2 == 1) return sorted.get(n / 2);
        return sorted.get(n / 2 - 1).add(sorted.get(n / 2)).divide(BigDecimal.valueOf(2), MC);
    }

    private static String watts(BigDecimal milliwatts) {
        return milliwatts.movePointLeft(3).setScale(3, RoundingMode.HALF_UP).toPlainString();
    }

    // ---- Q2 --------------------------------------------------------------------------------------------------

    private void q2(List<Reading> readings, Map<String, List<String>> out) {
        for (int w : windows) {
            List<String> lines = new ArrayList<>();
            Map<List<Long>, long[]> last = new HashMap<>(); // household -> {above, total} last emitted
            for (int r = 0; r < readings.size(); r++) {
                long t = readings.get(r).ts();
                if (r + 1 < readings.size() && readings.get(r + 1).ts() == t) continue; // not all of T is in yet
                List<Reading> window = new ArrayList<>();
                for (int x = r; x >= 0 && readings.get(x).ts() > t - w; x--) {
                    if (readings.get(x).load()) window.add(readings.get(x));
                }
                if (window.isEmpty()) continue;
                List<Long> all = new ArrayList<>();
                Map<String, List<Long>> byPlug = new TreeMap<>();
                for (Reading x : window) {
                    all.add(x.milli());
                    byPlug.computeIfAbsent(x.plugKey(), key -> new ArrayList<>()).add(x.milli());
                }
                BigDecimal global = medianOf(all);
                TreeMap<List<Long>, long[]> households = new TreeMap<>(NaiveQueries::compareIds);
                byPlug.forEach((key, values) -> {
                    List<Long> ids = ids(key);
                    long[] counts = households.computeIfAbsent(ids.subList(0, 2), x -> new long[2]);
                    counts[1]++;
                    if (medianOf(values).compareTo(global) > 0) counts[0]++;
                });
                for (Map.Entry<List<Long>, long[]> e : households.entrySet()) {
                    long[] now = e.getValue();
                    long[] before = last.get(e.getKey());
                    if (before == null || before[0] * now[1] != now[0] * before[1]) {
                        last.put(e.getKey(), now);
                        BigDecimal pct = BigDecimal.valueOf(100L * now[0])
                                .divide(BigDecimal.valueOf(now[1]), 3, RoundingMode.HALF_UP);
                        lines.add((t - w) + "," + t + "," + e.getKey().get(0) + "," + e.getKey().get(1) + ","
                                + pct.toPlainString());
                    }
                }
            }
            out.put("q2-" + w + ".csv", lines);
        }
    }

    private static BigDecimal medianOf(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        if (n % 2 == 1) return BigDecimal.valueOf(sorted.get(n / 2));
        return BigDecimal.valueOf(sorted.get(n / 2 - 1) + sorted.get(n / 2)).divide(BigDecimal.valueOf(2));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static List<Long> ids(String key) {
        List<Long> ids = new ArrayList<>();
        for (String part : key.split(",")) ids.add(Long.parseLong(part));
        return ids;
    }

    private static int compareIds(List<Long> a, List<Long> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = Long.compare(a.get(i), b.get(i));
            if (c != 0) return c;
        }
        return Integer.compare(a.size(), b.size());
    }
}
