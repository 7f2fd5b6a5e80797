package io.gridlet.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A running {@link DosAttack}, in this JVM (its threads named {@code attack-*}) or in a JVM of its own started
 * with the benchmark's own class path; the same calls either way: its events, its CPU time so far, and its counts
 * once stopped.
 */
abstract class Attacker implements AutoCloseable {
    private final List<String> events = new CopyOnWriteArrayList<>();

    /**
     * @param nice in a JVM of its own, run it at this niceness (0: as the benchmark; 19: only on CPU the server
     *             leaves idle, as if the attackers had machines of their own)
     */
    static Attacker start(String kind, Map<String, String> args, boolean inProcess, int nice) throws Exception {
        return inProcess ? new InProcess(kind, args) : new Child(kind, args, nice);
    }

    void event(String e) {
        synchronized (events) {
            events.add(e);
            events.notifyAll();
        }
    }

    /** Every event so far. */
    List<String> events() {
        return List.copyOf(events);
    }

    /** Waits for an event named {@code name} (its first word); returns its line, or null after the timeout. */
    String await(String name, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        synchronized (events) {
            while (true) {
                for (String e : events) {
                    if (e.equals(name) || e.startsWith(name + " ")) return e;
                    if (e.startsWith("failed")) throw new IllegalStateException("the attack failed: " + e);
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) return null;
                events.wait(left);
            }
        }
    }

    /** Whether it runs in a JVM of its own (its CPU is apart from the benchmark JVM's). */
    abstract boolean separateJvm();

    /** CPU time the attacker has used so far, in nanoseconds. */
    abstract long cpuNanos();

    /** Its counts by outcome so far, the attack going on. */
    abstract Map<String, Long> countsNow() throws Exception;

    /** Stops the attack; its counts by outcome. */
    abstract Map<String, Long> stop() throws Exception;

    /** What changed between two counts: the outcomes during a measurement window. */
    static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new TreeMap<>();
        after.forEach((k, v) -> {
            long n = v - before.getOrDefault(k, 0L);
            if (n != 0) d.put(k, n);
        });
        return d;
    }

    @Override
    public abstract void close();

    /** In this JVM. */
    private static final class InProcess extends Attacker {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        private final DosAttack attack;
        private Map<String, Long> counts;

        InProcess(String kind, Map<String, String> args) throws Exception {
            attack = DosAttack.of(kind, args);
            attack.onEvent(this::event);
            attack.start();
        }

        @Override
        boolean separateJvm() {
            return false;
        }

        @Override
        long cpuNanos() {
            long sum = 0;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith("attack")) sum += Math.max(0, THREADS.getThreadCpuTime(t.getId()));
            }
            return sum;
        }

        @Override
        Map<String, Long> countsNow() {
            return attack.counts();
        }

        @Override
        Map<String, Long> stop() throws InterruptedException {
            if (counts == null) counts = attack.stop();
            return counts;
        }

        @Override
        public void close() {
            try {
                stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** In a JVM of its own, speaking {@link DosAttack#main}'s line protocol. */
    private static final class Child extends Attacker {
        private final Process process;
        private final Map<String, Long> counts = new TreeMap<>();
        private final Map<String, Long> pending = new TreeMap<>();
        private final BlockingQueue<Map<String, Long>> replies = new LinkedBlockingQueue<>();
        private final CountDownLatch done = new CountDownLatch(1);
        private boolean stopped;

        Child(String kind, Map<String, String> args, int nice) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new ArrayList<>();
            if (nice != 0) command.addAll(List.of("nice", "-n", Integer.toString(nice)));
            command.addAll(List.of(java, "-Xmx2g", "-cp",
                    System.getProperty("java.class.path"), DosAttack.class.getName(), kind));
            args.forEach((k, v) -> command.add(k + "=" + v));
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith("event ")) {
                            event(line.substring(6));
                        } else if (line.startsWith("count ")) {
                            String[] f = line.split(" ", 3);
                            pending.put(f[2], Long.parseLong(f[1]));
                        } else if (line.equals("counted")) {
                            replies.add(new TreeMap<>(pending));
                            pending.clear();
                        } else if (line.equals("done")) {
                            synchronized (counts) {
                                counts.putAll(pending);
                            }
                            pending.clear();
                            done.countDown();
                        }
                    }
                } catch (IOException e) {
                    event("failed reading the attacker: " + e);
                } finally {
                    done.countDown();
                }
                try {
                    if (process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() != 0) {
                        event("failed: the attacker JVM exited with " + process.exitValue());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "attacker-reader");
            reader.setDaemon(true);
            reader.start();
        }

        @Override
        boolean separateJvm() {
            return true;
        }

        @Override
        long cpuNanos() {
            return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
        }

        @Override
        Map<String, Long> countsNow() throws Exception {
            send("counts");
            Map<String, Long> c = replies.poll(30, TimeUnit.SECONDS);
            if (c == null) throw new IllegalStateException("the attacker did not report its counts");
            return c;
        }

        private void send(String command) throws IOException {
            OutputStream in = process.getOutputStream();
            in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        @Override
        Map<String, Long> stop() throws Exception {
            if (!stopped) {
                stopped = true;
                send("stop");
                if (!done.await(60, TimeUnit.SECONDS)) {
                    event("the attacker did not stop within 60 s");
                }
                process.waitFor(10, TimeUnit.SECONDS);
            }
            synchronized (counts) {
                return new TreeMap<>(counts);
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
