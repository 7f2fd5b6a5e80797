package io.gridlet.flink.sink;

import io.gridlet.enclave.keys.ResultKeys;
import io.gridlet.enclave.sealing.SealException;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.operators.ResultRecord;
import org.apache.flink.api.common.serialization.Encoder;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;

/**
 * Flink's {@link FileSink} for results: one bucket (directory) per output file, one part file per sink instance,
 * each line prefixed with its order key, committed on checkpoints (so a reader never sees uncommitted lines).
 * Every instance writes its lines in key order; {@link ResultMerge} merges the parts into the spec's files.
 */
public final class ResultParts {
    private ResultParts() {
    }

    public static FileSink<ResultRecord> sink(String partsDir) {
        return sink(partsDir, Boundary.PLAIN);
    }

    /**
     * The same; inside a sealed boundary every line is sealed before it is written (under the data owner's current
     * key, its output file's name as associated data), one base64 line per result: the part files are ciphertext,
     * opened and merged by the owner ({@link ResultMerge#merge} with {@link #opener}, {@code gridlet unseal}).
     */
    public static FileSink<ResultRecord> sink(String partsDir, Boundary boundary) {
        Encoder<ResultRecord> encoder = boundary.isSealed() ? new SealedLineEncoder(boundary) : new KeyedLineEncoder();
        return FileSink.forRowFormat(new Path(partsDir), encoder)
                .withBucketAssigner(new ByOutputFile())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix("part").withPartSuffix(".txt").build())
                .build();
    }

    /** {@code order house household plug line}, one per line. */
    static final class KeyedLineEncoder implements Encoder<ResultRecord> {
        @Override
        public void encode(ResultRecord r, OutputStream out) throws IOException {
            out.write((keyed(r) + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** A result with the key that orders it: {@code order house household plug line}. */
    public static String keyed(ResultRecord r) {
        return r.order() + " " + r.house() + " " + r.household() + " " + r.plug() + " " + r.line();
    }

    /** The keyed line sealed, in base64, one per line. */
    static final class SealedLineEncoder implements Encoder<ResultRecord> {
        private final Boundary boundary;

        SealedLineEncoder(Boundary boundary) {
            this.boundary = boundary;
        }

        @Override
        public void encode(ResultRecord r, OutputStream out) throws IOException {
            byte[] sealed = boundary.sealResult(keyed(r).getBytes(StandardCharsets.US_ASCII), r.file(), r.house());
            out.write(Base64.getEncoder().encode(sealed));
            out.write('\n');
        }
    }

    /** The result line of a keyed line (what {@link #keyed} put after the four keys). */
    public static String lineOf(String keyed) {
        int at = 0;
        for (int i = 0; i < 4; i++) at = keyed.indexOf(' ', at) + 1;
        return keyed.substring(at);
    }

    /**
     * What opens a sealed part's lines (of output file {@code file}) with {@code keys}: the owner's opens every line,
     * an analyst's the lines of its houses; a line of another house is left out (null) and counted in
     * {@code skipped}.
     */
    public static BiFunction<String, String, String> opener(ResultKeys keys, LongAdder skipped) {
        return (file, line) -> {
            try {
                return keys.open(file, line);
            } catch (SealException e) {
                if (e.reason() != SealException.Reason.UNKNOWN_KEY) throw e;
                skipped.increment();
                return null;
            }
        };
    }

    /** The bucket of a record is its output file's name. */
    static final class ByOutputFile implements BucketAssigner<ResultRecord, String> {
        @Override
        public String getBucketId(ResultRecord r, Context context) {
            return r.file();
        }

        @Override
        public SimpleVersionedSerializer<String> getSerializer() {
            return SimpleVersionedStringSerializer.INSTANCE;
        }
    }
}
