package io.gridlet.adaptlets;

import io.grpc.Metadata;

import java.util.concurrent.Executor;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's worker threads, serving calls in order of rank when they have to queue; equal ranks are served
 * first come, first served. When the workers keep up, nothing queues and the order does not matter; when they are
 * saturated, a call of a session with a verified higher priority class or a solved puzzle overtakes the waiting
 * ones. The rank is given by {@link Admission}, which computes it from verified session state, and which bounds
 * the queue: a new call finding {@link AdmissionLimits#queuedCalls()} calls waiting is refused before it is queued.
 * A task of a call already admitted is always taken (refusing it would lose the call half-way); gRPC queues at
 * most one task per call at a time, so the queue stays near that capacity.
 *
 * <p>A worker survives anything a task throws, Errors included (a handler's StackOverflowError): gRPC has closed
 * the call by then, and the failure is counted as {@code gridlet.adaptlet.calls{adaptlet=serving,
 * outcome=task-error|task-exception}}. Only {@link #close()} ends the workers.
 */
public final class ServingExecutor implements Executor, AutoCloseable {
    static final String SERVING = "serving";
    private static final System.Logger LOG = System.getLogger(ServingExecutor.class.getName());

    private final PriorityBlockingQueue<Task> queue = new PriorityBlockingQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    private final LongAdder failures = new LongAdder();
    private final DecisionCounts outcomes;
    private final Thread[] workers;
    private volatile boolean stopped;

    public ServingExecutor(int workers) {
        this(workers, new DecisionCounts());
    }

    public ServingExecutor(int workers, DecisionCounts outcomes) {
        if (workers < 1) throw new IllegalArgumentException("at least one worker");
        this.outcomes = outcomes;
        this.workers = new Thread[workers];
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(this::work, "gridlet-serve-" + i);
            t.setDaemon(true);
            this.workers[i] = t;
            t.start();
        }
    }

    /** Calls waiting for a worker now. */
    public int queueLength() {
        return queue.size();
    }

    /** Tasks that threw so far. */
    public long failures() {
        return failures.sum();
    }

    /** Runs a task at the lowest rank. */
    @Override
    public void execute(Runnable task) {
        execute(0, task);
    }

    /** Runs a task when a worker is free and no task of a higher rank (or an earlier one of this rank) waits. */
    public void execute(int rank, Runnable task) {
        if (stopped) throw new RejectedExecutionException("the server is stopping");
        queue.add(new Task(rank, sequence.getAndIncrement(), task));
    }

    private void work() {
        while (!stopped) {
            Task t;
            try {
                t = queue.take();
            } catch (InterruptedException e) {
                continue; // close() sets stopped first
            }
            try {
                t.task.run();
            } catch (Throwable e) {
                failed(e);
            }
            Thread.interrupted(); // a task may leave the flag set; only close() ends a worker
        }
    }

    private void failed(Throwable e) {
        failures.increment();
        try {
            outcomes.count(SERVING, e instanceof Error ? "task-error" : "task-exception");
            LOG.log(System.Logger.Level.WARNING, "a call's task failed; the worker goes on", e);
        } catch (Throwable ignored) {
            // counting or logging failed too (out of memory): the worker still goes on
        }
    }

    @Override
    public void close() {
        stopped = true;
        for (Thread t : workers) t.interrupt();
    }

    private record Task(int rank, long seq, Runnable task) implements Comparable<Task> {
        @Override
        public int compareTo(Task o) {
            if (rank != o.rank) return Integer.compare(o.rank, rank);
            return Long.compare(seq, o.seq);
        }
    }

    /** An adaptlet that ranks its calls in the serving order, from the session's verified state. */
    public interface ServingRank {
        /**
         * A rank for a call of this session (0 when the session's state shows nothing verified): it is computed
         * when the call arrives, before any advice ran, so it must rest on what earlier, checked calls established
         * (or on what cannot be forged, such as the work a puzzle solution shows), never on a claim in the headers
         * alone. Calls without a session are not asked: they get the lowest rank.
         */
        int rank(ServerSessions.Session session, Metadata headers);
    }
}
