package io.gridlet.server.live;

import io.gridlet.client.LiveProtocol;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.operators.ResultRecord;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.flink.sink.ResultParts;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code gridlet.results.v1.Results/Subscribe}: the job's result lines, from the moment of subscribing, filtered by query
 * and house, at the pace the subscriber reads (gRPC flow control). A subscriber that falls more than
 * {@value #MAX_BEHIND} results behind is cut off with RESOURCE_EXHAUSTED rather than holding the server's memory;
 * the complete results are in the run's files.
 */
final class ResultsService implements ResultHub.Listener, AutoCloseable {
    static final int MAX_BEHIND = 200_000;
    private final Boundary boundary;
    private final CopyOnWriteArrayList<Subscriber> subscribers =
            new CopyOnWriteArrayList<>();
    private final ResultHub.Listening listening;

    /**
     * Listens to {@code hub} until closed. With a sealed {@code boundary}, each line goes out sealed for the data
     * owner (see ResultParts.opener).
     */
    ResultsService(ResultHub hub, Boundary boundary) {
        this.boundary = boundary;
        this.listening = hub.listen(this);
    }

    /** One result to every subscriber that wants it, encoded (and sealed) once for all of them. */
    @Override
    public void onResult(ResultRecord r) {
        byte[] encoded = null;
        for (Subscriber s : subscribers) {
            if (!s.filter.wants(r.file(), r.house())) continue;
            if (encoded == null) encoded = encode(r);
            s.offer(encoded);
        }
    }

    private byte[] encode(ResultRecord r) {
        String line = boundary.isSealed() ? Base64.getEncoder().encodeToString(boundary.sealLiveResult(
                ResultParts.keyed(r).getBytes(StandardCharsets.US_ASCII),
                r.file(), r.house())) : r.line();
        return new LiveProtocol.Result(r.file(), line).encode();
    }

    /** Stops listening to the hub (the gateway closes); subscribers' calls end with the server. */
    @Override
    public void close() {
        listening.close();
    }

    ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(LiveProtocol.RESULTS)
                .addMethod(LiveProtocol.SUBSCRIBE, ServerCalls.asyncServerStreamingCall(this::subscribe))
                .build();
    }

    private void subscribe(byte[] request, StreamObserver<byte[]> out) {
        LiveProtocol.Subscription filter;
        try {
            filter = LiveProtocol.Subscription.decode(request);
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        new Subscriber(filter, (ServerCallStreamObserver<byte[]>) out).start();
    }

    private final class Subscriber {
        private final LiveProtocol.Subscription filter;
        private final ServerCallStreamObserver<byte[]> out;
        private final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger queued = new AtomicInteger();
        private final AtomicBoolean draining = new AtomicBoolean();
        private volatile boolean over;

        Subscriber(LiveProtocol.Subscription filter, ServerCallStreamObserver<byte[]> out) {
            this.filter = filter;
            this.out = out;
        }

        void start() {
            out.setOnCancelHandler(this::stop);
            out.setOnReadyHandler(this::drain);
            subscribers.add(this);
        }

        private void stop() {
            over = true;
            subscribers.remove(this);
        }

        void offer(byte[] result) {
            if (over) return;
            if (queued.incrementAndGet() > MAX_BEHIND) {
                stop();
                synchronized (this) {
                    out.onError(Status.RESOURCE_EXHAUSTED.withDescription("subscriber more than " + MAX_BEHIND
                            + " results behind; cut off (the complete results are in the run's files)")
                            .asRuntimeException());
                }
                return;
            }
            queue.add(result);
            drain();
        }

        /** Sends what is queued while the transport takes it; one thread at a time. */
        private void drain() {
            while (!over && draining.compareAndSet(false, true)) {
                try {
                    synchronized (this) {
                        while (!over && out.isReady()) {
                            byte[] next = queue.poll();
                            if (next == null) break;
                            queued.decrementAndGet();
                            out.onNext(next);
                        }
                    }
                } finally {
                    draining.set(false);
                }
                if (queue.isEmpty() || !out.isReady()) return;
            }
        }
    }
}
