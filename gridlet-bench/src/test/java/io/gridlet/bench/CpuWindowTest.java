package io.gridlet.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

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
        assertThat(line).as("sum %d", sum).contains("VM ").doesNotContain("GC/JIT/VM");
        assertThat(window.processSeconds()).isGreaterThan(0.1);
    }
}
