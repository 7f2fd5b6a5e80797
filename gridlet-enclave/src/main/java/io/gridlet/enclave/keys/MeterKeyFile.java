package io.gridlet.enclave.keys;

import io.gridlet.enclave.sealing.MeterIdentity;
import io.gridlet.enclave.sealing.MeterSealer;
import io.gridlet.enclave.sealing.ReadingSuite;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

/**
 * A meter's keys as the owner hands them out ({@code gridlet keys meter NAME}): the meter's identity, its key pair,
 * and the boundary's ingest public key. Enough to seal readings as that meter, and to open nothing: it holds no
 * data key, no routing key, no meter master, no ingest private key. Text lines {@code key value}:
 * <pre>
 * # gridlet meter keys
 * identity meter-3 houses=3%5
 * meter-private BASE64
 * meter-public BASE64
 * ingest-public BASE64
 * </pre>
 */
public record MeterKeyFile(MeterIdentity identity, byte[] meterPrivate, byte[] meterPublic, byte[] ingestPublic) {
    static final String HEADER = "# gridlet meter keys";

    /** A sealer for a new epoch of this meter (its epoch: now, in milliseconds). */
    public MeterSealer sealer() {
        return new MeterSealer(identity, ReadingSuite.keyPair(meterPrivate, meterPublic),
                ReadingSuite.publicKey(ingestPublic), System.currentTimeMillis());
    }

    public void write(Path file) throws IOException {
        Base64.Encoder b64 = Base64.getEncoder();
        KeyFiles.writeOwnerOnly(file, HEADER + "\nidentity " + identity.text() + "\nmeter-private "
                + b64.encodeToString(meterPrivate) + "\nmeter-public " + b64.encodeToString(meterPublic)
                + "\ningest-public " + b64.encodeToString(ingestPublic) + "\n");
    }

    /** Reads a meter's key file; an IOException says what is wrong (an owner's directory is named as such). */
    public static MeterKeyFile read(Path file) throws IOException {
        Map<String, String> f = KeyFiles.readFields(file, HEADER, "a meter key file (gridlet keys meter NAME)");
        if (!f.containsKey("identity")) throw new IOException(file + ": no identity");
        MeterKeyFile keys;
        try {
            keys = new MeterKeyFile(MeterIdentity.parse(f.get("identity")), KeyFiles.base64(f, "meter-private"),
                    KeyFiles.base64(f, "meter-public"), KeyFiles.base64(f, "ingest-public"));
            ReadingSuite.publicKey(keys.ingestPublic());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
        if (!Arrays.equals(ReadingSuite.publicOf(keys.meterPrivate()), keys.meterPublic())) {
            throw new IOException(file + ": meter-public is not meter-private's public key (a damaged file: its "
                    + "readings would open nowhere)");
        }
        return keys;
    }
}
