package io.gridlet.enclave.sealing;

import io.gridlet.core.result.HouseForecast;
import io.gridlet.core.result.OutlierShare;
import io.gridlet.core.result.PlugForecast;
import io.gridlet.core.result.ResultLines;
import io.gridlet.core.result.ResultSink;
import io.gridlet.enclave.keys.KeyRing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import javax.crypto.SecretKey;

/**
 * Seals every result for its subscriber: the result's line in its output file, AES-GCM under the subscriber's
 * current key, with the file name and the line's sequence number in that file as associated data.
 */
public final class ResultSealer implements ResultSink {
    private final KeyRing subscriber;
    private final Consumer<SealedResult> out;
    private final Map<String, long[]> sequences = new HashMap<>();
    private final ResultSink lines = ResultLines.sink(this::seal);

    public ResultSealer(KeyRing subscriber, Consumer<SealedResult> out) {
        this.subscriber = subscriber;
        this.out = out;
    }

    @Override
    public void plugForecast(PlugForecast forecast) {
        lines.plugForecast(forecast);
    }

    @Override
    public void houseForecast(HouseForecast forecast) {
        lines.houseForecast(forecast);
    }

    @Override
    public void outlierShare(OutlierShare share) {
        lines.outlierShare(share);
    }

    private void seal(String file, String line) {
        long sequence = sequences.computeIfAbsent(file, f -> new long[1])[0]++;
        int keyId = subscriber.currentId();
        SecretKey key = subscriber.key(keyId);
        byte[] nonce = Aead.nonce();
        out.accept(new SealedResult(keyId, file, sequence, nonce, Aead.seal(key, nonce, aad(keyId, file, sequence),
                line.getBytes(StandardCharsets.UTF_8))));
    }

    static byte[] aad(int keyId, String file, long sequence) {
        byte[] name = file.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 4 + name.length + 8).put((byte) keyId).putInt(name.length).put(name)
                .putLong(sequence).array();
    }
}
