package io.gridlet.enclave.keys;

import io.gridlet.enclave.sealing.ReadingOpener;
import io.gridlet.enclave.sealing.ReadingSuite;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the boundary needs to open meters' readings: the ingest key pair (readings are sealed to its public key)
 * and the meter master key (from which each meter's public key is derived). Released only to an attested runtime,
 * with the data keys; the owner keeps them in its key directory. A meter never has either.
 */
public record ReadingKeys(byte[] ingestPrivate, byte[] ingestPublic, byte[] meterMaster) {
    /**
     * Their ids as the key broker transports them, beside the data keys (1..249), the routing key (0) and the
     * results master key ({@link #RESULTS_MASTER_ID}).
     */
    public static final int METER_MASTER_ID = 250, INGEST_PRIVATE_ID = 251, INGEST_PUBLIC_ID = 252;
    /** The results master key's id as the key broker transports it. */
    public static final int RESULTS_MASTER_ID = 253;

    public ReadingKeys {
        ReadingSuite.keyPair(ingestPrivate, ingestPublic); // both 32 bytes, and a pair that parses
        new MeterKeys(meterMaster);
        ingestPrivate = ingestPrivate.clone();
        ingestPublic = ingestPublic.clone();
        meterMaster = meterMaster.clone();
    }

    /** New keys for a new owner. */
    public static ReadingKeys generate() {
        AsymmetricCipherKeyPair ingest = ReadingSuite.generateKeyPair();
        return new ReadingKeys(ReadingSuite.privateBytes(ingest), ReadingSuite.publicBytes(ingest),
                ReadingSuite.randomBytes(32));
    }

    public MeterKeys meters() {
        return new MeterKeys(meterMaster);
    }

    /** An opener of its own for one user (openers cache epoch keys and are not thread-safe). */
    public ReadingOpener opener() {
        MeterKeys meters = meters();
        return new ReadingOpener(ReadingSuite.keyPair(ingestPrivate, ingestPublic), meters::publicKey);
    }

    /** The keys as the broker transports them. */
    public Map<Integer, byte[]> material() {
        Map<Integer, byte[]> m = new LinkedHashMap<>();
        m.put(METER_MASTER_ID, meterMaster.clone());
        m.put(INGEST_PRIVATE_ID, ingestPrivate.clone());
        m.put(INGEST_PUBLIC_ID, ingestPublic.clone());
        return m;
    }

    /** Takes these keys out of transported material (null if they are not all there). */
    public static ReadingKeys takeFrom(Map<Integer, byte[]> material) {
        byte[] master = material.remove(METER_MASTER_ID);
        byte[] priv = material.remove(INGEST_PRIVATE_ID);
        byte[] pub = material.remove(INGEST_PUBLIC_ID);
        return master == null || priv == null || pub == null ? null : new ReadingKeys(priv, pub, master);
    }
}
