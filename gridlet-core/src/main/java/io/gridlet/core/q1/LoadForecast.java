package io.gridlet.core.q1;

import io.gridlet.core.model.Milli;
import io.gridlet.core.model.PlugId;
import io.gridlet.core.model.PlugTable;
import io.gridlet.core.result.HouseForecast;
import io.gridlet.core.result.PlugForecast;
import io.gridlet.core.result.ResultSink;

import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import java.util.function.LongToIntFunction;

/**
 * Q1, load prediction, for every slice size at once: per plug and per house, the load of the slice after next,
 * predicted from the current slice's average and the median of the same slot on earlier days.
 *
 * <p>Feed load readings in timestamp order with {@link #add}; before a reading at or past a 30-second boundary
 * is added, call {@link #crossBoundary} for each boundary crossed, in order (the engine does both). At a
 * boundary the plugs with readings in the current slice are predicted; at a boundary that ends a slice, that
 * slice's averages join the history. State is explicit and written by {@link #snapshot}.
 */
public final class LoadForecast {
    /** Predictions are emitted every this many seconds of data time. */
    public static final int BOUNDARY_SECONDS = 30;
    private static final int DAY = 86_400;

    private final long epoch;
    private final Forecaster forecaster;
    private final PlugTable plugs = new PlugTable();
    private final Map<Long, Integer> houseIndex = new HashMap<>();
    private final List<Long> houses = new ArrayList<>();
    private int[] plugHouse = new int[64];
    private int[] plugRank = new int[0]; // position of each plug in id order
    private boolean ranksStale;
    private final Slices[] slices;

    public LoadForecast(long epoch, int... sliceSeconds) {
        this(epoch, Forecaster.SPEC, sliceSeconds);
    }

    /** With the spec's forecaster ({@link Forecaster#SPEC}), Q1 as defined; with another, that one's forecasts. */
    public LoadForecast(long epoch, Forecaster forecaster, int... sliceSeconds) {
        if (sliceSeconds.length == 0) throw new IllegalArgumentException("at least one slice size");
        this.epoch = epoch;
        this.forecaster = forecaster;
        this.slices = new Slices[sliceSeconds.length];
        for (int s = 0; s < sliceSeconds.length; s++) {
            int size = sliceSeconds[s];
            if (size <= 0 || size % BOUNDARY_SECONDS != 0 || DAY % size != 0) {
                throw new IllegalArgumentException("slice size must be a multiple of 30 s that divides a day, got "
                        + size);
            }
            slices[s] = new Slices(size);
        }
    }

    public long epoch() {
        return epoch;
    }

    public Forecaster forecaster() {
        return forecaster;
    }

    /** Adds one load reading (milliwatts). */
    public void add(long house, long household, long plug, long milliwatts) {
        int p = plugs.indexOf(house, household, plug);
        if (p == plugRank.length) registerPlug(p);
        for (Slices s : slices) s.add(p, milliwatts);
    }

    /** Handles, in order, every 30-second boundary in {@code (from, to]}: data time moved from one to the other. */
    public void crossBoundaries(long from, long to, ResultSink sink) {
        for (long b = firstBoundaryAfter(from); b <= to; b += BOUNDARY_SECONDS) crossBoundary(b, sink);
    }

    /** The first 30-second boundary strictly after data time {@code t}. */
    public long firstBoundaryAfter(long t) {
        return epoch + (Math.floorDiv(t - epoch, BOUNDARY_SECONDS) + 1) * BOUNDARY_SECONDS;
    }

    /** Handles the 30-second boundary {@code b} (= epoch + 30·m): predict, and close slices that end at b. */
    public void crossBoundary(long b, ResultSink sink) {
        if (ranksStale) rerank();
        boolean emit = b - epoch >= BOUNDARY_SECONDS; // m >= 1
        for (Slices s : slices) s.boundary(b, emit, sink);
    }

    private void registerPlug(int p) {
        PlugId id = plugs.plug(p);
        Integer h = houseIndex.get(id.house());
        if (h == null) {
            h = houses.size();
            houseIndex.put(id.house(), h);
            houses.add(id.house());
        }
        if (p == plugHouse.length) plugHouse = Arrays.copyOf(plugHouse, p * 2);
        plugHouse[p] = h;
        plugRank = Arrays.copyOf(plugRank, p + 1);
        ranksStale = true;
        for (Slices s : slices) s.ensureCapacity(p + 1, houses.size());
    }

    private void rerank() {
        Integer[] order = new Integer[plugs.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> plugs.plug(a).compareTo(plugs.plug(b)));
        for (int r = 0; r < order.length; r++) plugRank[order[r]] = r;
        ranksStale = false;
    }

