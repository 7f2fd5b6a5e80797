package io.gridlet.enclave.sealing;

import io.gridlet.core.model.Measurement;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

import javax.crypto.SecretKey;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Opens sealed readings inside the trusted boundary ({@link ReadingSuite}): with the boundary's ingest key pair and
 * each meter's public key, derived from its identity by the owner's meter master key ({@code meterKeys}). A
 * reading opens only if the meter named in it sealed it (any other key gives another epoch key, under which the tag
 * fails), its clear fields are unchanged, its timestamp is the reading's own and its house one of the meter's. The
 * epoch keys of recent epochs are kept (a key agreement each is the costly part), so opening a block costs one AES-GCM.
 * Whether a reading was seen before is the caller's to check, from {@link Opened#epoch()} and {@link Opened#seq()}
 * (the boundary keeps a high-water mark per meter in its checkpointed state). Not thread-safe.
 */
public final class ReadingOpener {
    /** Epoch keys kept: one per meter and run. */
    private static final int CACHE = 4096;

    private final AsymmetricCipherKeyPair ingest;
    private final Function<MeterIdentity, AsymmetricKeyParameter> meterKeys;
    private final Map<Epoch, SecretKey> epochs = leastRecentlyUsed();
    private final Map<String, MeterIdentity> identities = leastRecentlyUsed();

    /** The last epoch opened, and its key: a meter's readings come one after the other. */
    private Epoch lastEpoch;
    private SecretKey lastKey;
    private final byte[] aad = new byte[SealedBlock.MAX_HEADER];

    /** A reading opened: the reading, who sealed it, and where it stands in that meter's order. */
    public record Opened(Measurement reading, MeterIdentity meter, long epoch, long seq) {
    }

    private record Epoch(String meter, long epoch, ByteBuffer enc) {
        byte[] encBytes() {
            return enc.array();
        }
    }

    /** A map that keeps the {@link #CACHE} entries used last. */
    private static <K, V> Map<K, V> leastRecentlyUsed() {
        return new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > CACHE;
            }
        };
    }

    /** @param meterKeys a meter's public key from its identity */
    public ReadingOpener(AsymmetricCipherKeyPair ingest, Function<MeterIdentity, AsymmetricKeyParameter> meterKeys) {
        this.ingest = Objects.requireNonNull(ingest);
        this.meterKeys = meterKeys;
    }

    /**
     * Opens a block: its readings in order, each with its sequence number. A block opens whole or not at all.
     *
     * @throws SealException why it does not open: MALFORMED, TAMPERED, MISROUTED, NOT_OWNED
     */
    public List<Opened> open(SealedBlock s) {
        MeterIdentity meter = identity(s.meter());
        SecretKey key = lastKey;
        boolean known = lastEpoch != null && lastEpoch.epoch() == s.epoch() && lastEpoch.meter().equals(s.meter())
                && Arrays.equals(lastEpoch.encBytes(), s.enc());
        Epoch e = null;
        if (!known) {
            e = new Epoch(s.meter(), s.epoch(), ByteBuffer.wrap(s.enc().clone()));
            key = epochKey(s, meter, e);
        }
        byte[] plain = Aead.open(key, ReadingSuite.nonce(s.seq()), aad, s.writeHeader(aad), s.ciphertext());
        if (e != null) { // kept once a reading opened with it: keys of forged epochs never push out real ones
            epochs.put(e, key);
            lastEpoch = e;
            lastKey = key;
        }
        return opened(s, meter, plain);
    }

    /** The epoch's key, derived (a key agreement) unless kept from before. */
    private SecretKey epochKey(SealedBlock s, MeterIdentity meter, Epoch e) {
        SecretKey key = epochs.get(e);
        if (key != null) return key;
        try {
            return ReadingSuite.receive(s.enc(), ingest, meterKeys.apply(meter), s.meter(), s.epoch());
        } catch (RuntimeException ex) { // an encapsulated key that is no X25519 point
            throw new SealException(SealException.Reason.MALFORMED, "the encapsulated key does not parse");
        }
    }

    private List<Opened> opened(SealedBlock s, MeterIdentity meter, byte[] plain) {
        int count = s.count();
        Opened[] opened = new Opened[count];
        try {
            if (plain.length != count * Measurement.BINARY_LENGTH) {
                throw new SealException(SealException.Reason.MALFORMED, "the sealed block is not its readings");
            }
            ByteBuffer in = ByteBuffer.wrap(plain);
            for (int i = 0; i < count; i++) {
                Measurement m;
                try {
                    m = Measurement.readFrom(in);
                } catch (RuntimeException ex) {
                    throw new SealException(SealException.Reason.MALFORMED, "the sealed block is not its readings");
                }
                if (m.timestamp() != s.timestamps()[i]) {
                    throw new SealException(SealException.Reason.MISROUTED, "a clear timestamp is not the reading's "
                            + "own");
                }
                if (!meter.houses().contains(m.houseId())) {
                    throw new SealException(SealException.Reason.NOT_OWNED, meter.name() + " may not report for "
                            + "this house");
                }
                opened[i] = new Opened(m, meter, s.epoch(), s.seq() + i);
            }
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
        return Arrays.asList(opened);
    }

    private MeterIdentity identity(String text) {
        MeterIdentity known = identities.get(text);
        if (known != null) return known;
        MeterIdentity parsed;
        try {
            parsed = MeterIdentity.parse(text);
        } catch (IllegalArgumentException e) {
            throw new SealException(SealException.Reason.MALFORMED, "not a meter identity");
        }
        if (!parsed.text().equals(text)) { // one identity, one text: no second spelling to slip past a check
            throw new SealException(SealException.Reason.MALFORMED, "a meter identity not in its canonical form");
        }
        identities.put(text, parsed);
        return parsed;
    }
}
