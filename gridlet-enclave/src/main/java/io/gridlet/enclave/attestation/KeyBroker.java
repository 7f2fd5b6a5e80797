package io.gridlet.enclave.attestation;

import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.ReadingKeys;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Releases the data keys to a runtime that proves what code it runs. The broker issues a one-time nonce; the
 * runtime answers with an {@link Attestation} over it; the broker checks the signer is trusted for that kind of
 * runtime, the signature, the nonce (issued here, unused, at most {@code maxAgeMillis} old), the age of the
 * evidence, and that the measurement is on the allowlist, then seals the keys to the runtime's key from the
 * evidence. Every refusal says why ({@link KeyReleaseException.Reason}).
 *
 * <p>This class is the decision; the channel it is reached over must authenticate both ends (the broker as a gRPC
 * service behind mutual TLS): the attestation binds the keys to the runtime, not the runtime to the broker.
 */
public final class KeyBroker {
    /** The routing key travels with the data keys under this id (data keys are 1..249). */
    static final int ROUTING_KEY_ID = 0;
    private final KeyRing keys;
    private volatile byte[] routingKey;
    private volatile ReadingKeys readingKeys;
    private volatile byte[] resultsMaster;
    private final Map<String, PublicKey> signers;
    private final Map<String, String> signerKinds;
    private final Set<String> allowlist;
    private final LongSupplier clockMillis;
    private final long maxAgeMillis;
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, Long> nonces = new ConcurrentHashMap<>();

    /**
     * @param signers    trusted attestation signers by name, each with the runtime kind it may vouch for
     * @param allowlist  allowed code measurements (hex SHA-256)
     */
    public KeyBroker(KeyRing keys, Map<String, Signer> signers, Set<String> allowlist, LongSupplier clockMillis,
                     long maxAgeMillis) {
        this.keys = keys;
        this.signers = new ConcurrentHashMap<>();
        this.signerKinds = new ConcurrentHashMap<>();
        signers.forEach((name, s) -> {
            this.signers.put(name, s.key());
            this.signerKinds.put(name, s.kind());
        });
        this.allowlist = Set.copyOf(allowlist);
        this.clockMillis = clockMillis;
        this.maxAgeMillis = maxAgeMillis;
    }

    /**
     * Releases the pseudonyms' routing key too, with the data keys, to the same runtimes (the operators route by
     * pseudonyms of the ids they see once a reading is open).
     */
    public KeyBroker releasingRouting(byte[] key) {
        if (key.length < 16) throw new IllegalArgumentException("a routing key of at least 16 bytes");
        this.routingKey = key.clone();
        return this;
    }

    /**
     * Releases the keys that open meters' sealed readings too (the ingest key pair and the meter master key), to
     * the same runtimes.
     */
    public KeyBroker releasingReadings(ReadingKeys keys) {
        this.readingKeys = keys;
        return this;
    }

    /** Releases the results master key too (from which each house's result key is derived). */
    public KeyBroker releasingResults(byte[] master) {
        if (master.length != 32) throw new IllegalArgumentException("a results master key of 32 bytes");
        this.resultsMaster = master.clone();
        return this;
    }

    /** A signer the broker trusts: its public key and the kind of runtime it vouches for. */
    public record Signer(String kind, PublicKey key) {
    }

    /** A fresh one-time nonce for the next attestation. */
    /** Nonces outstanding at most: a caller asking for more, faster than they expire, is refused. */
    public static final int MAX_OUTSTANDING = 10_000;

    /** @throws IllegalStateException when {@link #MAX_OUTSTANDING} nonces are outstanding (try again later) */
    public byte[] challenge() {
        long now = clockMillis.getAsLong();
        if (nonces.size() >= MAX_OUTSTANDING) nonces.values().removeIf(issued -> now - issued > maxAgeMillis);
        if (nonces.size() >= MAX_OUTSTANDING) {
            throw new IllegalStateException(MAX_OUTSTANDING + " challenges outstanding: try again later");
        }
        byte[] nonce = new byte[32];
        random.nextBytes(nonce);
        nonces.put(HexFormat.of().formatHex(nonce), now);
        return nonce;
    }

    public ReleasedKeys release(Attestation a) throws KeyReleaseException {
        PublicKey signerKey = signers.get(a.signer());
        if (signerKey == null || !a.kind().equals(signerKinds.get(a.signer()))) {
            throw refuse(KeyReleaseException.Reason.UNTRUSTED_SIGNER, "no trusted " + a.kind() + " signer named "
                    + a.signer());
        }
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initVerify(signerKey);
            s.update(a.signedBytes());
            if (!s.verify(a.signature())) throw refuse(KeyReleaseException.Reason.BAD_SIGNATURE, "bad signature");
        } catch (SignatureException e) {
            throw refuse(KeyReleaseException.Reason.BAD_SIGNATURE, "bad signature: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        long now = clockMillis.getAsLong();
        Long issued = nonces.remove(HexFormat.of().formatHex(a.nonce()));
        if (issued == null) {
            throw refuse(KeyReleaseException.Reason.UNKNOWN_NONCE, "the nonce was not issued here or was used");
        }
        long at = a.issuedAtMillis(); // (|now - at| overflows for a date far enough off)
        if (now - issued > maxAgeMillis || at < now - maxAgeMillis || at > now + maxAgeMillis) {
            throw refuse(KeyReleaseException.Reason.EXPIRED, "the attestation is older than " + maxAgeMillis + " ms");
        }
        if (!allowlist.contains(a.measurementHex())) {
            throw refuse(KeyReleaseException.Reason.MEASUREMENT_NOT_ALLOWED, "code measurement "
                    + a.measurementHex() + " is not on the allowlist");
        }
        try {
            Map<Integer, byte[]> material = new TreeMap<>(keys.material());
            if (routingKey != null) material.put(ROUTING_KEY_ID, routingKey);
            if (readingKeys != null) material.putAll(readingKeys.material());
            if (resultsMaster != null) material.put(ReadingKeys.RESULTS_MASTER_ID, resultsMaster);
            return KeyTransport.seal(material, KeyTransport.publicKey(a.runtimeKey()));
        } catch (GeneralSecurityException e) {
            throw refuse(KeyReleaseException.Reason.MALFORMED, "the runtime key does not parse: " + e.getMessage());
        }
    }

    private static KeyReleaseException refuse(KeyReleaseException.Reason reason, String why) {
        return new KeyReleaseException(reason, "key release refused: " + why);
    }
}