    /** The state of one slice size. */
    private final class Slices {
        final int seconds;
        final int slotsPerDay;
        long[] sum = new long[0];     // current slice, per plug
        int[] count = new int[0];     // current slice, per plug; > 0 means the plug is active
        SlotModel[] plugHistory = new SlotModel[0];
        SlotModel[] houseHistory = new SlotModel[0];
        int[] active = new int[16];
        int activeCount;
        long[] order = new long[16];  // scratch: rank << 32 | plug, sorted at each boundary

        Slices(int seconds) {
            this.seconds = seconds;
            this.slotsPerDay = DAY / seconds;
        }

        void ensureCapacity(int plugCount, int houseCount) {
            if (sum.length < plugCount) {
                int cap = Math.max(plugCount, sum.length * 2);
                int old = sum.length;
                sum = Arrays.copyOf(sum, cap);
                count = Arrays.copyOf(count, cap);
                plugHistory = Arrays.copyOf(plugHistory, cap);
                for (int i = old; i < cap; i++) plugHistory[i] = forecaster.model(slotsPerDay);
                if (active.length < cap) active = Arrays.copyOf(active, cap);
                if (order.length < cap) order = new long[cap];
            }
            if (houseHistory.length < houseCount) {
                int old = houseHistory.length;
                houseHistory = Arrays.copyOf(houseHistory, Math.max(houseCount, old * 2));
                for (int i = old; i < houseHistory.length; i++) houseHistory[i] = forecaster.model(slotsPerDay);
            }
        }

        void add(int p, long milliwatts) {
            if (count[p]++ == 0) active[activeCount++] = p;
            sum[p] += milliwatts;
        }

        void boundary(long b, boolean emit, ResultSink sink) {
            boolean closes = Math.floorMod(b - epoch, (long) seconds) == 0;
            if (activeCount == 0 || !(emit || closes)) return;
            long slice = Math.floorDiv(b - 1 - epoch, (long) seconds);
            long predictedTs = epoch + (slice + 2) * seconds;
            int predictedSlot = (int) Math.floorMod(slice + 2, (long) slotsPerDay);
            int currentSlot = (int) Math.floorMod(slice, (long) slotsPerDay);
            boolean record = closes && slice >= 0; // history holds slices 0, 1, ... only

            for (int a = 0; a < activeCount; a++) {
                order[a] = ((long) plugRank[active[a]] << 32) | active[a];
            }
            Arrays.sort(order, 0, activeCount);
            int currentHouse = -1;
            double houseAverage = 0;
            for (int a = 0; a < activeCount; a++) {
                int p = (int) order[a];
                int h = plugHouse[p];
                if (h != currentHouse) {
                    if (currentHouse >= 0) finishHouse(currentHouse, houseAverage, emit, record, predictedTs,
                            predictedSlot, currentSlot, sink);
                    currentHouse = h;
                    houseAverage = 0;
                }
                double average = (double) sum[p] / count[p];
                houseAverage += average;
                if (emit) {
                    double predicted = plugHistory[p].predict(average, predictedSlot);
                    sink.plugForecast(new PlugForecast(seconds, predictedTs, plugs.plug(p), Milli.roundHalfUp(predicted)));
                }
                if (record) plugHistory[p].add(currentSlot, average);
                if (closes) {
                    sum[p] = 0;
                    count[p] = 0;
                }
            }
            finishHouse(currentHouse, houseAverage, emit, record, predictedTs, predictedSlot, currentSlot, sink);
            if (closes) activeCount = 0;
        }

        private void finishHouse(int h, double average, boolean emit, boolean record, long predictedTs,
                                 int predictedSlot, int currentSlot, ResultSink sink) {
            if (emit) {
                double predicted = houseHistory[h].predict(average, predictedSlot);
                sink.houseForecast(new HouseForecast(seconds, predictedTs, houses.get(h), Milli.roundHalfUp(predicted)));
            }
            if (record) houseHistory[h].add(currentSlot, average);
        }
    }

    // ---- snapshot / restore ------------------------------------------------------------------------------

    /** 3: the forecaster after the version; 2 (read still): the spec's. */
    private static final int SNAPSHOT_VERSION = 3;

    /** The ids of the houses seen, in order of first appearance. */
    public long[] houses() {
        long[] ids = new long[houses.size()];
        for (int h = 0; h < ids.length; h++) ids[h] = houses.get(h);
        return ids;
    }

    public void snapshot(DataOutput out) throws IOException {
        writeHouses(out, house -> true);
    }

    public static LoadForecast restore(DataInput in) throws IOException {
        return restore(List.of(in));
    }

