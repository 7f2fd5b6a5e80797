package io.gridlet.core.accuracy;

import io.gridlet.core.model.Measurement;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The load actually measured in each slice of one size, as Q1 defines it ({@code docs/queries.md}): a plug's
 * {@code avgLoad} is the mean of its load readings in the slice, a house's the sum of the {@code avgLoad} of its
 * plugs that have a reading in the slice; a plug or house without a reading in a slice has no value for it. Fed
 * the readings Q1 took (after the order gate), in any order. Memory: two numbers per plug and slice with readings.
 */
public final class SliceLoads {
    /** A plug, by its ids. */
    public record Plug(long house, long household, long plug) {
    }

    private final long epoch;
    private final int sliceSeconds;
    private final Map<Plug, Map<Long, double[]>> plugs = new HashMap<>(); // slice -> {sum W, count}
    private final Map<Long, List<Map<Long, double[]>>> houses = new HashMap<>();

    public SliceLoads(long epoch, int sliceSeconds) {
        this.epoch = epoch;
        this.sliceSeconds = sliceSeconds;
    }

    public int sliceSeconds() {
        return sliceSeconds;
    }

    /** The slice a timestamp lies in. */
    public long slice(long timestamp) {
        return Math.floorDiv(timestamp - epoch, sliceSeconds);
    }

    /** The start of a slice. */
    public long start(long slice) {
        return epoch + slice * sliceSeconds;
    }

    /** Slices per day ({@code k}). */
    public long perDay() {
        return 86_400 / sliceSeconds;
    }

    /** Counts a reading (work readings are not loads: ignored). */
    public void add(Measurement m) {
        if (!m.isLoad()) return;
        Plug p = new Plug(m.houseId(), m.householdId(), m.plugId());
        Map<Long, double[]> series = plugs.get(p);
        if (series == null) {
            series = new HashMap<>();
            plugs.put(p, series);
            houses.computeIfAbsent(p.house(), h -> new ArrayList<>()).add(series);
        }
        double[] acc = series.computeIfAbsent(slice(m.timestamp()), s -> new double[2]);
        acc[0] += m.milliValue() / 1000.0;
        acc[1]++;
    }

    /** A plug's average load in a slice, in W; NaN if it has no reading there. */
    public double plug(Plug plug, long slice) {
        Map<Long, double[]> series = plugs.get(plug);
        return series == null ? Double.NaN : average(series.get(slice));
    }

    /** A house's load in a slice (the sum of its plugs' averages), in W; NaN if none of its plugs has a reading. */
    public double house(long house, long slice) {
        List<Map<Long, double[]>> all = houses.get(house);
        if (all == null) return Double.NaN;
        double sum = 0;
        boolean any = false;
        for (Map<Long, double[]> series : all) {
            double[] acc = series.get(slice);
            if (acc == null) continue;
            sum += average(acc);
            any = true;
        }
        return any ? sum : Double.NaN;
    }

    /** The houses seen. */
    public Iterable<Long> houses() {
        return houses.keySet();
    }

    /** The plugs seen. */
    public Iterable<Plug> plugs() {
        return plugs.keySet();
    }

    /** The slices in which a plug has a value, in no particular order. */
    public java.util.Set<Long> slicesOf(Plug plug) {
        return plugs.getOrDefault(plug, Map.of()).keySet();
    }

    /** The slices in which a house has a value, in no particular order. */
    public java.util.Set<Long> slicesOf(long house) {
        java.util.Set<Long> slices = new java.util.HashSet<>();
        for (Map<Long, double[]> series : houses.getOrDefault(house, List.of())) slices.addAll(series.keySet());
        return slices;
    }

    /** Forgets the slices before {@code slice}, and the plugs left with none (a live view keeps recent ones). */
    public void forgetBefore(long slice) {
        for (Map<Long, double[]> series : plugs.values()) series.keySet().removeIf(s -> s < slice);
        plugs.values().removeIf(Map::isEmpty);
        for (List<Map<Long, double[]>> all : houses.values()) all.removeIf(Map::isEmpty);
        houses.values().removeIf(List::isEmpty);
    }

    private static double average(double[] acc) {
        return acc == null ? Double.NaN : acc[0] / acc[1];
    }
}
