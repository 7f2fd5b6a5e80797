package io.gridlet.bench;

import io.gridlet.core.model.HouseSet;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.enclave.keys.ReadingKeys;
import io.gridlet.enclave.sealing.MeterIdentity;
import io.gridlet.enclave.sealing.MeterSealer;
import io.gridlet.enclave.sealing.ReadingOpener;
import io.gridlet.enclave.sealing.ReadingSuite;
import io.gridlet.enclave.sealing.SealedBlock;
import io.gridlet.enclave.sealing.SealedReadingFile;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A meter's seal and the boundary's open of sealed readings (HPKE-derived epoch key, AES-256-GCM with a counter
 * nonce), per reading: one reading per block (as the live service takes them) and {@link SealedReadingFile#BLOCK}
 * per block (as files hold them); the epoch's key agreement excluded (once per meter run).
 * Run: {@code ./bench jmh SealingBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@org.openjdk.jmh.annotations.Measurement(iterations = 5, time = 2) // (the reading is core's Measurement)
public class SealingBenchmark {
    private MeterSealer sealer;
    private ReadingOpener opener;
    private SealedBlock[] sealed;
    private SealedBlock[] blocks;
    private List<Measurement> block;
    private int next;
    private long id;

    @Setup
    public void setUp() {
        ReadingKeys owner = ReadingKeys.generate();
        MeterIdentity meter = new MeterIdentity("meter-1", HouseSet.ALL);
        sealer = new MeterSealer(meter, owner.meters().keyPair(meter), ReadingSuite.publicKey(owner.ingestPublic()),
                1);
        opener = owner.opener();
        sealed = new SealedBlock[1 << 16];
        for (int i = 0; i < sealed.length; i++) sealed[i] = sealer.seal(reading(i));
        blocks = new SealedBlock[64];
        block = new ArrayList<>();
        for (int i = 0; i < SealedReadingFile.BLOCK; i++) block.add(reading(i));
        for (int i = 0; i < blocks.length; i++) blocks[i] = sealer.seal(block);
    }

    private static Measurement reading(long i) {
        return new Measurement(i, 1_377_986_401L + i / 400, 12_345, Property.LOAD, i % 10, (i / 10) % 4, i % 40);
    }

    @Benchmark
    public SealedBlock seal() {
        return sealer.seal(reading(id++));
    }

    @Benchmark
    public ReadingOpener.Opened open() {
        // the same readings again and again: the opener has no replay check of its own (the gate's guard has)
        List<ReadingOpener.Opened> o = opener.open(sealed[next]);
        next = (next + 1) & (sealed.length - 1);
        return o.get(0);
    }

    @Benchmark
    @OperationsPerInvocation(SealedReadingFile.BLOCK)
    public SealedBlock sealBlock() {
        return sealer.seal(block);
    }

    @Benchmark
    @OperationsPerInvocation(SealedReadingFile.BLOCK)
    public List<ReadingOpener.Opened> openBlock() {
        List<ReadingOpener.Opened> o = opener.open(blocks[next & (blocks.length - 1)]);
        next++;
        return o;
    }
}
