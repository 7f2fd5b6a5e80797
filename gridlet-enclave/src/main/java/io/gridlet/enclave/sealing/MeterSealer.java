package io.gridlet.enclave.sealing;

import io.gridlet.core.model.Measurement;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * What a meter seals its readings with ({@link ReadingSuite}): its identity and key pair, and the boundary's ingest
 * public key. It can seal, and open nothing: not its own readings, nor another meter's, nor any result. Each
 * sealer is one epoch (its creation time in milliseconds, which must be later than any earlier epoch of the same
 * meter: the boundary refuses readings of an older epoch as replayed), numbering its readings 1, 2, ... (a block's
 * nonce is the number of its first reading, so no two blocks of an epoch share one). Thread-safe; blocks must
 * reach the boundary in the order they were sealed (it keeps a high-water mark per meter), so a meter that seals
 * on several threads sends in seal order.
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
     * Seals one reading (a block of one: what the live service takes).
     *
     * @throws IllegalArgumentException for a reading of a house this meter may not report for (the boundary would
     *                                  refuse it)
     */
    public SealedBlock seal(Measurement m) {
        return seal(List.of(m));
    }

    /**
     * Seals consecutive readings as one block (1 to {@link SealedBlock#MAX_READINGS}), numbered after the
     * readings sealed before them.
     *
     * @throws IllegalArgumentException for a reading of a house this meter may not report for (the boundary would
     *                                  refuse the block), or no readings, or too many
     */
    public SealedBlock seal(List<Measurement> readings) {
        int count = readings.size();
        if (count == 0 || count > SealedBlock.MAX_READINGS) {
            throw new IllegalArgumentException("1 to " + SealedBlock.MAX_READINGS + " readings in a block, not "
                    + count);
        }
        ByteBuffer plain = ByteBuffer.allocate(count * Measurement.BINARY_LENGTH);
        long[] timestamps = new long[count];
        for (int i = 0; i < count; i++) {
            Measurement m = readings.get(i);
            if (!identity.houses().contains(m.houseId())) {
                throw new IllegalArgumentException("house " + m.houseId() + " is not one of " + identity.name()
                        + "'s houses (" + identity.houses() + ")");
            }
            m.writeTo(plain);
            timestamps[i] = m.timestamp();
        }
        long first;
        synchronized (this) {
            first = seq + 1;
            seq += count;
        }
        byte[] aad = new SealedBlock(text, epoch, sending.enc(), first, timestamps,
                new byte[SealedBlock.ciphertextLength(count)]).header();
        byte[] ciphertext = Aead.seal(sending.key(), ReadingSuite.nonce(first), aad, plain.array());
        Arrays.fill(plain.array(), (byte) 0);
        return new SealedBlock(text, epoch, sending.enc(), first, timestamps, ciphertext);
    }
}
