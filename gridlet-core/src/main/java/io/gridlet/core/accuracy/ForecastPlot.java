package io.gridlet.core.accuracy;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An SVG line chart of one house's forecasts against its measured load, slice by slice (what
 * {@code gridlet accuracy} writes next to its figures): time across (UTC), watts up; the forecast in orange, the
 * measured load in blue, a gap where a slice has no value.
 */
public final class ForecastPlot {
    private static final int WIDTH = 960, HEIGHT = 360, LEFT = 70, RIGHT = 20, TOP = 40, BOTTOM = 50;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private ForecastPlot() {
    }

    /** The house whose measured load, summed over its slices, is the largest (the busiest); -1 if none. */
    public static long busiestHouse(SliceLoads loads) {
        long best = -1;
        double most = -1;
        for (long house : loads.houses()) {
            double total = 0;
            for (long slice : loads.slicesOf(house)) total += loads.house(house, slice);
            if (total > most) {
                most = total;
                best = house;
            }
        }
        return best;
    }

    /** The chart of {@code house}'s last forecast per slice ({@code forecasts}, from its Q1 house file). */
    public static String svg(SliceLoads loads, Map<ForecastAccuracy.Target, Double> forecasts, long house) {
        List<long[]> slices = new ArrayList<>();
        List<double[]> values = new ArrayList<>(); // {forecast, actual}
        forecasts.forEach((t, f) -> {
            if (t.house() != house) return;
            long slice = loads.slice(t.ts());
            slices.add(new long[] {t.ts()});
            values.add(new double[] {f, loads.house(house, slice)});
        });
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">house %d, %d s slices: Q1 "
                + "forecast (orange) and measured load (blue), W</text>%n", LEFT, house, loads.sliceSeconds()));
        if (slices.isEmpty()) return svg.append("<text x=\"70\" y=\"60\">no forecasts</text>\n</svg>\n").toString();
        long t0 = slices.get(0)[0], t1 = Math.max(t0 + 1, slices.get(slices.size() - 1)[0]);
        double max = 0;
        for (double[] v : values) {
            for (double x : v) if (!Double.isNaN(x)) max = Math.max(max, x);
        }
        max = max <= 0 ? 1 : max * 1.05;
        double plotW = WIDTH - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
                + "stroke=\"#999\"/>%n", LEFT, TOP, plotW, plotH));
        for (int i = 0; i <= 4; i++) {
            double w = max * i / 4, y = TOP + plotH - plotH * i / 4;
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>%n",
                    LEFT - 6, y + 4, w));
            long t = t0 + (t1 - t0) * i / 4;
            double x = LEFT + plotW * i / 4;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    x, HEIGHT - BOTTOM + 18, TIME.format(Instant.ofEpochSecond(t))));
        }
        for (int series = 1; series >= 0; series--) { // measured first, the forecast over it
            svg.append("<path fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(series == 0 ? "#e67e22" : "#2471a3")
                    .append("\" d=\"");
            boolean pen = false;
            for (int i = 0; i < slices.size(); i++) {
                double v = values.get(i)[series];
                boolean gap = i > 0 && slices.get(i)[0] - slices.get(i - 1)[0] > loads.sliceSeconds();
                if (Double.isNaN(v) || gap) pen = false; // a slice without a value, or without a forecast: a gap
                if (Double.isNaN(v)) continue;
                double x = LEFT + plotW * (slices.get(i)[0] - t0) / (t1 - t0), y = TOP + plotH - plotH * v / max;
                svg.append(String.format(Locale.ROOT, "%s%.1f %.1f ", pen ? "L" : "M", x, y));
                pen = true;
            }
            svg.append("\"/>\n");
        }
        return svg.append("</svg>\n").toString();
    }
}
