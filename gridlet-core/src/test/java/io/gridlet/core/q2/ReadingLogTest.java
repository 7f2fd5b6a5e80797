package io.gridlet.core.q2;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** ReadingLog with two cursors against two plain queues, across many chunk boundaries. */
class ReadingLogTest {

    private record Entry(long ts, int plug, int value) {
    }

    @Test
    void twoCursorsSeeEveryEntryInOrderWhileTheLogIsTrimmed() {
        ReadingLog log = new ReadingLog();
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
        }
        assertThat(log.size()).isGreaterThan(20_000); // the test crossed chunk boundaries with live data
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
