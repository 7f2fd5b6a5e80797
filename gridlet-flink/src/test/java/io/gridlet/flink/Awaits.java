package io.gridlet.flink;

import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Waiting, in a test, for a moment of a run that goes on in the background. */
public final class Awaits {
    private Awaits() {
    }

    /**
     * Waits up to 60 s until {@code condition} holds while {@code run} goes on; a run that failed meanwhile throws
     * its cause, one that ended fails the wait.
     */
    public static void until(Future<?> run, String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (run.isDone()) {
                run.get(); // a failed run throws its cause here
                throw new AssertionError("the run ended before " + what);
            }
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
