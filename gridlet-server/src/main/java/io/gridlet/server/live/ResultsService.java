package io.gridlet.server.live;

import io.gridlet.flink.operators.ResultRecord;
import io.gridlet.flink.sink.ResultHub;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code gridlet.Results/Subscribe}: the job's result lines, from the moment of subscribing, filtered by query
 * and house, at the pace the subscriber reads (gRPC flow control). A subscriber that falls more than
 * {@value #MAX_BEHIND} results behind is cut off with RESOURCE_EXHAUSTED rather than holding the server's memory;
 * the complete results are in the run's files.
 */
final class ResultsService {
    static final int MAX_BEHIND = 200_000;
    private final ResultHub hub;
    private final io.gridlet.flink.operators.Boundary boundary;

    /** With a sealed {@code boundary}, each line goes out sealed for the data owner (see ResultParts.opener). */
    ResultsService(ResultHub hub, io.gridlet.flink.operators.Boundary boundary) {
        this.hub = hub;
        this.boundary = boundary;
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

    private final class Subscriber implements ResultHub.Listener {
        private final LiveProtocol.Subscription filter;
        private final ServerCallStreamObserver<byte[]> out;
        private final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger queued = new AtomicInteger();
        private final AtomicBoolean draining = new AtomicBoolean();
        private volatile boolean over;
        private AutoCloseable listening;

        Subscriber(LiveProtocol.Subscription filter, ServerCallStreamObserver<byte[]> out) {
            this.filter = filter;
            this.out = out;
        }

        void start() {
            out.setOnCancelHandler(this::stop);
            out.setOnReadyHandler(this::drain);
            listening = hub.listen(this);
        }

        private void stop() {
            over = true;
            try {
                if (listening != null) listening.close();
            } catch (Exception ignored) {
                // removing a listener does not fail
            }
        }

        @Override
        public void onResult(ResultRecord r) {
            if (over || !filter.wants(r.file(), r.house())) return;
            if (queued.incrementAndGet() > MAX_BEHIND) {
                stop();
                synchronized (this) {
                    out.onError(Status.RESOURCE_EXHAUSTED.withDescription("subscriber more than " + MAX_BEHIND
                            + " results behind; cut off (the complete results are in the run's files)")
                            .asRuntimeException());
                }
                return;
            }
            String line = boundary.isSealed() ? java.util.Base64.getEncoder().encodeToString(boundary.sealResult(
                    io.gridlet.flink.sink.ResultParts.keyed(r).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    r.file())) : r.line();
            queue.add(new LiveProtocol.Result(r.file(), line).encode());
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
