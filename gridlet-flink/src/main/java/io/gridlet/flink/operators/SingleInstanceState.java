package io.gridlet.flink.operators;

import io.gridlet.enclave.sealing.SealException;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.runtime.state.StateInitializationContext;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;

/**
 * The checkpointed state of an operator that always runs as one instance (the order gate, Q2's global half): the
 * core state written to bytes, kept as the single element of Flink operator list state.
 */
final class SingleInstanceState {
    private final ListState<byte[]> state;
    private final byte[] restored;
    private final Boundary boundary;
    private final String name;

    interface Writer {
        void write(DataOutput out) throws IOException;
    }

    SingleInstanceState(StateInitializationContext context, String name) throws Exception {
        this(context, name, Boundary.PLAIN);
    }

    /**
     * Inside a sealed boundary the bytes are sealed, with the run, the state's name and the checkpoint as context.
     */
    SingleInstanceState(StateInitializationContext context, String name, Boundary boundary) throws Exception {
        this(context, name, boundary, name);
    }

    /**
     * @param sealedAs the name the sealed bytes carry (an instance of several seals its own: one instance's state
     *                 restored into another is refused)
     */
    SingleInstanceState(StateInitializationContext context, String name, Boundary boundary, String sealedAs)
            throws Exception {
        this.boundary = boundary;
        this.name = sealedAs;
        state = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>(name, BytePrimitiveArraySerializer.INSTANCE));
        Iterator<byte[]> it = state.get().iterator();
        byte[] first = it.hasNext() ? it.next() : null;
        if (it.hasNext()) throw new IllegalStateException(name + ": state of more than one instance");
        if (first == null && context.isRestored() && boundary.isSealed()) { // its handle dropped from the checkpoint
            throw new SealException(SealException.Reason.MALFORMED, name + ": no state in the checkpoint restored "
                    + "(a sealed run's checkpoint always holds it)");
        }
        restored = first == null ? null : boundary.open(first, sealedAs, context.getRestoredCheckpointId().orElse(-1));
    }

    /** The restored state, or null on a fresh start. */
    DataInput restored() {
        return restored == null ? null : new DataInputStream(new ByteArrayInputStream(restored));
    }

    /** Saves the state for checkpoint {@code checkpointId}. */
    void save(long checkpointId, Writer writer) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        writer.write(out);
        out.flush();
        state.update(List.of(boundary.seal(bytes.toByteArray(), name, checkpointId)));
    }
}
