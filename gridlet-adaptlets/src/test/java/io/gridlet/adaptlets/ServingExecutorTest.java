package io.gridlet.adaptlets;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The serving order on its own, with a clock the test moves: ranks first, and the lowest rank's share of the
 * workers while verified callers are about.
 */
class ServingExecutorTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final List<String> ran = new CopyOnWriteArrayList<>();

    private Runnable note(String name) {
        return () -> ran.add(name);
    }

    private static Runnable hold(CountDownLatch started, CountDownLatch release) {
        return () -> {
            started.countDown();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    private static void await(String what, BooleanSupplier condition) throws Exception {
        AdmissionTest.await(what, condition);
    }

    @Test
    void withNoVerifiedCallerAboutEveryWorkerServesTheLowestRank() throws Exception {
        try (ServingExecutor serving = new ServingExecutor(2, 1, new DecisionCounts(), "t-", clock::get)) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            serving.execute(0, hold(started, release));
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            serving.execute(0, note("anonymous"));
            await("the second worker served the anonymous task", () -> ran.contains("anonymous"));
            release.countDown();
        }
    }

    @Test
    void whileVerifiedCallersAreAboutTheLowestRankHoldsOnlyItsShareAndWaitsForTheRest() throws Exception {
        try (ServingExecutor serving = new ServingExecutor(2, 1, new DecisionCounts(), "t-", clock::get)) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            serving.execute(1, note("verified"));
            await("the verified task ran", () -> ran.contains("verified"));
            clock.addAndGet(ServingExecutor.ANTICIPATION_NANOS); // its caller sends nothing more at once
            serving.execute(0, hold(started, release)); // the lowest rank's one worker
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

            serving.execute(0, note("anonymous"));
            Thread.sleep(200);
            assertThat(ran).containsExactly("verified"); // the second worker is free, and kept for verified work
            assertThat(serving.queueLength()).isEqualTo(1);

            serving.execute(5, note("verified again")); // arriving later, served at once
            await("the verified task ran", () -> ran.contains("verified again"));
            assertThat(ran).doesNotContain("anonymous");

            clock.addAndGet(ServingExecutor.VERIFIED_RECENTLY_NANOS); // verified callers have been quiet a second
            serving.execute(0, note("nudge")); // wakes a worker to look again (the real clock's wait would too)
            await("the anonymous tasks ran", () -> ran.contains("anonymous") && ran.contains("nudge"));
            assertThat(ran).containsExactly("verified", "verified again", "anonymous", "nudge");
            release.countDown();
        }
    }

    @Test
    void whenTheLowestRanksTaskEndsTheNextOneTakesItsPlace() throws Exception {
        try (ServingExecutor serving = new ServingExecutor(2, 1, new DecisionCounts(), "t-", clock::get)) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            serving.execute(1, note("verified"));
            await("the verified task ran", () -> ran.contains("verified"));
            clock.addAndGet(ServingExecutor.ANTICIPATION_NANOS);
            serving.execute(0, hold(started, release));
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            serving.execute(0, note("anonymous"));
            Thread.sleep(100);
            assertThat(ran).containsExactly("verified");
            release.countDown();
            await("the anonymous task ran", () -> ran.contains("anonymous"));
        }
    }

    @Test
    void aWorkerThatEndedAVerifiedTaskWaitsBrieflyForTheNextBeforeServingTheLowestRank() throws Exception {
        try (ServingExecutor serving = new ServingExecutor(1, 1, new DecisionCounts(), "t-", clock::get)) {
            serving.execute(1, note("verified"));
            await("the verified task ran", () -> ran.contains("verified"));
            serving.execute(0, note("anonymous"));
            Thread.sleep(100);
            assertThat(ran).containsExactly("verified"); // the worker is free, but the verified caller may call again
            assertThat(serving.lowestRankQueueLength()).isEqualTo(1);
            serving.execute(1, note("its next call"));
            await("the next verified task ran", () -> ran.contains("its next call"));
            clock.addAndGet(ServingExecutor.ANTICIPATION_NANOS);
            serving.execute(0, note("nudge"));
            await("the anonymous tasks ran", () -> ran.contains("anonymous") && ran.contains("nudge"));
            assertThat(ran).containsExactly("verified", "its next call", "anonymous", "nudge");
        }
    }

    @Test
    void aWorkerThatServedNoVerifiedTaskDoesNotWaitForOne() throws Exception {
        try (ServingExecutor serving = new ServingExecutor(2, 1, new DecisionCounts(), "t-", clock::get)) {
            serving.execute(1, note("verified")); // one worker ends a verified task; the clock stands still
            await("the verified task ran", () -> ran.contains("verified"));
            serving.execute(0, note("anonymous")); // that worker would wait: the other one takes it at once
            await("the anonymous task ran", () -> ran.contains("anonymous"));
        }
    }

    @Test
    void withinARankASessionWithFewerCallsInFlightGoesFirst() throws Exception {
        try (ServingExecutor serving = new ServingExecutor(1, 1, new DecisionCounts(), "t-", clock::get)) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            serving.execute(0, hold(started, release));
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            serving.execute(0, 64, note("flood 1"));
            serving.execute(0, 64, note("flood 2"));
            serving.execute(0, 1, note("a first call"));
            serving.execute(0, 64, note("flood 3"));
            release.countDown();
            await("all ran", () -> ran.size() == 4);
            assertThat(ran).containsExactly("a first call", "flood 1", "flood 2", "flood 3");
        }
    }

    @Test
    void theWaitForVerifiedCallersEndsOnItsOwnWithTheRealClock() throws Exception {
        try (ServingExecutor serving = new ServingExecutor(2, 1, new DecisionCounts(), "t-", System::nanoTime)) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            serving.execute(1, note("verified"));
            serving.execute(0, hold(started, release));
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            long queued = System.nanoTime();
            serving.execute(0, note("anonymous"));
            await("the anonymous task ran", () -> ran.contains("anonymous"));
            assertThat(System.nanoTime() - queued).isGreaterThan(ServingExecutor.VERIFIED_RECENTLY_NANOS / 2);
            release.countDown();
        }
    }
}
