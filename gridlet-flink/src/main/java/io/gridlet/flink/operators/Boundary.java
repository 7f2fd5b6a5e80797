package io.gridlet.flink.operators;

import io.gridlet.core.q2.ReadingLog;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.ResultMaster;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.enclave.sealing.ReadingOpener;
import io.gridlet.enclave.sealing.SealException;
import io.gridlet.enclave.sealing.SealedBlock;
import io.gridlet.enclave.sealing.StateCipher;
import io.gridlet.enclave.spill.EncryptedSpillStore;
import io.gridlet.flink.types.SealedTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Where the job's trusted boundary is drawn: {@link #PLAIN} (none), or sealed: every state part and operator state
 * in checkpoints and savepoints is ciphertext, readings are routed by keyed pseudonyms of their houses and
 * households instead of the ids, and records between tasks are either left to the transport's encryption or
 * sealed one by one ({@link #sealingRecords()}). The boundary names the key ring and the routing key; the keys themselves are
 * looked up in the process ({@link TrustedKeys}), where the trusted runtime registered what the key broker
 * released to it, so no key is ever part of the job graph or a checkpoint.
 */
public final class Boundary implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final Boundary PLAIN = new Boundary(null, null, false, 0, null, "");

    private final String ring;
    private final String routing;
    private final boolean records;
    private final long memoryBudget; // bytes of Q2 window log per instance in memory; 0: no budget
    private final String spillRoot;
    private final String run; // the run the state belongs to ("" before FlinkRun names it)
    private transient StateCipher cipher;
    private transient Pseudonyms pseudonyms;
    private transient ReadingOpener opener;
    private transient ResultMaster results;

    private Boundary(String ring, String routing, boolean records, long memoryBudget, String spillRoot, String run) {
        this.run = run;
        this.ring = ring;
        this.routing = routing;
        this.records = records;
        this.memoryBudget = memoryBudget;
        this.spillRoot = spillRoot;
    }

    /**
     * The same, with a trusted memory budget: beyond {@code bytes} per Q2 instance, the window log (most of the
     * state) spills to an encrypted store under {@code spillRoot} instead of filling the trusted memory.
     */
    public Boundary memoryBudget(long bytes, Path spillRoot) {
        if (!isSealed()) throw new IllegalStateException("a memory budget is for a sealed boundary");
        if (bytes < 2L * ReadingLog.CHUNK_BYTES) {
            throw new IllegalArgumentException("a memory budget below " + 2 * ReadingLog.CHUNK_BYTES
                    + " bytes (two chunks of the window log)");
        }
        return new Boundary(ring, routing, records, bytes, spillRoot.toAbsolutePath().toString(), run);
    }

    /**
     * A spill store for one operator instance when this boundary has a memory budget (the caller closes it), with
     * the chunks the budget allows; null without a budget.
     */
    EncryptedSpillStore spillStore() throws IOException {
        return memoryBudget == 0 ? null : new EncryptedSpillStore(
                Path.of(spillRoot), TrustedKeys.get(ring));
    }

    int budgetChunks() {
        return (int) Math.max(2, memoryBudget / ReadingLog.CHUNK_BYTES);
    }

    /**
     * Sealed with the key ring and the routing key released under these names: state sealed, readings routed by
     * pseudonyms. Records between tasks are left to the transport: within one process they never leave it; between
     * TaskManagers Flink's internal TLS ({@code security.ssl.internal.enabled}) encrypts them in bulk.
     */
    public static Boundary sealed(String ring, String routing) {
        return new Boundary(Objects.requireNonNull(ring), Objects.requireNonNull(routing), false,
                0, null, "");
    }

    /** The same, and every record between tasks sealed on its own by its serializer (costly: one AES-GCM each). */
    public Boundary sealingRecords() {
        if (!isSealed()) throw new IllegalStateException("a plain boundary seals nothing");
        return new Boundary(ring, routing, true, memoryBudget, spillRoot, run);
    }

    /**
     * The same, for the run {@code runId} (its run directory's id): sealed state names the run, so state from
     * another run does not restore here.
     */
    public Boundary forRun(String runId) {
        return new Boundary(ring, routing, records, memoryBudget, spillRoot, Objects.requireNonNull(runId));
    }

    public boolean sealsRecords() {
        return records;
    }

    /** The name the keys were released to this process under (null in a plain boundary). */
    public String keysName() {
        return ring;
    }

    public boolean isSealed() {
        return ring != null;
    }

    /** The type as it crosses between tasks: sealed by its serializer ({@link #sealingRecords()}), or as it is. */
    public <T> TypeInformation<T> wire(TypeInformation<T> type) {
        return records ? new SealedTypeInfo<>(type, ring) : type;
    }

    /** Q1's routing key for a house: its id, or its pseudonym. */
    public Long houseKey(long house) {
        return isSealed() ? pseudonyms().house(house) : Partitioning.house(house);
    }

    /** Q2's routing key for a plug: its ids mixed, or the plug's pseudonym. */
    public Long plugKey(long house, long household, long plug) {
        return isSealed() ? pseudonyms().plug(house, household, plug) : Partitioning.plug(house, household, plug);
    }

    /**
     * State bytes as they go into checkpoint {@code checkpointId} ({@code context}: which state, so parts cannot be
     * swapped): the checkpoint's id (8 bytes, in the clear) and the sealed bytes, whose seal names the run, the state
     * and that checkpoint, so a part opens only where it was written.
     */
    byte[] seal(byte[] state, String context, long checkpointId) {
        if (!isSealed()) return state;
        byte[] sealed = cipher().seal(state, stateContext(context, checkpointId));
        return ByteBuffer.allocate(Long.BYTES + sealed.length).putLong(checkpointId).put(sealed).array();
    }

    /**
     * State bytes restored from checkpoint {@code restoredCheckpointId} (Flink names the checkpoint of every
     * restore; -1, not named, is refused).
     *
     * @throws SealException TAMPERED for a part of another run, state or checkpoint
     */
    byte[] open(byte[] state, String context, long restoredCheckpointId) {
        if (!isSealed()) return state;
        StateCipher c = cipher(); // no keys released here: that first
        if (state.length < Long.BYTES) throw new SealException(SealException.Reason.MALFORMED, "sealed state cut short");
        long written = ByteBuffer.wrap(state).getLong();
        if (written != restoredCheckpointId) {
            throw new SealException(SealException.Reason.TAMPERED, "state " + context + " of checkpoint " + written
                    + " where checkpoint " + restoredCheckpointId + " is restored");
        }
        return c.open(Arrays.copyOfRange(state, Long.BYTES, state.length), stateContext(context, written));
    }

    private byte[] stateContext(String context, long checkpointId) {
        return ("run " + run + " state " + context + " checkpoint " + checkpointId).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A block of sealed readings opened, here inside the boundary: each reading with who sealed it and where it
     * stands in that meter's order (for the caller's {@link io.gridlet.enclave.sealing.ReplayGuard}).
     *
     * @throws SealException why it does not open (tampered, forged, not the meter's house, malformed)
     * @throws IllegalStateException in a plain run: it has no keys to open anything
     */
    public List<ReadingOpener.Opened> open(SealedBlock reading) {
        if (!isSealed()) throw new IllegalStateException("a sealed reading in a plain run: run it --sealed");
        if (opener == null) opener = TrustedKeys.opener(ring);
        return opener.open(reading);
    }

    /**
     * A result line of house {@code house} sealed under that house's result key (for the owner, and the analysts
     * given that house's key), bound to this run, its output file, and its place ({@code seq}) in part
     * {@code part} of that file.
     */
    public byte[] sealResult(byte[] line, String file, long house, long part, long seq) {
        return results().seal(line, run, file, house, part, seq);
    }

    /** The end of part {@code part} of {@code file}: it holds {@code lines} lines. */
    public byte[] sealTrailer(String file, long part, long lines) {
        return results().trailer(run, file, part, lines);
    }

    /** A result line for live subscribers: in no part and no run (the subscription's stream orders them). */
    public byte[] sealLiveResult(byte[] line, String file, long house) {
        return results().seal(line, "", file, house, 0, 0);
    }

    private ResultMaster results() {
        if (!isSealed()) throw new IllegalStateException("a plain boundary seals nothing");
        if (results == null) results = TrustedKeys.results(ring);
        return results;
    }

    private StateCipher cipher() {
        if (cipher == null) cipher = new StateCipher(TrustedKeys.get(ring));
        return cipher;
    }

    private Pseudonyms pseudonyms() {
        if (pseudonyms == null) pseudonyms = TrustedKeys.routing(routing);
        return pseudonyms;
    }

    @Override
    public String toString() {
        return isSealed() ? "sealed (keys " + ring + ", routing " + routing + (records ? ", records sealed" : "")
                + ")" : "plain";
    }
}
