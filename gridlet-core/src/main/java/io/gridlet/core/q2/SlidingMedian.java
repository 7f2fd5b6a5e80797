package io.gridlet.core.q2;

import java.util.Arrays;

/**
 * A sorted multiset of ints that answers the median of what it holds: one plug's load values in a window.
 *
 * <p>Values live in sorted blocks of at most {@value #MAX_BLOCK} (an unrolled list): add and remove cost a
 * binary search over the block maxima plus a shift of at most one block, and memory stays near 4 bytes per value
 * (blocks grow on demand and shrink when they empty). A cursor remembers the block that held the last rank asked
 * for and the count of values before it; medians move little between questions, so finding the median again
 * costs a step or two instead of a walk over all blocks.
 */
public final class SlidingMedian {
    static final int MAX_BLOCK = 256;
    private static final int MIN_CAPACITY = 8;

    private int[][] blocks = new int[4][];
    private int[] sizes = new int[4];
    private int[] maxes = new int[4];
    private int blockCount;
    private int size;

    private int cursorBlock;  // block of the last rank found
    private int cursorPrefix; // number of values in blocks before cursorBlock

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public void add(int value) {
        if (blockCount == 0) {
            insertBlock(0, new int[MIN_CAPACITY], 0);
        }
        int b = blockFor(value);
        if (b == blockCount) b--; // larger than everything: append to the last block
        int[] block = blocks[b];
        int n = sizes[b];
        int at = upperBound(block, n, value);
        if (n == block.length) {
            block = Arrays.copyOf(block, Math.min(MAX_BLOCK, n + (n >> 1) + 1));
            blocks[b] = block;
        }
        System.arraycopy(block, at, block, at + 1, n - at);
        block[at] = value;
        sizes[b] = n + 1;
        maxes[b] = block[n];
        size++;
        if (b < cursorBlock) cursorPrefix++;
        if (n + 1 == MAX_BLOCK) split(b);
    }

    /** Removes one occurrence of {@code value}; returns false if there was none. */
    public boolean remove(int value) {
        int b = blockFor(value);
        if (b == blockCount) return false;
        int[] block = blocks[b];
        int n = sizes[b];
        int at = Arrays.binarySearch(block, 0, n, value);
        if (at < 0) return false;
        System.arraycopy(block, at + 1, block, at, n - at - 1);
        n--;
        sizes[b] = n;
        size--;
        if (b < cursorBlock) cursorPrefix--;
        if (n == 0) {
            removeBlock(b);
        } else {
            maxes[b] = block[n - 1];
            if (n <= block.length / 4 && block.length > MIN_CAPACITY) {
                blocks[b] = Arrays.copyOf(block, Math.max(MIN_CAPACITY, block.length / 2));
            }
            mergeIfSmall(b);
        }
        return true;
    }

    /** The value of rank {@code r} (0-based) in sorted order. */
    public int kth(int r) {
        if (r < 0 || r >= size) throw new IndexOutOfBoundsException("rank " + r + " of " + size);
        if (cursorBlock >= blockCount) {
            cursorBlock = 0;
            cursorPrefix = 0;
        }
        while (r < cursorPrefix) {
            cursorBlock--;
            cursorPrefix -= sizes[cursorBlock];
        }
        while (r >= cursorPrefix + sizes[cursorBlock]) {
            cursorPrefix += sizes[cursorBlock];
            cursorBlock++;
        }
        return blocks[cursorBlock][r - cursorPrefix];
    }

    /** Twice the median (so that the mean of two middle values stays an exact integer). Empty: error. */
    public long doubledMedian() {
        if (size == 0) throw new IllegalStateException("median of nothing");
        int half = size >> 1;
        if ((size & 1) == 1) return 2L * kth(half);
        return (long) kth(half - 1) + kth(half);
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

    private static int upperBound(int[] a, int n, int value) {
        int lo = 0, hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private void split(int b) {
        int n = sizes[b];
        int half = n >> 1;
        int[] block = blocks[b];
        int[] upper = Arrays.copyOfRange(block, half, half + Math.max(MIN_CAPACITY, (n - half) + ((n - half) >> 2)));
        blocks[b] = Arrays.copyOf(block, half + (half >> 2));
        sizes[b] = half;
        maxes[b] = block[half - 1];
        insertBlock(b + 1, upper, n - half);
    }

    private void mergeIfSmall(int b) {
        if (sizes[b] > MAX_BLOCK / 8) return;
        int other = b + 1 < blockCount ? b + 1 : b - 1;
        if (other < 0) return;
        int left = Math.min(b, other), right = left + 1;
        int total = sizes[left] + sizes[right];
        if (total > MAX_BLOCK / 2) return;
        int[] merged = Arrays.copyOf(blocks[left], Math.max(MIN_CAPACITY, total + (total >> 2)));
        System.arraycopy(blocks[right], 0, merged, sizes[left], sizes[right]);
        if (cursorBlock == right) {
            cursorBlock = left;
            cursorPrefix -= sizes[left];
        }
        blocks[left] = merged;
        sizes[left] = total;
        maxes[left] = merged[total - 1];
        sizes[right] = 0;
        removeBlock(right);
    }

    private void insertBlock(int at, int[] block, int n) {
        if (blockCount == blocks.length) {
            int cap = blockCount * 2;
            blocks = Arrays.copyOf(blocks, cap);
            sizes = Arrays.copyOf(sizes, cap);
            maxes = Arrays.copyOf(maxes, cap);
        }
        int tail = blockCount - at;
        System.arraycopy(blocks, at, blocks, at + 1, tail);
        System.arraycopy(sizes, at, sizes, at + 1, tail);
        System.arraycopy(maxes, at, maxes, at + 1, tail);
        blocks[at] = block;
        sizes[at] = n;
        maxes[at] = n > 0 ? block[n - 1] : Integer.MIN_VALUE;
        blockCount++;
        // the new block's values were before the cursor's block (a split of an earlier block) or are new
        if (at <= cursorBlock && blockCount > 1) cursorBlock++;
    }

    /** Removes block {@code at}, which must be empty. */
    private void removeBlock(int at) {
        int tail = blockCount - at - 1;
        System.arraycopy(blocks, at + 1, blocks, at, tail);
        System.arraycopy(sizes, at + 1, sizes, at, tail);
        System.arraycopy(maxes, at + 1, maxes, at, tail);
        blockCount--;
        blocks[blockCount] = null;
        if (at < cursorBlock) cursorBlock--;
        if (cursorBlock >= blockCount) {
            cursorBlock = 0;
            cursorPrefix = 0;
        }
    }
}
