package io.gridlet.adaptlets;

import io.grpc.Metadata;

import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The server's worker threads, serving calls in order of rank when they have to queue; within a rank, calls of
 * sessions with fewer calls in flight first (a session's first call does not wait behind another session's
 * hundreds), then first come, first served. When the workers keep up, nothing queues and the order does not matter; when they are
 * saturated, a call of a session with a verified higher priority class or a solved puzzle overtakes the waiting
 * ones. The rank is given by {@link Admission}, which computes it from verified session state, and which bounds
 * the queue: a new call finding {@link AdmissionLimits#queuedCalls()} calls waiting is refused before it is queued.
 * A task of a call already admitted is always taken (refusing it would lose the call half-way); gRPC queues at
 * most one task per call at a time, so the queue stays near that capacity.
 *
 * <p>Ranking alone does not keep unverified callers from delaying verified ones: a worker that frees at a moment
 * no verified call waits (one is on its way back from its client, say) would take an unverified call and hold it
 * for that call's whole length. So while verified callers are being served (a task ranked above the lowest was
 * queued within the last second), tasks of the lowest rank hold at most {@code lowestRankWorkers} workers at once,
 * and a worker that has just ended a verified task waits a few milliseconds ({@link #ANTICIPATION_NANOS}) for the
 * next before it takes one of the lowest rank (a worker that has not waits for nothing), as an anticipatory disk scheduler waits for the next read of a
 * process that is reading in sequence. With no verified caller about, every worker serves anyone at once.
 *
 * <p>A worker survives anything a task throws, Errors included (a handler's StackOverflowError): gRPC has closed
 * the call by then, and the failure is counted as {@code gridlet.adaptlet.calls{adaptlet=serving,
 * outcome=task-error|task-exception}}. Only {@link #close()} ends the workers.
 */
public final class ServingExecutor implements Executor, AutoCloseable {
    static final String SERVING = "serving";
    /** How long after the last verified task the lowest rank stays limited. */
    static final long VERIFIED_RECENTLY_NANOS = 1_000_000_000L;
    /**
     * How long a worker that just ended a verified task waits for the next one before it takes a task of the
     * lowest rank: about the time a client takes to send its next call, on a loaded machine.
     */
    static final long ANTICIPATION_NANOS = 5_000_000L;
    private static final System.Logger LOG = System.getLogger(ServingExecutor.class.getName());

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final PriorityQueue<Task> queue = new PriorityQueue<>(); // guarded by lock
    private final int lowestRankWorkers;
    private final LongSupplier nanoClock;
    private int lowestRankRunning;                                   // guarded by lock
    private int lowestRankQueued;                                    // guarded by lock
    private long lastVerified;                                       // guarded by lock
    private boolean verifiedSeen;                                    // guarded by lock
    private long sequence;                                           // guarded by lock
    private final LongAdder failures = new LongAdder();
    private final DecisionCounts outcomes;
    private final Thread[] workers;
    private volatile boolean stopped;

    public ServingExecutor(int workers) {
        this(workers, workers, new DecisionCounts(), "gridlet-serve-", System::nanoTime);
    }

    /**
     * @param lowestRankWorkers how many workers tasks of the lowest rank may hold while verified callers are
     *                          served (1..workers)
     * @param threadPrefix      the workers' names, followed by their number
     */
    public ServingExecutor(int workers, int lowestRankWorkers, DecisionCounts outcomes, String threadPrefix,
                           LongSupplier nanoClock) {
        if (workers < 1) throw new IllegalArgumentException("at least one worker");
        if (lowestRankWorkers < 1 || lowestRankWorkers > workers) {
            throw new IllegalArgumentException("lowestRankWorkers must be 1.." + workers + ", got "
                    + lowestRankWorkers);
        }
        this.lowestRankWorkers = lowestRankWorkers;
        this.nanoClock = nanoClock;
        this.outcomes = outcomes;
        this.workers = new Thread[workers];
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(this::work, threadPrefix + i);
            t.setDaemon(true);
            this.workers[i] = t;
            t.start();
        }
    }

    /** Tasks waiting for a worker now. */
    public int queueLength() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Tasks of the lowest rank waiting for a worker now. */
    public int lowestRankQueueLength() {
        lock.lock();
        try {
            return lowestRankQueued;
        } finally {
            lock.unlock();
        }
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
        execute(rank, 0, task);
    }

    /**
     * Runs a task when a worker is free and no task of a higher rank, nor of this rank with a smaller crowd, nor an
     * earlier one of this rank and crowd waits.
     *
     * @param crowd the calls its session has in flight (0 without a session)
     */
    public void execute(int rank, int crowd, Runnable task) {
        if (stopped) throw new RejectedExecutionException("the server is stopping");
        lock.lock();
        try {
            queue.add(new Task(rank, crowd, sequence++, task));
            if (rank > 0) {
                lastVerified = nanoClock.getAsLong();
                verifiedSeen = true;
            } else {
                lowestRankQueued++;
            }
            ready.signalAll(); // a worker that waits for a verified task may not be the one free to take this
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        long verifiedEnd = Long.MIN_VALUE; // when this worker last ended a verified task
        while (!stopped) {
            Task t;
            try {
                t = next(verifiedEnd);
            } catch (InterruptedException e) {
                continue; // close() sets stopped first
            }
            try {
                t.task.run();
            } catch (Throwable e) {
                failed(e);
            } finally {
                long ended = finished(t);
                if (t.rank > 0) verifiedEnd = ended;
            }
            Thread.interrupted(); // a task may leave the flag set; only close() ends a worker
        }
    }

    /**
     * The next task this worker may run: the highest ranked, unless it is of the lowest rank and held back.
     *
     * @param verifiedEnd when this worker last ended a verified task
     */
    private Task next(long verifiedEnd) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (true) {
                Task head = queue.peek();
                long wait = Long.MAX_VALUE;
                if (head != null) {
                    if (head.rank > 0) break;
                    long now = nanoClock.getAsLong();
                    long since = now - lastVerified;
                    if (!verifiedSeen || since >= VERIFIED_RECENTLY_NANOS) break; // no verified caller about
                    if (lowestRankRunning >= lowestRankWorkers) {
                        wait = VERIFIED_RECENTLY_NANOS - since; // until verified callers count as gone
                    } else {
                        long sinceEnd = verifiedEnd == Long.MIN_VALUE ? ANTICIPATION_NANOS : now - verifiedEnd;
                        if (sinceEnd >= ANTICIPATION_NANOS) break;
                        wait = ANTICIPATION_NANOS - sinceEnd; // a verified caller's next call may be on its way
                    }
                }
                if (wait == Long.MAX_VALUE) ready.await();
                else ready.awaitNanos(wait);
            }
            Task t = queue.poll();
            if (t.rank <= 0) {
                lowestRankRunning++;
                lowestRankQueued--;
            }
            if (!queue.isEmpty()) ready.signalAll(); // another worker may take the next one
            return t;
        } finally {
            lock.unlock();
        }
    }

    /** Counts a task as ended; returns when. */
    private long finished(Task t) {
        lock.lock();
        try {
            if (t.rank <= 0) lowestRankRunning--;
            ready.signalAll();
            return nanoClock.getAsLong();
        } finally {
            lock.unlock();
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

    private record Task(int rank, int crowd, long seq, Runnable task) implements Comparable<Task> {
        @Override
        public int compareTo(Task o) {
            if (rank != o.rank) return Integer.compare(o.rank, rank);
            if (crowd != o.crowd) return Integer.compare(crowd, o.crowd);
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
