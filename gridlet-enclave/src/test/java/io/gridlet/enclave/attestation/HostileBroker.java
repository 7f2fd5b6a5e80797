package io.gridlet.enclave.attestation;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A key broker that seals whatever bytes it likes to a runtime's key, as {@link KeyTransport} seals key material
 * (ECDH with an ephemeral key, HKDF-SHA256, AES-GCM): anyone holding the runtime's public key (it travels in the
 * attestation) can. What it releases opens; the runtime must refuse what is inside if it is not key material.
 */
public final class HostileBroker {
    private final KeyPair ephemeral = KeyTransport.newKeyPair();
    private final byte[] wrapKey;

    /** @param runtimeKey the runtime's key from its attestation (X.509) */
    public HostileBroker(byte[] runtimeKey) {
        try {
            PublicKey runtime = KeyTransport.publicKey(runtimeKey);
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(ephemeral.getPrivate());
            ka.doPhase(runtime, true);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(ephemeral.getPublic().getEncoded(), "HmacSHA256"));
            byte[] prk = mac.doFinal(ka.generateSecret());
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            mac.update("gridlet key release v1".getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 1);
            this.wrapKey = mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code plain} sealed to the runtime under {@code nonce} (1 byte or more). */
    public ReleasedKeys release(byte[] nonce, byte[] plain) {
        try {
            byte[] brokerKey = ephemeral.getPublic().getEncoded();
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(wrapKey, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(brokerKey);
            return new ReleasedKeys(brokerKey, nonce, c.doFinal(plain));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
