package io.gridlet.core.q2;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** ReadingLog with two cursors against two plain queues, across many chunk boundaries. */
class ReadingLogTest {

    private record Entry(long ts, int plug, int value) {
    }

    /** A spill store in memory that checks the log's use of it: no chunk written twice, read or deleted unknown. */
    static final class MapSpill implements ReadingLog.Spill {
        final java.util.Map<Long, byte[]> chunks = new java.util.HashMap<>();

        @Override
        public void write(long chunk, byte[] bytes) {
            assertThat(chunks.put(chunk, bytes.clone())).as("chunk %d spilled twice", chunk).isNull();
        }

        @Override
        public byte[] read(long chunk) {
            byte[] b = chunks.get(chunk);
            assertThat(b).as("chunk %d read but not spilled", chunk).isNotNull();
            return b;
        }

        @Override
        public void delete(long chunk) {
            assertThat(chunks.remove(chunk)).as("chunk %d deleted but not spilled", chunk).isNotNull();
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "spilling beyond 2 chunks: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void twoCursorsSeeEveryEntryInOrderWhileTheLogIsTrimmed(boolean spilling) {
        ReadingLog log = new ReadingLog();
        MapSpill store = new MapSpill();
        if (spilling) log.spillTo(store, 2);
        ReadingLog.Cursor fast = log.newCursor(), slow = log.newCursor();
        ArrayDeque<Entry> fastQueue = new ArrayDeque<>(), slowQueue = new ArrayDeque<>();
        SplittableRandom random = new SplittableRandom(17);
        long ts = 0;
        for (int step = 0; step < 300_000; step++) {
            int action = random.nextInt(10);
            if (action < 6) {
                if (random.nextInt(3) == 0) ts += random.nextInt(3);
                Entry e = new Entry(ts, random.nextInt(1000), random.nextInt());
                log.append(e.ts, e.plug, e.value);
                fastQueue.add(e);
                slowQueue.add(e);
            } else {
                boolean useFast = action < 9;
                ReadingLog.Cursor c = useFast ? fast : slow;
                ArrayDeque<Entry> q = useFast ? fastQueue : slowQueue;
                int n = random.nextInt(useFast ? 4 : 3);
                for (int i = 0; i < n && c.hasNext(); i++) {
                    Entry e = q.removeFirst();
                    assertThat(c.ts()).isEqualTo(e.ts);
                    assertThat(c.plug()).isEqualTo(e.plug);
                    assertThat(c.value()).isEqualTo(e.value);
                    c.advance();
                }
                assertThat(c.remaining()).isEqualTo(q.size());
                log.trim();
                assertThat(log.size()).isEqualTo(Math.max(fastQueue.size(), slowQueue.size()));
            }
            if (step % 50_000 == 49_999) { // a whole pass from the oldest entry (what a snapshot does)
                ArrayDeque<Entry> all = fastQueue.size() > slowQueue.size() ? fastQueue : slowQueue;
                ReadingLog.Cursor pass = log.detachedCursor();
                for (Entry e : all) {
                    assertThat(pass.plug()).isEqualTo(e.plug);
                    assertThat(pass.value()).isEqualTo(e.value);
                    pass.advance();
                }
                assertThat(pass.hasNext()).isFalse();
            }
        }
        assertThat(log.size()).isGreaterThan(20_000); // the test crossed chunk boundaries with live data
        long[] counts = log.spillCounts(); // resident, spilled, spills, loads
        if (spilling) {
            assertThat(counts[2]).as("chunks spilled").isPositive();
            assertThat(counts[3]).as("chunks read back").isPositive();
            assertThat(counts[1]).isEqualTo(store.chunks.size());
            assertThat(counts[0]).isLessThanOrEqualTo(4); // 2 + the cursors' chunks at most
        } else {
            assertThat(counts[1] + counts[2]).isZero();
        }
    }

    @Test
    void aCursorThatCaughtUpSeesEntriesAppendedToTheSameTimestamp() {
        ReadingLog log = new ReadingLog();
        ReadingLog.Cursor c = log.newCursor();
        log.append(5, 1, 10);
        c.advance();
        log.append(5, 2, 20);
        assertThat(c.hasNext()).isTrue();
        assertThat(c.ts()).isEqualTo(5);
        assertThat(c.plug()).isEqualTo(2);
    }
}
