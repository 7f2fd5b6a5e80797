package io.gridlet.enclave.sealing;

import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.hpke.HPKEContext;
import org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * How a meter seals readings to the trusted boundary, in one place for both ends: HPKE (RFC 9180, Bouncy Castle) in
 * auth mode with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and the export-only AEAD. Once per sealing epoch (a meter's
 * run) the meter sets up a context to the boundary's ingest public key, authenticated with its own key pair, with
 * its identity and epoch as the info; the context's exported secret is an AES-256 key, and each reading is sealed
 * with AES-256-GCM under it with the nonce {@code 0^32 || seq} (the epoch's sequence number, never repeated within
 * an epoch, and every epoch has its own key: no random nonces, no birthday bound). Only the boundary (with the
 * ingest private key) can open; it opens a meter's readings only with the public key derived for that meter's
 * identity, so a meter cannot seal as another.
 */
public final class ReadingSuite {
    /** Bytes of an X25519 public or private key, and of the encapsulated key a sealed reading carries. */
    public static final int KEY_BYTES = 32;
    private static final byte[] EXPORT = "gridlet reading key v2".getBytes(StandardCharsets.UTF_8);
    private static final HPKE AUTH = new HPKE(HPKE.mode_auth, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256,
            HPKE.aead_EXPORT_ONLY);

    private ReadingSuite() {
    }

    /** A fresh X25519 key pair. */
    public static AsymmetricCipherKeyPair generateKeyPair() {
        return AUTH.generatePrivateKey();
    }

    /** The X25519 key pair derived from {@code ikm} (at least 32 bytes of secret), RFC 9180 DeriveKeyPair. */
    public static AsymmetricCipherKeyPair deriveKeyPair(byte[] ikm) {
        if (ikm.length < KEY_BYTES) throw new IllegalArgumentException("at least 32 bytes of key material");
        return AUTH.deriveKeyPair(ikm);
    }

    public static byte[] publicBytes(AsymmetricCipherKeyPair pair) {
        return AUTH.serializePublicKey(pair.getPublic());
    }

    public static byte[] privateBytes(AsymmetricCipherKeyPair pair) {
        return AUTH.serializePrivateKey(pair.getPrivate());
    }

    /** The public key of an X25519 private key. */
    public static byte[] publicOf(byte[] privateBytes) {
        if (privateBytes.length != KEY_BYTES) throw new IllegalArgumentException("an X25519 private key is 32 bytes");
        return new X25519PrivateKeyParameters(privateBytes, 0).generatePublicKey().getEncoded();
    }

    public static AsymmetricKeyParameter publicKey(byte[] bytes) {
        if (bytes.length != KEY_BYTES) throw new IllegalArgumentException("an X25519 public key is 32 bytes");
        return AUTH.deserializePublicKey(bytes);
    }

    public static AsymmetricCipherKeyPair keyPair(byte[] privateBytes, byte[] publicBytes) {
        if (privateBytes.length != KEY_BYTES || publicBytes.length != KEY_BYTES) {
            throw new IllegalArgumentException("an X25519 key pair is 32 + 32 bytes");
        }
        return AUTH.deserializePrivateKey(privateBytes, publicBytes);
    }

    /** The meter's end of an epoch: its encapsulated key (sent with each reading) and the epoch's reading key. */
    public record Sending(byte[] enc, SecretKey key) {
    }

    /** Sets up a meter's epoch (what {@link MeterSealer} does once). */
    public static Sending send(AsymmetricKeyParameter ingest, AsymmetricCipherKeyPair meter, String identity,
                               long epoch) {
        HPKEContextWithEncapsulation ctx = AUTH.setupAuthS(ingest, info(identity, epoch), meter);
        return new Sending(ctx.getEncapsulation(), aes(ctx.export(EXPORT, KEY_BYTES)));
    }

    /**
     * The boundary's end: the epoch's reading key, from the encapsulated key, the boundary's ingest key pair and
     * the meter's public key. A wrong meter key, identity or epoch gives another key, under which nothing opens.
     */
    static SecretKey receive(byte[] enc, AsymmetricCipherKeyPair ingest, AsymmetricKeyParameter meter,
                             String identity, long epoch) {
        HPKEContext ctx = AUTH.setupAuthR(enc, ingest, info(identity, epoch), meter);
        return aes(ctx.export(EXPORT, KEY_BYTES));
    }

    /** The nonce of reading {@code seq} of an epoch. */
    public static byte[] nonce(long seq) {
        return ByteBuffer.allocate(SealedBlock.NONCE_BYTES).putInt(0).putLong(seq).array();
    }

    /** Fresh random bytes, e.g. for secrets an owner makes. */
    public static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static byte[] info(String identity, long epoch) {
        byte[] id = identity.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(20 + id.length + Long.BYTES).put("gridlet readings v2 ".getBytes(
                StandardCharsets.US_ASCII)).put(id).putLong(epoch).array();
    }

    private static SecretKey aes(byte[] material) {
        SecretKey k = new SecretKeySpec(material, "AES");
        Arrays.fill(material, (byte) 0);
        return k;
    }
}
