package io.gridlet.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmarks' CPU accounting tells the JVM's JIT and GC threads from the rest of the VM's share. */
class CpuWindowTest {
    @Test
    void groupsHotSpotsThreadsByTheirKernelNames() {
        assertThat(CpuWindow.vmGroup("C2 CompilerThre")).isEqualTo("JIT");
        assertThat(CpuWindow.vmGroup("C1 CompilerThre")).isEqualTo("JIT");
        assertThat(CpuWindow.vmGroup("GC Thread#0")).isEqualTo("GC");
        assertThat(CpuWindow.vmGroup("G1 Conc#0")).isEqualTo("GC");
        assertThat(CpuWindow.vmGroup("G1 Refine#0")).isEqualTo("GC");
        assertThat(CpuWindow.vmGroup("VM Thread")).isEmpty();
        assertThat(CpuWindow.vmGroup("gridlet-serve-1")).isEmpty();
        assertThat(CpuWindow.vmGroup("")).isEmpty();
    }

    /** HotSpot always runs compiler threads: on Linux the window finds them and names the VM's share alone. */
    @Test
    @EnabledOnOs(OS.LINUX)
    void readsTheJitsThreadsFromProc() throws Exception {
        CpuWindow window = new CpuWindow(null, false);
        long sum = 0;
        long until = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < until) sum += Long.toString(sum).hashCode(); // something to run and compile
        window.end();
        String line = window.describe().get(0);
        assertThat(line).as("sum %d", sum).contains(", VM ").doesNotContain("GC/JIT/VM");
        assertThat(window.processSeconds()).isGreaterThan(0.1);
    }

    /**
     * The compiler threads' CPU as /proc states it: by the time a test runs the JIT has compiled (JUnit's code, this
     * class's), and HotSpot keeps its first compiler thread of each kind; a wrong field of the stat line would read
     * a start time or a state, not a plausible CPU time.
     */
    @Test
    @EnabledOnOs(OS.LINUX)
    void theJitsCpuIsPositiveAndBelowTheProcesss() {
        Map<Long, Long> cpu = new HashMap<>();
        CpuWindow.readVmThreads(cpu);
        long jit = cpu.entrySet().stream().filter(e -> "JIT".equals(CpuWindow.vmGroupOf(e.getKey())))
                .mapToLong(Map.Entry::getValue).sum();
        long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        assertThat(jit).isPositive().isLessThanOrEqualTo(process + 20_000_000L); // (ticks of 10 ms)
    }
}
