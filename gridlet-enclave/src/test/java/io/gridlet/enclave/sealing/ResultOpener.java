package io.gridlet.enclave.sealing;


import io.gridlet.enclave.keys.KeyRing;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.SecretKey;

/**
 * The subscriber's side: opens sealed results and checks that each output file's results come in sequence, so a
 * result dropped, repeated, reordered or moved to another file on the way is refused, not silently lost.
 */
public final class ResultOpener {
    private final KeyRing keys;
    private final Map<String, Long> next = new HashMap<>();

    public ResultOpener(KeyRing subscriberKeys) {
        this.keys = subscriberKeys;
    }

    /**
     * The result's line.
     *
     * @throws SealException TAMPERED (or UNKNOWN_KEY) when it does not open; MISROUTED when it is out of sequence
     */
    public String open(SealedResult r) {
        SecretKey key = keys.key(r.keyId());
        if (key == null) {
            throw new SealException(SealException.Reason.UNKNOWN_KEY, "sealed under subscriber key " + r.keyId()
                    + ", which this key ring does not have");
        }
        byte[] line = Aead.open(key, r.nonce(), ResultSealer.aad(r.keyId(), r.file(), r.sequence()), r.ciphertext());
        long expected = next.getOrDefault(r.file(), 0L);
        if (r.sequence() != expected) {
            throw new SealException(SealException.Reason.MISROUTED, r.file() + ": result " + r.sequence()
                    + " where " + expected + " was due (a result was dropped, repeated or reordered)");
        }
        next.put(r.file(), expected + 1);
        return new String(line, StandardCharsets.UTF_8);
    }
}
