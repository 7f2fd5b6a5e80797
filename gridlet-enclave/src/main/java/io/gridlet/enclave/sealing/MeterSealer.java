package io.gridlet.enclave.sealing;

import io.gridlet.core.model.Measurement;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

import java.nio.ByteBuffer;

/**
 * What a meter seals its readings with ({@link ReadingSuite}): its identity and key pair, and the boundary's ingest
 * public key. It can seal, and open nothing: not its own readings, nor another meter's, nor any result. Each
 * sealer is one epoch (its creation time in milliseconds, which must be later than any earlier epoch of the same
 * meter: the boundary refuses readings of an older epoch as replayed), numbering its readings 1, 2, ...
 * Thread-safe.
 */
public final class MeterSealer {
    private final MeterIdentity identity;
    private final String text;
    private final long epoch;
    private final ReadingSuite.Sending sending;
    private long seq; // guarded by this

    public MeterSealer(MeterIdentity identity, AsymmetricCipherKeyPair meterKey, AsymmetricKeyParameter ingest,
                       long epoch) {
        this.identity = identity;
        this.text = identity.text();
        this.epoch = epoch;
        this.sending = ReadingSuite.send(ingest, meterKey, text, epoch);
    }

    public MeterIdentity identity() {
        return identity;
    }

    public long epoch() {
        return epoch;
    }

    /**
     * Seals one reading.
     *
     * @throws IllegalArgumentException for a reading of a house this meter may not report for (the boundary would
     *                                  refuse it)
     */
    public SealedReading seal(Measurement m) {
        if (!identity.houses().contains(m.houseId())) {
            throw new IllegalArgumentException("house " + m.houseId() + " is not one of " + identity.name()
                    + "'s houses (" + identity.houses() + ")");
        }
        long n;
        synchronized (this) {
            n = ++seq;
        }
        ByteBuffer plain = ByteBuffer.allocate(Measurement.BINARY_LENGTH);
        m.writeTo(plain);
        SealedReading clear = new SealedReading(text, epoch, sending.enc(), n, m.timestamp(),
                new byte[SealedReading.TAG_BYTES]);
        byte[] ciphertext = Aead.seal(sending.key(), ReadingSuite.nonce(n), clear.header(), plain.array());
        return new SealedReading(text, epoch, sending.enc(), n, m.timestamp(), ciphertext);
    }
}
