package io.gridlet.enclave.attestation;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Data keys sealed to one runtime's public key: ECDH on P-256 between an ephemeral key of the sender and the
 * runtime's key, HKDF-SHA256 (RFC 5869, salt = the sender's ephemeral key) to an AES-256 key, AES-GCM over the key
 * material. JDK crypto only.
 */
final class KeyTransport {
    private static final byte[] INFO = "gridlet key release v1".getBytes(StandardCharsets.UTF_8);

    private KeyTransport() {
    }

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static PublicKey publicKey(byte[] x509) throws GeneralSecurityException {
        return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(x509));
    }

    static ReleasedKeys seal(Map<Integer, byte[]> keys, PublicKey runtime) throws GeneralSecurityException {
        KeyPair ephemeral = newKeyPair();
        byte[] salt = ephemeral.getPublic().getEncoded();
        byte[] wrapKey = derive(ephemeral.getPrivate(), runtime, salt);
        ByteBuffer plain = ByteBuffer.allocate(4 + keys.size() * 33);
        plain.putInt(keys.size());
        keys.forEach((id, bytes) -> plain.put((byte) (int) id).put(bytes));
        byte[] nonce = new byte[12];
        new SecureRandom().nextBytes(nonce);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(wrapKey, "AES"), new GCMParameterSpec(128, nonce));
        c.updateAAD(salt);
        byte[] sealed = c.doFinal(plain.array());
        Arrays.fill(plain.array(), (byte) 0);
        Arrays.fill(wrapKey, (byte) 0);
        return new ReleasedKeys(salt, nonce, sealed);
    }

    static Map<Integer, byte[]> open(ReleasedKeys released, PrivateKey runtime) throws GeneralSecurityException {
        byte[] wrapKey = derive(runtime, publicKey(released.brokerKey()), released.brokerKey());
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(wrapKey, "AES"), new GCMParameterSpec(128, released.nonce()));
        c.updateAAD(released.brokerKey());
        ByteBuffer plain = ByteBuffer.wrap(c.doFinal(released.sealedKeys()));
        Arrays.fill(wrapKey, (byte) 0);
        if (plain.remaining() < 4) throw new GeneralSecurityException("malformed keys");
        int n = plain.getInt();
        if (n < 1 || n > 255 || plain.remaining() != n * 33) throw new GeneralSecurityException("malformed keys");
        Map<Integer, byte[]> keys = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            int id = plain.get() & 0xff;
            byte[] k = new byte[32];
            plain.get(k);
            keys.put(id, k);
        }
        return keys;
    }

    private static byte[] derive(PrivateKey mine, PublicKey theirs, byte[] salt) throws GeneralSecurityException {
        KeyAgreement ka = KeyAgreement.getInstance("ECDH");
        ka.init(mine);
        ka.doPhase(theirs, true);
        byte[] shared = ka.generateSecret();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salt, "HmacSHA256"));
        byte[] prk = mac.doFinal(shared);                       // HKDF-Extract
        Arrays.fill(shared, (byte) 0);
        mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        mac.update(INFO);
        mac.update((byte) 1);
        byte[] okm = mac.doFinal();                             // HKDF-Expand, one block = 32 bytes
        Arrays.fill(prk, (byte) 0);
        return okm;
    }
}
