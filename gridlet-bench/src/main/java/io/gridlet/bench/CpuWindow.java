package io.gridlet.bench;

import com.sun.management.OperatingSystemMXBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Where the CPU went during a measurement, in cores (CPU seconds per second): the machine as a whole (from
 * {@code /proc/stat}), this JVM by thread group (the server's workers, Netty's event loops, the legitimate
 * clients, ...; a thread that ended in the window counts with its CPU as last seen, every 100 ms; the JIT compiler's and
 * the garbage collector's threads from {@code /proc/self/task} where there is one; what no thread accounts for is the
 * VM's), the attackers' JVM, and the rest of the
 * machine (anything else running: on a shared machine, someone else's work). With {@code profile}, also a sample
 * every 5 ms of what this JVM's busy server threads are running (a profile-lite: the top frame, and the first
 * frame of Gridlet's own code under it).
 */
final class CpuWindow {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    /** A Flink task thread's name: "task name (subtask/parallelism)#attempt". */
    private static final Pattern FLINK_TASK = Pattern.compile(".* \\(\\d+/\\d+\\)#\\d+");
    /** A clock tick of {@code /proc}'s CPU times (USER_HZ, 100 on Linux). */
    private static final long TICK_NANOS = 10_000_000L;
    private static final Path TASKS = Path.of("/proc/self/task");
    /**
     * The JVM's own threads' group ("JIT" or "GC", "" for any other), by task id: a task's name is read once, and
     * forgotten when the task is gone (the kernel gives ids again; one ended and reused within 100 ms is missed).
     */
    private static final Map<Long, String> VM_GROUPS = new ConcurrentHashMap<>();

    private final Attacker attacker;
    private final Snapshot start;
    private Snapshot end;
    private final Thread sampler;
    private final Map<String, Integer> samples = new HashMap<>();
    private int sampled;
    private int ticks;
    private double rest = -1;
    private volatile boolean sampling = true;
    /** Each thread's CPU and name when last seen (every 100 ms): a thread that ends in the window still counts. */
    private final Map<Long, Long> lastCpu = new ConcurrentHashMap<>();
    private final Map<Long, String> lastName = new ConcurrentHashMap<>();
    private final Map<Long, Long> lastVmCpu = new ConcurrentHashMap<>(); // the same for JIT and GC threads
    private final Thread tracker;

    private record Snapshot(long wall, long process, Map<Long, Long> threads, Map<Long, String> names,
                            Map<Long, Long> vmThreads, long attacker, long[] machine) {
    }

    CpuWindow(Attacker attacker, boolean profile) {
        this.attacker = attacker;
        this.start = take();
        tracker = new Thread(this::track, "cpu-tracker");
        tracker.setDaemon(true);
        tracker.start();
        if (profile) {
            sampler = new Thread(this::sample, "cpu-sampler");
            sampler.setDaemon(true);
            sampler.start();
        } else {
            sampler = null;
        }
    }

    void end() throws InterruptedException {
        sampling = false;
        tracker.join();
        end = take();
        // a thread that ended in the window: its CPU as last seen (at most 100 ms of it missed)
        lastCpu.forEach((id, c) -> {
            if (!end.threads().containsKey(id)) {
                end.threads().put(id, c);
                end.names().put(id, lastName.get(id));
            }
        });
        lastVmCpu.forEach(end.vmThreads()::putIfAbsent); // (the JIT's compiler threads come and go with its work)
        if (sampler != null) sampler.join();
    }

    private void track() {
        while (sampling) {
            readThreads(lastCpu, lastName);
            readVmThreads(lastVmCpu);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Every live thread's CPU time and name, into {@code cpu} and {@code names} (by thread id). */
    private static void readThreads(Map<Long, Long> cpu, Map<Long, String> names) {
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds(), 0)) {
            if (t == null) continue; // ended meanwhile
            long c = THREADS.getThreadCpuTime(t.getThreadId());
            if (c < 0) continue;
            cpu.put(t.getThreadId(), c);
            names.put(t.getThreadId(), t.getThreadName());
        }
    }

    /**
     * The CPU time of this JVM's JIT compiler and GC threads (native threads, which no Java thread id names), into
     * {@code cpu} by task id, from {@code /proc/self/task}; nothing where there is none (their CPU then stays in
     * the VM's share).
     */
    static void readVmThreads(Map<Long, Long> cpu) {
        Set<Long> present = new HashSet<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                long id = Long.parseLong(task.getFileName().toString());
                present.add(id);
                String group = VM_GROUPS.computeIfAbsent(id, t -> vmGroup(read(task.resolve("comm")).strip()));
                if (group.isEmpty()) continue;
                String stat = read(task.resolve("stat"));
                int close = stat.lastIndexOf(')'); // the name, in parentheses, may hold spaces
                if (close < 0) continue; // ended meanwhile
                String[] f = stat.substring(close + 2).split(" ");
                cpu.put(id, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS); // utime + stime
            }
        } catch (IOException | RuntimeException e) {
            return; // no /proc (not Linux): GC and JIT stay in the VM's share
        }
        VM_GROUPS.keySet().retainAll(present);
    }

    /** A task's group as {@link #readVmThreads} last classified it (null if it was never read or is gone). */
    static String vmGroupOf(long task) {
        return VM_GROUPS.get(task);
    }

    /** A HotSpot thread's group by its (kernel-truncated) name: "JIT", "GC", or "" for any other thread. */
    static String vmGroup(String name) {
        if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) return "JIT";
        if (name.startsWith("GC Thread#") || name.startsWith("G1 ")) return "GC";
        return "";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return ""; // the task ended meanwhile
        }
    }

    private Snapshot take() {
        Map<Long, Long> cpu = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        readThreads(cpu, names);
        Map<Long, Long> vm = new HashMap<>();
        readVmThreads(vm);
        return new Snapshot(System.nanoTime(), OS.getProcessCpuTime(), cpu, names, vm,
                attacker == null ? 0 : attacker.cpuNanos(), machine());
    }

    /**
     * Waits until the rest of the machine (what this JVM does not account for) has used less than {@code cores}
     * for 3 s in a row, for at most {@code maxWaitMs}; says what it waited for. On a machine shared with other
     * work (someone's test suite), a phase measured meanwhile measures the sharing.
     */
    static String awaitQuiet(double cores, long maxWaitMs) throws InterruptedException {
        long start = System.currentTimeMillis();
        boolean told = false;
        while (true) {
            long[] m0 = machine();
            long p0 = OS.getProcessCpuTime();
            long w0 = System.nanoTime();
            Thread.sleep(3000);
            long[] m1 = machine();
            if (m0 == null || m1 == null) return "";
            double busy = (double) (m1[0] - m0[0]) / (m1[1] - m0[1]) * CORES;
            double own = (OS.getProcessCpuTime() - p0) / (double) (System.nanoTime() - w0);
            double other = busy - own;
            long waited = System.currentTimeMillis() - start;
            if (other < cores) {
                return waited < 4000 ? "" : String.format(Locale.ROOT, "waited %.0f s for other work on the "
                        + "machine to end", waited / 1000.0);
            }
            if (waited > maxWaitMs) {
                return String.format(Locale.ROOT, "other work used %.2f cores when the phase started (waited %.0f s)",
                        other, waited / 1000.0);
            }
            if (!told) {
                System.out.printf(Locale.ROOT, "(waiting: other work uses %.2f cores) ", other);
                System.out.flush();
                told = true;
            }
            Thread.sleep(5000);
        }
    }

    /** Busy, total, interrupt and stolen jiffies of the whole machine, or null where there is no /proc/stat. */
    private static long[] machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) total += Long.parseLong(f[i]);
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            long irq = f.length > 7 ? Long.parseLong(f[6]) + Long.parseLong(f[7]) : 0;
            long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
            return new long[] {total - idle, total, irq, steal};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The thread group a thread's CPU is counted in. */
    static String group(String thread) {
        if (thread.startsWith("gridlet-serve-")) return "workers";
        if (thread.startsWith("grpc-default-worker") || thread.startsWith("grpc-nio-worker")
                || thread.startsWith("grpc-default-boss") || thread.startsWith("grpc-epoll")) return "netty";
        if (thread.startsWith("legit")) return "legit clients";
        if (thread.startsWith("meter-")) return "meters";
        if (thread.startsWith("ingest-log")) return "log";
        if (thread.startsWith("attack")) return "attackers";
        if (thread.startsWith("grpc-default-executor")) return "grpc executor";
        if (FLINK_TASK.matcher(thread).matches() || thread.startsWith("Source Data Fetcher")) return "job tasks";
        return "other threads";
    }

    /** The CPU seconds this JVM used in the window, all its threads and the VM's. */
    double processSeconds() {
        if (end == null) throw new IllegalStateException("the window has not ended");
        return (end.process() - start.process()) / 1e9;
    }

    /**
     * The cores the rest of the machine used (-1 if unknown): on an otherwise idle machine a few hundredths (the
     * kernel's share of the benchmark's own work); more means someone else's work shared the machine.
     */
    double rest() {
        if (rest < 0) describe();
        return rest;
    }

    List<String> describe() {
        double wall = (end.wall() - start.wall()) / 1e9;
        if (wall < 0.1) {
            rest = 0;
            return List.of("cpu: the measurement was too short to tell");
        }
        Map<String, Long> byGroup = new LinkedHashMap<>();
        for (String g : List.of("workers", "netty", "log", "grpc executor", "legit clients", "meters", "attackers",
                "job tasks", "other threads")) {
            byGroup.put(g, 0L);
        }
        long threads = 0;
        for (Map.Entry<Long, Long> e : end.threads().entrySet()) {
            long d = e.getValue() - start.threads().getOrDefault(e.getKey(), 0L);
            threads += d;
            byGroup.merge(group(end.names().get(e.getKey())), d, Long::sum);
        }
        long vm = 0;
        boolean vmSeen = !end.vmThreads().isEmpty();
        if (vmSeen) {
            byGroup.put("JIT", 0L);
            byGroup.put("GC", 0L);
        }
        for (Map.Entry<Long, Long> e : end.vmThreads().entrySet()) {
            long d = e.getValue() - start.vmThreads().getOrDefault(e.getKey(), 0L);
            if (d < 0) d = e.getValue(); // a task id the kernel gave again, to a newer thread
            vm += d;
            String group = VM_GROUPS.get(e.getKey());
            byGroup.merge(group == null ? "JIT" : group, d, Long::sum); // (gone: a compiler thread, they come and go)
        }
        long process = end.process() - start.process();
        StringBuilder jvm = new StringBuilder();
        byGroup.forEach((g, n) -> {
            if (n > wall * 0.005e9) jvm.append(String.format(Locale.ROOT, "%s %.2f, ", g, n / 1e9 / wall));
        });
        // the process's CPU that no thread above accounts for: the VM's own threads (and GC and JIT where /proc
        // does not say; and the last 100 ms of a thread that ended in the window)
        jvm.append(String.format(Locale.ROOT, vmSeen ? "VM %.2f" : "GC/JIT/VM %.2f",
                Math.max(0, process - threads - vm) / 1e9 / wall));
        double attack = (end.attacker() - start.attacker()) / 1e9 / wall;
        double proc = process / 1e9 / wall;
        String machine = "";
        if (start.machine() != null && end.machine() != null) {
            double busy = (double) (end.machine()[0] - start.machine()[0]) / (end.machine()[1] - start.machine()[1])
                    * CORES;
            machine = String.format(Locale.ROOT, "machine %.2f of %d = ", busy, CORES);
            boolean apart = attacker != null && attacker.separateJvm();
            rest = Math.max(0, busy - proc - (apart ? attack : 0));
            machine += String.format(Locale.ROOT, "benchmark JVM %.2f [%s]", proc, jvm);
            if (apart) machine += String.format(Locale.ROOT, " + attackers' JVM %.2f", attack);
            long ticks = end.machine()[1] - start.machine()[1];
            machine += String.format(Locale.ROOT, " + rest of the machine %.2f (of which interrupts %.2f, "
                            + "stolen by the hypervisor %.2f; the rest other processes and kernel threads)",
                    rest, (double) (end.machine()[2] - start.machine()[2]) / ticks * CORES,
                    (double) (end.machine()[3] - start.machine()[3]) / ticks * CORES);
        } else {
            machine = String.format(Locale.ROOT, "benchmark JVM %.2f [%s], attackers %.2f", proc, jvm, attack);
        }
        List<String> out = new ArrayList<>();
        out.add("cpu (cores): " + machine);
        if (sampler != null && sampled > 0) {
            List<Map.Entry<String, Integer>> top = new ArrayList<>(samples.entrySet());
            top.sort((x, y) -> Integer.compare(y.getValue(), x.getValue()));
            out.add(String.format(Locale.ROOT, "profile: %d samples of busy server threads (every 5 ms; %.2f busy "
                    + "threads on average)", sampled, (double) top.stream().mapToInt(Map.Entry::getValue).sum()
                    / Math.max(1, ticks)));
            for (int i = 0; i < Math.min(12, top.size()); i++) {
                out.add(String.format(Locale.ROOT, "  %5.1f %%  %s", 100.0 * top.get(i).getValue() / sampled,
                        top.get(i).getKey()));
            }
        }
        return out;
    }

    private void sample() {
        while (sampling) {
            ticks++;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                String g = group(t.getName());
                if (!g.equals("workers") && !g.equals("netty") && !g.equals("log") && !g.equals("grpc executor")) {
                    continue;
                }
                ThreadInfo info = THREADS.getThreadInfo(t.getId(), 40);
                if (info == null || info.getThreadState() != Thread.State.RUNNABLE) continue;
                StackTraceElement[] stack = info.getStackTrace();
                if (stack.length == 0 || idle(stack[0])) continue;
                String key = g + ": " + frame(stack[0]);
                for (StackTraceElement e : stack) {
                    if (e.getClassName().startsWith("io.gridlet")) {
                        if (e != stack[0]) key += " <- " + frame(e);
                        break;
                    }
                }
                samples.merge(key, 1, Integer::sum);
                sampled++;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static boolean idle(StackTraceElement top) {
        String m = top.getMethodName();
        return m.contains("epollWait") || m.equals("wait") || m.equals("wait0") || m.equals("park")
                || m.equals("sleep") || m.contains("select") || m.equals("poll") || m.equals("poll0")
                || m.equals("accept") || m.equals("accept0");
    }

    private static String frame(StackTraceElement e) {
        String c = e.getClassName();
        return c.substring(c.lastIndexOf('.') + 1) + "." + e.getMethodName();
    }
}
