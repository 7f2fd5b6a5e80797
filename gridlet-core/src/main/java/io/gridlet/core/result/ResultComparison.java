package io.gridlet.core.result;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The spec's equality of outputs. Q1 files ({@code q1-*}): the same lines after sorting by (ts, ids), loads
 * within 0.001 W. Q2 files ({@code q2-*}): the same lines in the same order. Header lines are not part of the
 * comparison; a file absent on one side equals an empty one.
 */
public final class ResultComparison {
    private static final int MAX_DIFFERENCES = 20;

    private ResultComparison() {
    }

    /** Differences between two outputs (by file name, lines without headers); empty when they are equal. */
    public static List<String> differences(Map<String, List<String>> expected, Map<String, List<String>> actual) {
        List<String> diffs = new ArrayList<>();
        TreeSet<String> files = new TreeSet<>(expected.keySet());
        files.addAll(actual.keySet());
        for (String file : files) {
            List<String> e = expected.getOrDefault(file, List.of());
            List<String> a = actual.getOrDefault(file, List.of());
            if (file.startsWith("q1-")) compareForecasts(file, e, a, diffs);
            else compareExactly(file, e, a, diffs);
            if (diffs.size() >= MAX_DIFFERENCES) break;
        }
        return diffs;
    }

    private static void compareExactly(String file, List<String> e, List<String> a, List<String> diffs) {
        int n = Math.max(e.size(), a.size());
        for (int i = 0; i < n && diffs.size() < MAX_DIFFERENCES; i++) {
            String el = i < e.size() ? e.get(i) : "<none>";
            String al = i < a.size() ? a.get(i) : "<none>";
            if (!el.equals(al)) diffs.add(file + " line " + (i + 1) + ": expected " + el + " but was " + al);
        }
    }

    private static void compareForecasts(String file, List<String> e, List<String> a, List<String> diffs) {
        List<String[]> es = sorted(e), as = sorted(a);
        int n = Math.max(es.size(), as.size());
        for (int i = 0; i < n && diffs.size() < MAX_DIFFERENCES; i++) {
            String[] el = i < es.size() ? es.get(i) : null;
            String[] al = i < as.size() ? as.get(i) : null;
            if (el == null || al == null || !sameKey(el, al) || Math.abs(milli(el) - milli(al)) > 1) {
                diffs.add(file + " sorted line " + (i + 1) + ": expected " + join(el) + " but was " + join(al));
            }
        }
        if (es.size() != as.size()) {
            diffs.add(file + ": expected " + es.size() + " lines but was " + as.size());
        }
    }

    private static List<String[]> sorted(List<String> lines) {
        List<String[]> rows = new ArrayList<>(lines.size());
        for (String line : lines) rows.add(line.split(",", -1));
        Comparator<String[]> byKey = (x, y) -> {
            for (int i = 0; i < x.length - 1 && i < y.length - 1; i++) {
                int c = Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]));
                if (c != 0) return c;
            }
            return Long.compare(milli(x), milli(y));
        };
        rows.sort(byKey);
        return rows;
    }

    private static boolean sameKey(String[] x, String[] y) {
        if (x.length != y.length) return false;
        for (int i = 0; i < x.length - 1; i++) if (!x[i].equals(y[i])) return false;
        return true;
    }

    private static long milli(String[] row) {
        return new BigDecimal(row[row.length - 1]).movePointRight(3).longValueExact();
    }

    private static String join(String[] row) {
        return row == null ? "<none>" : String.join(",", row);
    }
}
