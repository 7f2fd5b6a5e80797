package io.gridlet.flink.sink;

import io.gridlet.flink.operators.ResultRecord;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Results handed to listeners in this process as the job produces them (the live service's subscribers), through
 * {@link #sink}. Each result is handed on once: after the job restarts from a checkpoint it produces again the
 * results since that checkpoint, and the hub drops those it has handed on already. It can tell them by their
 * place: every output line is one (file, house, household, plug) at one boundary or timestamp ({@code order}),
 * and each of them is produced in increasing order (see {@link ResultRecord}).
 *
 * <p>In-process: the job's sink tasks and the listeners share the hub by name, which holds on the embedded
 * MiniCluster. A job on a Flink cluster produces its results to a Kafka topic instead, which the service follows
 * into its hub ({@link ResultTopic}).
 */
public final class ResultHub {
    private static final Map<String, ResultHub> HUBS = new ConcurrentHashMap<>();

    /** Called from the job's sink tasks, concurrently; must not block for long. */
    public interface Listener {
        void onResult(ResultRecord result);
    }

    private record Place(String file, long house, long household, long plug) {
    }

    private final Map<Place, Long> handedOn = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong published = new AtomicLong(), repeated = new AtomicLong();

    private ResultHub() {
    }

    /** The hub of this name in this process, made on first use. */
    public static ResultHub named(String name) {
        return HUBS.computeIfAbsent(name, n -> new ResultHub());
    }

    public static void remove(String name) {
        HUBS.remove(name);
    }

    /** A sink (for one query's results) into the hub of this name. */
    public static Sink<ResultRecord> sink(String name) {
        return new HubSink(name);
    }

    /** A listener's registration; closing it removes the listener. */
    public interface Listening extends AutoCloseable {
        @Override
        void close();
    }

    /** Adds a listener; closing the handle removes it. */
    public Listening listen(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Results handed on, and results dropped as produced again after a restart. */
    public long published() {
        return published.get();
    }

    public long repeated() {
        return repeated.get();
    }

    void publish(ResultRecord r) {
        Place place = new Place(r.file(), r.house(), r.household(), r.plug());
        boolean[] fresh = {false};
        handedOn.compute(place, (p, last) -> {
            if (last != null && last >= r.order()) return last;
            fresh[0] = true;
            return r.order();
        });
        if (!fresh[0]) {
            repeated.incrementAndGet();
            return;
        }
        published.incrementAndGet();
        for (Listener l : listeners) l.onResult(r);
    }

    private static final class HubSink implements Sink<ResultRecord> {
        private static final long serialVersionUID = 1L;
        private final String name;

        HubSink(String name) {
            this.name = name;
        }

        @Override
        @SuppressWarnings("deprecation")
        public SinkWriter<ResultRecord> createWriter(InitContext context) {
            ResultHub hub = named(name);
            return new SinkWriter<>() {
                @Override
                public void write(ResultRecord element, Context ctx) {
                    hub.publish(element);
                }

                @Override
                public void flush(boolean endOfInput) {
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
