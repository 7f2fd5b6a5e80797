package io.gridlet.core.q2;

import java.util.Arrays;

/**
 * A sorted multiset of ints that answers the median of what it holds: one plug's load values in a window.
 *
 * <p>Distinct values live with their counts in sorted blocks of at most {@value #MAX_BLOCK} entries (an unrolled
 * list). Meter readings repeat (a device off reads 0, a standby device the same few milliwatts): adding or
 * removing a value already present is a binary search and a counter update; only a new distinct value shifts
 * part of one block. Memory is 8 bytes per distinct value (blocks grow on demand, shrink and merge as they
 * empty). A cursor remembers the block that held the last rank asked for and the count of values before it;
 * medians move little between questions, so finding the median again costs a step or two, not a walk.
 */
public final class SlidingMedian {
    static final int MAX_BLOCK = 128;
    private static final int MIN_CAPACITY = 8;

    private int[][] values = new int[4][]; // per block: distinct values, ascending
    private int[][] counts = new int[4][]; // per block: how often each value is held
    private int[] used = new int[4];       // per block: distinct values in it
    private int[] weight = new int[4];     // per block: values in it, counting repeats
    private int[] maxes = new int[4];      // per block: its largest value
    private int blockCount;
    private int size;

    private int cursorBlock;  // block of the last rank found
    private int cursorPrefix; // number of values (with repeats) in blocks before cursorBlock

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public void add(int value) {
        if (blockCount == 0) insertBlock(0, new int[MIN_CAPACITY], new int[MIN_CAPACITY], 0, 0);
        int b = blockFor(value);
        if (b == blockCount) b--; // larger than everything: the last block
        int[] vs = values[b];
        int n = used[b];
        int at = lowerBound(vs, n, value);
        if (at < n && vs[at] == value) {
            counts[b][at]++;
        } else {
            int[] cs = counts[b];
            if (n == vs.length) {
                int capacity = Math.min(MAX_BLOCK, n + (n >> 1) + 1);
                vs = values[b] = Arrays.copyOf(vs, capacity);
                cs = counts[b] = Arrays.copyOf(cs, capacity);
            }
            System.arraycopy(vs, at, vs, at + 1, n - at);
            System.arraycopy(cs, at, cs, at + 1, n - at);
            vs[at] = value;
            cs[at] = 1;
            used[b] = ++n;
            maxes[b] = vs[n - 1];
        }
        weight[b]++;
        size++;
        if (b < cursorBlock) cursorPrefix++;
        if (n == MAX_BLOCK) split(b);
    }

    /** Removes one occurrence of {@code value}; returns false if there was none. */
    public boolean remove(int value) {
        int b = blockFor(value);
        if (b == blockCount) return false;
        int[] vs = values[b];
        int n = used[b];
        int at = Arrays.binarySearch(vs, 0, n, value);
        if (at < 0) return false;
        weight[b]--;
        size--;
        if (b < cursorBlock) cursorPrefix--;
        int[] cs = counts[b];
        if (--cs[at] > 0) return true;
        System.arraycopy(vs, at + 1, vs, at, n - at - 1);
        System.arraycopy(cs, at + 1, cs, at, n - at - 1);
        used[b] = --n;
        if (n == 0) {
            removeBlock(b);
            return true;
        }
        maxes[b] = vs[n - 1];
        if (n <= vs.length / 4 && vs.length > MIN_CAPACITY) {
            int capacity = Math.max(MIN_CAPACITY, vs.length / 2);
            values[b] = Arrays.copyOf(vs, capacity);
            counts[b] = Arrays.copyOf(cs, capacity);
        }
        mergeIfSmall(b);
        return true;
    }

    /** The value of rank {@code r} (0-based) in sorted order, counting repeats. */
    public int kth(int r) {
        if (r < 0 || r >= size) throw new IndexOutOfBoundsException("rank " + r + " of " + size);
        int b = seek(r);
        return values[b][indexInBlock(b, r - cursorPrefix)];
    }

    /** Twice the median (so that the mean of two middle values stays an exact integer). Empty: error. */
    public long doubledMedian() {
        if (size == 0) throw new IllegalStateException("median of nothing");
        int half = size >> 1;
        if ((size & 1) == 1) return 2L * kth(half);
        // the two middle values: the lower one's entry, and the same entry or the next one
        int b = seek(half - 1);
        int i = indexInBlock(b, half - 1 - cursorPrefix);
        int lower = values[b][i];
        if (offsetInEntry + 1 < counts[b][i]) return 2L * lower;
        int upper = i + 1 < used[b] ? values[b][i + 1] : values[b + 1][0];
        return (long) lower + upper;
    }

    /** Moves the cursor to the block holding rank r and returns it; cursorPrefix is then that block's offset. */
    private int seek(int r) {
        if (cursorBlock >= blockCount) {
            cursorBlock = 0;
            cursorPrefix = 0;
        }
        while (r < cursorPrefix) {
            cursorBlock--;
            cursorPrefix -= weight[cursorBlock];
        }
        while (r >= cursorPrefix + weight[cursorBlock]) {
            cursorPrefix += weight[cursorBlock];
            cursorBlock++;
        }
        return cursorBlock;
    }