    /**
     * Writes the state of the houses {@code include} accepts: their plugs' current slices and histories and the
     * houses' histories. Houses are independent in Q1, so the state of a set of houses restores alone, and the
     * states of disjoint sets restore together ({@link #restore(List)}): this is how it moves between instances.
     */
    public void writeHouses(DataOutput out, LongPredicate include) throws IOException {
        out.writeInt(SNAPSHOT_VERSION);
        out.writeByte(forecaster.ordinal());
        out.writeLong(epoch);
        out.writeInt(slices.length);
        for (Slices s : slices) out.writeInt(s.seconds);
        int plugCount = 0;
        for (int p = 0; p < plugs.size(); p++) if (include.test(plugs.plug(p).house())) plugCount++;
        out.writeInt(plugCount);
        for (int p = 0; p < plugs.size(); p++) {
            PlugId id = plugs.plug(p);
            if (!include.test(id.house())) continue;
            out.writeLong(id.house());
            out.writeLong(id.household());
            out.writeLong(id.plug());
            for (Slices s : slices) {
                out.writeInt(s.count[p]);
                out.writeLong(s.sum[p]);
                s.plugHistory[p].writeTo(out);
            }
        }
        int houseCount = 0;
        for (long house : houses) if (include.test(house)) houseCount++;
        out.writeInt(houseCount);
        for (int h = 0; h < houses.size(); h++) {
            if (!include.test(houses.get(h))) continue;
            out.writeLong(houses.get(h));
            for (Slices s : slices) s.houseHistory[h].writeTo(out);
        }
    }

    /**
     * Writes the state split into {@code parts} disjoint parts by house ({@code partOf} maps a house id to its
     * part), each as {@link #writeHouses} would for that part's houses.
     */
    public byte[][] snapshotParts(int parts, LongToIntFunction partOf) throws IOException {
        Map<Long, Integer> part = new HashMap<>();
        for (long house : houses) {
            int p = partOf.applyAsInt(house);
            if (p < 0 || p >= parts) throw new IllegalArgumentException("part out of range: " + p);
            part.put(house, p);
        }
        byte[][] out = new byte[parts][];
        for (int i = 0; i < parts; i++) {
            int index = i;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream data = new DataOutputStream(bytes);
            writeHouses(data, house -> part.get(house) == index);
            data.flush();
            out[i] = bytes.toByteArray();
        }
        return out;
    }

    /** One forecast from the states of disjoint sets of houses, each written by {@link #writeHouses}. */
    public static LoadForecast restore(List<? extends DataInput> parts) throws IOException {
        if (parts.isEmpty()) throw new IllegalArgumentException("no Q1 state to restore");
        LoadForecast q1 = null;
        for (DataInput in : parts) {
            int version = in.readInt();
            if (version != SNAPSHOT_VERSION && version != 2) throw new IOException("unknown Q1 snapshot version "
                    + version);
            Forecaster forecaster = Forecaster.SPEC;
            if (version == SNAPSHOT_VERSION) {
                int f = in.readUnsignedByte();
                if (f >= Forecaster.values().length) throw new IOException("unknown Q1 forecaster " + f);
                forecaster = Forecaster.values()[f];
            }
            long epoch = in.readLong();
            int[] sizes = new int[in.readInt()];
            for (int i = 0; i < sizes.length; i++) sizes[i] = in.readInt();
            if (q1 == null) q1 = new LoadForecast(epoch, forecaster, sizes);
            else if (q1.epoch != epoch || q1.forecaster != forecaster || !Arrays.equals(q1.sliceSizes(), sizes)) {
                throw new IOException("Q1 states of different configurations cannot be merged");
            }
            q1.readHouses(in);
        }
        return q1;
    }

    private int[] sliceSizes() {
        int[] sizes = new int[slices.length];
        for (int s = 0; s < sizes.length; s++) sizes[s] = slices[s].seconds;
        return sizes;
    }

    private void readHouses(DataInput in) throws IOException {
        int plugCount = in.readInt();
        for (int i = 0; i < plugCount; i++) {
            int p = plugs.indexOf(in.readLong(), in.readLong(), in.readLong());
            if (p != plugRank.length) throw new IOException("plug " + plugs.plug(p) + " is in two Q1 states");
            registerPlug(p);
            for (Slices s : slices) {
                int count = in.readInt();
                long sum = in.readLong();
                if (count > 0) {
                    s.active[s.activeCount++] = p;
                    s.count[p] = count;
                    s.sum[p] = sum;
                }
                s.plugHistory[p].readFrom(in);
            }
        }
        int houseCount = in.readInt();
        for (int i = 0; i < houseCount; i++) {
            long house = in.readLong();
            Integer h = houseIndex.get(house);
            if (h == null) throw new IOException("house " + house + " has a history but no plugs");
            for (Slices s : slices) s.houseHistory[h].readFrom(in);
        }
    }
}
