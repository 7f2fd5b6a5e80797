package io.gridlet.server.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Prints a status line to stderr while long work runs: rewritten in place on a terminal, a line every few
 * seconds otherwise (logs, CI). Silent for the first second, so short runs print nothing.
 */
final class ProgressDisplay implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private final PrintStream err;
    private final boolean terminal;
    private boolean printed;

    ProgressDisplay(PrintStream err, boolean enabled, Supplier<String> status) {
        this.err = err;
        this.terminal = System.console() != null;
        if (!enabled) {
            timer = null;
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gridlet-progress");
            t.setDaemon(true);
            return t;
        });
        long period = terminal ? 500 : 5000;
        timer.scheduleAtFixedRate(() -> show(status.get()), 1000, period, TimeUnit.MILLISECONDS);
    }

    private synchronized void show(String line) {
        if (terminal) err.print("\r\033[K" + line);
        else err.println(line);
        err.flush();
        printed = true;
    }

    /** Prints a line that stays (an event) to {@code to}, clearing the status line first on a terminal. */
    synchronized void event(String line, PrintWriter to) {
        if (terminal && printed) {
            err.print("\r\033[K");
            err.flush();
        }
        to.println(line);
        to.flush();
    }

    @Override
    public synchronized void close() {
        if (timer == null || timer.isShutdown()) return;
        timer.shutdownNow();
        if (printed && terminal) err.println();
    }
}