    private int offsetInEntry; // set by indexInBlock: which repeat of its entry the rank is (0-based)

    /** The entry of block b holding the value of rank {@code rest} within the block; scans from the nearer end. */
    private int indexInBlock(int b, int rest) {
        int[] cs = counts[b];
        if (rest < weight[b] >> 1) {
            int i = 0;
            while (rest >= cs[i]) rest -= cs[i++];
            offsetInEntry = rest;
            return i;
        }
        int fromEnd = weight[b] - 1 - rest; // rank counted from the block's largest value
        int i = used[b] - 1;
        while (fromEnd >= cs[i]) fromEnd -= cs[i--];
        offsetInEntry = cs[i] - 1 - fromEnd;
        return i;
    }

    /** Distinct values held (for memory accounting). */
    public int distinct() {
        int sum = 0;
        for (int b = 0; b < blockCount; b++) sum += used[b];
        return sum;
    }

    /** Index of the first block whose maximum is >= value, or blockCount if none. */
    private int blockFor(int value) {
        int lo = 0, hi = blockCount;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (maxes[mid] < value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private static int lowerBound(int[] a, int n, int value) {
        int lo = 0, hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private void split(int b) {
        int n = used[b];
        int half = n >> 1;
        int upperN = n - half;
        int capacity = Math.max(MIN_CAPACITY, upperN + (upperN >> 1));
        int[] upperValues = Arrays.copyOfRange(values[b], half, half + capacity);
        int[] upperCounts = Arrays.copyOfRange(counts[b], half, half + capacity);
        int upperWeight = 0;
        for (int i = 0; i < upperN; i++) upperWeight += upperCounts[i];
        values[b] = Arrays.copyOf(values[b], half + (half >> 1));
        counts[b] = Arrays.copyOf(counts[b], half + (half >> 1));
        used[b] = half;
        weight[b] -= upperWeight;
        maxes[b] = values[b][half - 1];
        insertBlock(b + 1, upperValues, upperCounts, upperN, upperWeight);
    }

    private void mergeIfSmall(int b) {
        if (used[b] > MAX_BLOCK / 8) return;
        int other = b + 1 < blockCount ? b + 1 : b - 1;
        if (other < 0) return;
        int left = Math.min(b, other), right = left + 1;
        int total = used[left] + used[right];
        if (total > MAX_BLOCK / 2) return;
        int capacity = Math.max(MIN_CAPACITY, total + (total >> 1));
        int[] vs = Arrays.copyOf(values[left], capacity);
        int[] cs = Arrays.copyOf(counts[left], capacity);
        System.arraycopy(values[right], 0, vs, used[left], used[right]);
        System.arraycopy(counts[right], 0, cs, used[left], used[right]);
        if (cursorBlock == right) {
            cursorBlock = left;
            cursorPrefix -= weight[left];
        }
        values[left] = vs;
        counts[left] = cs;
        used[left] = total;
        weight[left] += weight[right];
        maxes[left] = vs[total - 1];
        used[right] = 0;
        weight[right] = 0;
        removeBlock(right);
    }

    private void insertBlock(int at, int[] vs, int[] cs, int n, int w) {
        if (blockCount == values.length) {
            int cap = blockCount * 2;
            values = Arrays.copyOf(values, cap);
            counts = Arrays.copyOf(counts, cap);
            used = Arrays.copyOf(used, cap);
            weight = Arrays.copyOf(weight, cap);
            maxes = Arrays.copyOf(maxes, cap);
        }
        int tail = blockCount - at;
        System.arraycopy(values, at, values, at + 1, tail);
        System.arraycopy(counts, at, counts, at + 1, tail);
        System.arraycopy(used, at, used, at + 1, tail);
        System.arraycopy(weight, at, weight, at + 1, tail);
        System.arraycopy(maxes, at, maxes, at + 1, tail);
        values[at] = vs;
        counts[at] = cs;
        used[at] = n;
        weight[at] = w;
        maxes[at] = n > 0 ? vs[n - 1] : Integer.MIN_VALUE;
        blockCount++;
        // a split's upper half was before the cursor's block if the split block was; prefix is unchanged
        if (at <= cursorBlock && blockCount > 1) cursorBlock++;
    }

    /** Removes block {@code at}, which must be empty. */
    private void removeBlock(int at) {
        int tail = blockCount - at - 1;
        System.arraycopy(values, at + 1, values, at, tail);
        System.arraycopy(counts, at + 1, counts, at, tail);
        System.arraycopy(used, at + 1, used, at, tail);
        System.arraycopy(weight, at + 1, weight, at, tail);
        System.arraycopy(maxes, at + 1, maxes, at, tail);
        blockCount--;
        values[blockCount] = null;
        counts[blockCount] = null;
        if (at < cursorBlock) cursorBlock--;
        if (cursorBlock >= blockCount) {
            cursorBlock = 0;
            cursorPrefix = 0;
        }
    }
}
