package io.gridlet.flink.log;

import io.gridlet.log.local.LocalLog;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.mocks.MockSplitEnumeratorContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local log's enumerator over two partitions, driven event by event as Flink's coordinator would: it hands
 * the splits out together, tells the readers to read once every one is ready (or at its end), and to finish once
 * every one met its end, whatever order the events come in.
 */
class LogEnumeratorTest {
    @TempDir
    Path dir;

    private LocalLogSource source() {
        return new LocalLogSource(new LocalLog(dir, LocalLog.Fsync.NEVER, LocalLog.DEFAULT_SEGMENT_BYTES, 2));
    }

    private static List<SourceEvent> sent(MockSplitEnumeratorContext<LocalLogSource.Split> context, int reader)
            throws Exception {
        return context.getSentSourceEvent().getOrDefault(reader, List.of());
    }

    /** Both readers register (a start, or a restart: each reader's new attempt). */
    private static void registerBoth(MockSplitEnumeratorContext<LocalLogSource.Split> context,
                                     SplitEnumerator<LocalLogSource.Split, LocalLogSource.Unassigned> e) {
        for (int r = 0; r < 2; r++) {
            context.registerReader(new ReaderInfo(r, "localhost"));
            e.addReader(r);
        }
    }

    @Test
    void splitsGoOutTogetherAndReadingStartsWhenEveryReaderIsReady() throws Exception {
        try (MockSplitEnumeratorContext<LocalLogSource.Split> context = new MockSplitEnumeratorContext<>(2)) {
            SplitEnumerator<LocalLogSource.Split, LocalLogSource.Unassigned> e = source().createEnumerator(context);
            registerBoth(context, e);
            e.handleSplitRequest(1, "localhost");
            assertThat(context.getSplitsAssignmentSequence()).as("until both asked").isEmpty();
            e.handleSplitRequest(0, "localhost");
            assertThat(context.getSplitsAssignmentSequence()).hasSize(2);
            e.handleSourceEvent(0, new LocalLogSource.Ready());
            assertThat(sent(context, 0)).isEmpty();
            e.handleSourceEvent(1, new LocalLogSource.Ready());
            assertThat(sent(context, 0)).containsExactly(new LocalLogSource.Go());
            assertThat(sent(context, 1)).containsExactly(new LocalLogSource.Go());
            e.handleSourceEvent(0, new LocalLogSource.Ended(0));
            e.handleSourceEvent(1, new LocalLogSource.Ended(1));
            assertThat(sent(context, 0)).contains(new LocalLogSource.AllEnded());
            assertThat(sent(context, 1)).contains(new LocalLogSource.AllEnded());
        }
    }

    /**
     * Restored from a checkpoint where reader 1 was at its end: reader 0 is ready before reader 1 says it is at its
     * end, and reader 1 says it is ready only after that. Reader 0 must still be told to read.
     */
    @Test
    void aReaderRestoredAtItsEndCountsAsReadyWhateverTheOrder() throws Exception {
        try (MockSplitEnumeratorContext<LocalLogSource.Split> context = new MockSplitEnumeratorContext<>(2)) {
            SplitEnumerator<LocalLogSource.Split, LocalLogSource.Unassigned> e = source().restoreEnumerator(context,
                    new LocalLogSource.Unassigned(List.of(), Set.of(1)));
            registerBoth(context, e); // new attempts: what the checkpoint says of them, they say again
            e.handleSourceEvent(0, new LocalLogSource.Ready());
            assertThat(sent(context, 0)).as("reader 1's new attempt has not said where it is").isEmpty();
            e.handleSourceEvent(1, new LocalLogSource.Ended(1));
            assertThat(sent(context, 0)).containsExactly(new LocalLogSource.Go());
            e.handleSourceEvent(1, new LocalLogSource.Ready());
            assertThat(sent(context, 1)).contains(new LocalLogSource.Go());
            assertThat(sent(context, 0)).doesNotContain(new LocalLogSource.AllEnded());
            e.handleSourceEvent(0, new LocalLogSource.Ended(0));
            assertThat(sent(context, 0)).contains(new LocalLogSource.AllEnded());
            assertThat(sent(context, 1)).contains(new LocalLogSource.AllEnded());
        }
    }

    /** A reader that asks for a split no longer there read its partition to the end before: it counts as ended. */
    @Test
    void aReaderWithoutASplitIsAtItsEnd() throws Exception {
        try (MockSplitEnumeratorContext<LocalLogSource.Split> context = new MockSplitEnumeratorContext<>(2)) {
            SplitEnumerator<LocalLogSource.Split, LocalLogSource.Unassigned> e = source().restoreEnumerator(context,
                    new LocalLogSource.Unassigned(List.of(new LocalLogSource.Split(0, 0, 0)), Set.of()));
            registerBoth(context, e);
            e.handleSplitRequest(1, "localhost");
            assertThat(context.hasNoMoreSplits(1)).isTrue();
            e.handleSplitRequest(0, "localhost");
            e.handleSourceEvent(0, new LocalLogSource.Ready());
            assertThat(sent(context, 0)).containsExactly(new LocalLogSource.Go());
        }
    }
}
