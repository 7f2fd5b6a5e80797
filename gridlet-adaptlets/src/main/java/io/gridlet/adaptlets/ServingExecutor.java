package io.gridlet.adaptlets;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToIntFunction;

/**
 * The server's worker threads, serving calls in order of rank when they have to queue. A call's rank comes from
 * its headers before any advice ran (the sum of the {@link ServingRank}s of the woven adaptlets: the priority
 * class, the work a puzzle solution shows); equal ranks are served first come, first served. When the workers keep
 * up, nothing queues and the order does not matter; when they are saturated, a call with a solved puzzle or a higher
 * class overtakes the waiting ones. A rank read from headers is a claim: the advice checks it when the call runs
 * (a forged solution shows no work, a class above the session's is refused), so a forged claim buys at most an
 * early refusal.
 */
public final class ServingExecutor implements ServerCallExecutorSupplier, Executor, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServingExecutor.class.getName());

    private final PriorityBlockingQueue<Task> queue = new PriorityBlockingQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    private final LongAdder arrivals = new LongAdder();
    private final ToIntFunction<Metadata> rank;
    private final Thread[] workers;
    private volatile boolean stopped;

    public ServingExecutor(int workers, List<? extends ServingRank> ranks) {
        if (workers < 1) throw new IllegalArgumentException("at least one worker");
        List<ServingRank> all = List.copyOf(ranks);
        this.rank = all.isEmpty() ? headers -> 0 : headers -> {
            int r = 0;
            String session = headers.get(Headers.SESSION);
            for (ServingRank s : all) r += s.rank(session, headers);
            return r;
        };
        this.workers = new Thread[workers];
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(this::work, "gridlet-serve-" + i);
            t.setDaemon(true);
            this.workers[i] = t;
            t.start();
        }
    }

    /** Calls that arrived so far (each asks for its executor once). */
    public long arrivals() {
        return arrivals.sum();
    }

    /** Calls waiting for a worker now. */
    public int queueLength() {
        return queue.size();
    }

    @Override
    public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata metadata) {
        arrivals.increment();
        int r = rank.applyAsInt(metadata);
        return task -> submit(r, task);
    }

    @Override
    public void execute(Runnable task) {
        submit(0, task);
    }

    private void submit(int rank, Runnable task) {
        if (stopped) throw new RejectedExecutionException("the server is stopping");
        queue.add(new Task(rank, sequence.getAndIncrement(), task));
    }

    private void work() {
        while (!stopped) {
            Task t;
            try {
                t = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                t.task.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a call's task failed", e);
            }
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

    /** An adaptlet whose headers say how urgently its calls should be served. */
    public interface ServingRank {
        /** A rank from the request headers (and the session id they name, or null); 0 when absent or invalid. */
        int rank(String sessionId, Metadata headers);
    }
}
