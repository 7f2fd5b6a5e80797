package io.gridlet.flink.sink;

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

/**
 * Flink's {@link FileSink} for results: one bucket (directory) per output file, one part file per sink instance,
 * each line prefixed with its order key, committed on checkpoints (so a reader never sees uncommitted lines).
 * Every instance writes its lines in key order; {@link ResultMerge} merges the parts into the spec's files.
 */
public final class ResultParts {
    private ResultParts() {
    }

    public static FileSink<ResultRecord> sink(String partsDir) {
        return FileSink.forRowFormat(new Path(partsDir), new KeyedLineEncoder())
                .withBucketAssigner(new ByOutputFile())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix("part").withPartSuffix(".txt").build())
                .build();
    }

    /** {@code order house household plug line}, one per line. */
    static final class KeyedLineEncoder implements Encoder<ResultRecord> {
        @Override
        public void encode(ResultRecord r, OutputStream out) throws IOException {
            String line = r.order() + " " + r.house() + " " + r.household() + " " + r.plug() + " " + r.line() + "\n";
            out.write(line.getBytes(StandardCharsets.US_ASCII));
        }
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
