package io.gridlet.flink.operators;

import io.gridlet.enclave.sealing.SealException;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyGroupStatePartitionStreamProvider;
import org.apache.flink.runtime.state.KeyGroupsList;
import org.apache.flink.runtime.state.KeyedStateCheckpointOutputStream;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of a keyed operator whose query state is one core object for all its keys, kept in Flink's raw keyed
 * state: at a checkpoint the object writes one part per key group of the instance (the state of the keys in that
 * group), and on restore an instance gets the parts of exactly its key groups, whichever instances wrote them.
 * That is what lets state move when the job is rescaled: Flink redistributes key groups, the core merges parts.
 * Each part is length-prefixed, so it is read whole from the checkpoint stream before the next one is opened, and
 * carries the operator's data-time clock, which is the same in every instance (each sees every watermark), so
 * every new instance finds it among its parts.
 */
final class KeyGroupParts {
    private KeyGroupParts() {
    }

    /** The key groups of this instance, first to last (a contiguous range). */
    record Range(int first, int count, int maxParallelism) {
        /** Index in this range of the key group of {@code key}, or -1 if the key is not this instance's. */
        int indexOf(Object key) {
            int i = KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism) - first;
            return i >= 0 && i < count ? i : -1;
        }

        int indexOfOwn(Object key) {
            int i = indexOf(key);
            if (i < 0) throw new IllegalStateException("key " + key + " is outside this instance's key groups");
            return i;
        }
    }

    /** Where a keyed operator is in data time: whether it has seen a timestamp, and the current one. */
    record Clock(boolean started, long dataTime) {
    }

    /** What an instance restored: the clock and its key groups' parts (none on a fresh start, clock null). */
    record Restored(Clock clock, List<DataInput> parts) {
    }

    /** The parts of the instance's key groups, in key-group order. */
    interface Writer {
        byte[][] parts(Range range) throws IOException;
    }

    static void write(StateSnapshotContext context, int maxParallelism, Clock clock, Writer writer)
            throws Exception {
        write(context, maxParallelism, clock, writer, Boundary.PLAIN, "");
    }

    /**
     * Inside a sealed boundary each key group's clock and part are sealed together, with the run, the state's name,
     * the key group and the checkpoint as context (a part cannot be moved to another key group, operator, run or
     * checkpoint unnoticed).
     */
    static void write(StateSnapshotContext context, int maxParallelism, Clock clock, Writer writer,
                      Boundary boundary, String name) throws Exception {
        KeyedStateCheckpointOutputStream out = context.getRawKeyedOperatorStateOutput();
        KeyGroupsList groups = out.getKeyGroupList();
        int count = groups.getNumberOfKeyGroups();
        int first = groups.getKeyGroupId(0);
        for (int i = 0; i < count; i++) {
            if (groups.getKeyGroupId(i) != first + i) throw new IllegalStateException("key groups not contiguous");
        }
        byte[][] parts = writer.parts(new Range(first, count, maxParallelism));
        DataOutputStream data = new DataOutputStream(out); // not closed: Flink owns the stream
        for (int i = 0; i < count; i++) {
            out.startNewKeyGroup(first + i);
            if (boundary.isSealed()) {
                ByteArrayOutputStream plain = new ByteArrayOutputStream(parts[i].length + 9);
                DataOutputStream p = new DataOutputStream(plain);
                p.writeBoolean(clock.started());
                p.writeLong(clock.dataTime());
                p.write(parts[i]);
                p.flush();
                byte[] sealed = boundary.seal(plain.toByteArray(), name + "/" + (first + i),
                        context.getCheckpointId());
                data.writeInt(sealed.length);
                data.write(sealed);
            } else {
                writePlain(data, clock, parts[i]);
            }
            data.flush();
        }
    }

    /** One key group's clock and part outside a sealed boundary, as {@link #readPlain} reads them. */
    static void writePlain(DataOutputStream out, Clock clock, byte[] part) throws IOException {
        out.writeBoolean(clock.started());
        out.writeLong(clock.dataTime());
        out.writeInt(part.length);
        out.write(part);
    }

    /** One key group's clock and part outside a sealed boundary, as {@link #writePlain} wrote them. */
    static Restored readPlain(DataInputStream in) throws IOException {
        Clock clock = new Clock(in.readBoolean(), in.readLong());
        byte[] part = new byte[in.readInt()];
        in.readFully(part);
        return new Restored(clock, List.of(new DataInputStream(new ByteArrayInputStream(part))));
    }

    /** The clock and parts restored for this instance. */
    static Restored read(StateInitializationContext context) throws IOException {
        return read(context, Boundary.PLAIN, "", -1);
    }

    /** How many key groups the subtask {@code task} describes owns. */
    static int ownedKeyGroups(TaskInfo task) {
        return KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(task.getMaxNumberOfParallelSubtasks(),
                task.getNumberOfParallelSubtasks(), task.getIndexOfThisSubtask()).getNumberOfKeyGroups();
    }

    /** Whether {@code key} belongs to one of the key groups of the subtask {@code task} describes. */
    static boolean owns(TaskInfo task, Object key) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(key, task.getMaxNumberOfParallelSubtasks(),
                task.getNumberOfParallelSubtasks()) == task.getIndexOfThisSubtask();
    }

    /**
     * @param keyGroups how many key groups this instance owns: inside a sealed boundary a restore must bring a part
     *                  for each (a handle dropped from the checkpoint would otherwise erase those houses' state)
     */
    static Restored read(StateInitializationContext context, Boundary boundary, String name, int keyGroups)
            throws IOException {
        List<DataInput> parts = new ArrayList<>();
        Clock clock = null;
        if (!context.isRestored()) return new Restored(null, parts);
        long checkpoint = context.getRestoredCheckpointId().orElse(-1);
        int groups = 0;
        for (KeyGroupStatePartitionStreamProvider provider : context.getRawKeyedStateInputs()) {
            DataInputStream in = new DataInputStream(provider.getStream());
            if (boundary.isSealed()) {
                byte[] sealed = new byte[in.readInt()];
                in.readFully(sealed);
                in = new DataInputStream(new ByteArrayInputStream(
                        boundary.open(sealed, name + "/" + provider.getKeyGroupId(), checkpoint)));
                groups++;
                clock = new Clock(in.readBoolean(), in.readLong());
                parts.add(in);
                continue;
            }
            Restored group = readPlain(in);
            clock = group.clock();
            parts.addAll(group.parts());
        }
        if (boundary.isSealed() && groups != keyGroups) {
            throw new SealException(SealException.Reason.MALFORMED, name + ": the checkpoint restored holds " + groups
                    + " of this instance's " + keyGroups + " key groups");
        }
        return new Restored(clock, parts);
    }
}
