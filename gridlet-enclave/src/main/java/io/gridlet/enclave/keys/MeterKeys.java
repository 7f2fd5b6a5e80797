package io.gridlet.enclave.keys;

import io.gridlet.enclave.sealing.MeterIdentity;
import io.gridlet.enclave.sealing.ReadingSuite;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * Each meter's key pair, derived from the owner's meter master key and the meter's identity (its name and houses):
 * HMAC-SHA256(master, "gridlet meter key v1" || identity) as the input of RFC 9180's DeriveKeyPair. The owner hands
 * a meter its private key ({@link MeterKeyFile}); the boundary, holding the master, derives any meter's public key
 * from the identity a sealed reading states, so no registry of meters has to reach it, and a meter that claims
 * another name or more houses names a key it does not have.
 */
public final class MeterKeys {
    private static final byte[] LABEL = "gridlet meter key v1 ".getBytes(StandardCharsets.US_ASCII);
    private final byte[] master;

    public MeterKeys(byte[] master) {
        if (master.length != 32) throw new IllegalArgumentException("a meter master key of 32 bytes");
        this.master = master.clone();
    }

    /** The meter's key pair (for the owner to hand out). */
    public AsymmetricCipherKeyPair keyPair(MeterIdentity meter) {
        byte[] ikm = ikm(meter);
        try {
            return ReadingSuite.deriveKeyPair(ikm);
        } finally {
            Arrays.fill(ikm, (byte) 0);
        }
    }

    /** The meter's public key (for the boundary, to open what it sealed). */
    public AsymmetricKeyParameter publicKey(MeterIdentity meter) {
        return keyPair(meter).getPublic();
    }

    private byte[] ikm(MeterIdentity meter) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(master, "HmacSHA256"));
            mac.update(LABEL);
            return mac.doFinal(meter.text().getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no HmacSHA256 in this JDK", e);
        }
    }
}
