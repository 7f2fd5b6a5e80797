package io.gridlet.enclave;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gridlet.core.model.HouseSet;
import io.gridlet.core.model.Measurement;
import io.gridlet.enclave.attestation.Attestation;
import io.gridlet.enclave.attestation.HostileBroker;
import io.gridlet.enclave.attestation.KeyBroker;
import io.gridlet.enclave.attestation.KeyReleaseException;
import io.gridlet.enclave.attestation.ReleasedKeys;
import io.gridlet.enclave.attestation.SoftwareRuntime;
import io.gridlet.enclave.attestation.TrustedRuntime;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.ReadingKeys;
import io.gridlet.enclave.sealing.MeterIdentity;
import io.gridlet.enclave.sealing.MeterSealer;
import io.gridlet.enclave.sealing.ReadingOpener;
import io.gridlet.enclave.sealing.ReadingSuite;
import io.gridlet.enclave.sealing.SealException;
import io.gridlet.enclave.sealing.SealedBlock;
import io.gridlet.enclave.sealing.SealedReadingFile;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What reaches the trusted boundary from outside it, fuzzed with Jazzer (coverage-guided, for a few seconds in every
 * build: JAZZER_FUZZ=1 is set for this module's tests). Jazzer fuzzes one test per JVM, so this one test takes every
 * decoder here; the first value it consumes picks one. Where the bytes are laid out (rather than raw), they are
 * signed or sealed with the keys a legitimate sender would hold, so the fuzzer gets past the signature or the tag to
 * what is decoded behind it. The contracts:
 * <ul>
 *   <li>The key broker ({@code gridlet.keys.v1.KeyBroker/Release}, {@code KeyBrokerService}): an attestation that does not
 *       decode is an IllegalArgumentException (INVALID_ARGUMENT), one that is refused a {@link KeyReleaseException}
 *       (PERMISSION_DENIED), nothing else; keys are released only for an attestation by the trusted signer, of a
 *       software runtime, over a nonce the broker issued and not used before, dated within the broker's maximum
 *       age of its clock, of an allowed measurement, and they open with the runtime's key. What decodes survives
 *       encode/decode (re-encodes to its bytes unless the decoder replaced invalid UTF-8 in a name).</li>
 *   <li>The runtime's side, what a broker releases ({@link ReleasedKeys#decode}, {@link TrustedRuntime#receiveAll}):
 *       IllegalArgumentException only, also when the broker seals malformed key material to the runtime's key;
 *       what opens is the key material that was sealed.</li>
 *   <li>A sealed reading ({@link SealedBlock#readFrom}, from a meter's batch through the log): an IOException or a
 *       {@link SealException} only; {@link SealedBlock#clearTimestamp} never throws, and gives a reading's own
 *       timestamp; a reading re-encodes to the bytes it was read from; {@link ReadingOpener#open}: a SealException
 *       only, and what opens was sealed by the meter it names, with its timestamp, for one of its houses. A file of sealed readings
 *       ({@link SealedReadingFile}): an IOException only.</li>
 * </ul>
 */
class EnclaveFuzzTest {
    static final long NOW = 1_700_000_000_000L;
    static final long MAX_AGE = 60_000;
    static final String SIGNER = "deploy-1";
    static final KeyPair SIGNING = ecKeyPair("secp256r1");
    static final KeyRing RING = KeyRing.generate();
    static final byte[] ROUTING = bytes(32, 7);
    static final ReadingKeys READING_KEYS = ReadingKeys.generate();
    static final MeterIdentity METER = new MeterIdentity("meter-1", HouseSet.parse("0-1"));
    /** The meter's epochs 0..3, as it sets them up. */
    static final ReadingSuite.Sending[] EPOCHS = new ReadingSuite.Sending[4];

    static {
        for (int e = 0; e < EPOCHS.length; e++) {
            EPOCHS[e] = ReadingSuite.send(ReadingSuite.publicKey(READING_KEYS.ingestPublic()),
                    READING_KEYS.meters().keyPair(METER), METER.text(), e);
        }
    }

    static final SoftwareRuntime RUNTIME = new SoftwareRuntime(List.of(MeterSealer.class), SIGNER,
            SIGNING.getPrivate(), () -> NOW);
    static final byte[] MEASUREMENT = RUNTIME.measurement();
    static final byte[] RUNTIME_KEY = RUNTIME.attest(new byte[32]).runtimeKey();
    /** A well-formed EC key on another curve: it parses, and key agreement with it fails. */
    static final byte[] P384_KEY = ecKeyPair("secp384r1").getPublic().getEncoded();
    static final HostileBroker BROKER = new HostileBroker(RUNTIME_KEY);

    @FuzzTest(maxDuration = "5s")
    // Jazzer passes it to libFuzzer as the timeout of one input (a hang is a finding, not a stalled build);
    // JUnit applies it to the whole fuzzing run too: keep maxDuration well under it.
    @Timeout(30)
    @DictionaryEntries({"\u0000\u0000\u0000\u0000", "\u0000\u0000\u0000\u0001", "\u0000\u0000\u0000\u0008",
            "\u0000\u0000\u0000\u0020", "\u0000\u0000\u0000\u0040", "\u0000\u0000\u0004\u0000",
            "\u0000\u0001\u0000\u0000", "\u0000\u0010", "\u0001", "\u0001\u0001", "software", "deploy-1", "sgx-gramine",
            "GRIDSEAL\u0001"})
    void whatReachesTheBoundaryFailsOnlyAsDocumented(FuzzedDataProvider data) {
        switch (data.consumeInt(0, 3)) {
            case 0 -> attestation(data);
            case 1 -> released(data);
            case 2 -> sealedReading(data);
            default -> sealedFile(data);
        }
    }

    // ---- the key broker ----

    static void attestation(FuzzedDataProvider data) {
        KeyBroker broker = new KeyBroker(RING, Map.of(SIGNER, new KeyBroker.Signer(SoftwareRuntime.KIND,
                SIGNING.getPublic())), Set.of(HexFormat.of().formatHex(MEASUREMENT)), () -> NOW, MAX_AGE);
        if (data.consumeBoolean()) broker.releasingRouting(ROUTING);
        List<String> issued = new ArrayList<>();
        byte[] bytes;
        boolean signed = false;
        if (data.consumeBoolean()) {
            bytes = data.consumeRemainingAsBytes();
        } else { // laid out as a runtime attests: fields near what the broker wants, or not
            String kind = data.pickValue(new String[] {SoftwareRuntime.KIND, "sgx-gramine", data.consumeString(8)});
            byte[] measurement = data.consumeBoolean() ? MEASUREMENT : data.consumeBytes(data.consumeInt(0, 65));
            byte[] nonce = data.consumeBoolean() ? challenge(broker, issued)
                    : data.consumeBytes(data.consumeInt(0, 65));
            if (data.consumeBoolean()) challenge(broker, issued); // another one, outstanding
            long issuedAt = NOW + (data.consumeBoolean() ? data.consumeLong(-2 * MAX_AGE, 2 * MAX_AGE)
                    : data.consumeLong());
            byte[] runtimeKey = switch (data.consumeInt(0, 3)) {
                case 0 -> RUNTIME_KEY;
                case 1 -> P384_KEY;
                case 2 -> changed(RUNTIME_KEY, data);
                default -> data.consumeBytes(data.consumeInt(0, 1025));
            };
            String signer = data.consumeBoolean() ? SIGNER : data.consumeString(8);
            Attestation a = new Attestation(kind, measurement, nonce, issuedAt, runtimeKey, signer, new byte[0]);
            signed = data.consumeBoolean();
            a = a.withSignature(signed ? sign(a.signedBytes()) : data.consumeBytes(data.consumeInt(0, 80)));
            bytes = a.encode();
            if (data.consumeBoolean()) {
                bytes = changed(bytes, data);
                signed = false;
            }
        }
        Attestation a;
        try {
            a = Attestation.decode(bytes);
        } catch (IllegalArgumentException e) {
            return;
        } catch (Throwable t) {
            throw escaped("Attestation.decode", "an IllegalArgumentException", t);
        }
        check(Attestation.decode(a.encode()).equals(a), "an attestation does not survive encode/decode: " + a);
        check(Arrays.equals(a.encode(), bytes) || (a.kind() + a.signer()).indexOf('\uFFFD') >= 0,
                "an attestation does not re-encode to its bytes: " + a);
        for (int attempt = 0; attempt < 2; attempt++) { // the second: the nonce is used
            ReleasedKeys released;
            try {
                released = broker.release(a);
            } catch (KeyReleaseException e) {
                continue;
            } catch (Throwable t) {
                throw escaped("KeyBroker.release", "a KeyReleaseException", t);
            }
            check(attempt == 0, "keys released twice for one nonce");
            check(signed, "keys released for an attestation the trusted signer did not sign: " + a);
            check(a.kind().equals(SoftwareRuntime.KIND) && a.signer().equals(SIGNER), "keys released for " + a);
            check(Arrays.equals(a.measurement(), MEASUREMENT), "keys released for another measurement: " + a);
            check(a.issuedAtMillis() >= NOW - MAX_AGE && a.issuedAtMillis() <= NOW + MAX_AGE, "keys released for an"
                    + " attestation dated " + a.issuedAtMillis() + ", " + (a.issuedAtMillis() - NOW)
                    + " ms from the broker's clock " + NOW + " (maximum age: " + MAX_AGE + " ms)");
            check(issued.contains(HexFormat.of().formatHex(a.nonce())), "keys released for a nonce never issued");
            if (Arrays.equals(a.runtimeKey(), RUNTIME_KEY)) {
                TrustedRuntime.Keys keys = RUNTIME.receiveAll(released);
                check(sameMaterial(keys.ring().material(), RING.material()), "the released keys are not the ring's");
            }
        }
    }

    private static byte[] challenge(KeyBroker broker, List<String> issued) {
        byte[] nonce = broker.challenge();
        issued.add(HexFormat.of().formatHex(nonce));
        return nonce;
    }

    // ---- the runtime, receiving what a broker released ----

    static void released(FuzzedDataProvider data) {
        byte[] bytes;
        Map<Integer, byte[]> sealed = null; // the key material sealed, when it is well-formed
        if (data.consumeBoolean()) {
            bytes = data.consumeRemainingAsBytes();
        } else { // sealed to the runtime's key as a broker does, the key material well-formed or not
            byte[] plain;
            if (data.consumeBoolean()) {
                int n = data.consumeInt(0, 4);
                ByteBuffer b = ByteBuffer.allocate(4 + 33 * n).putInt(n);
                Map<Integer, byte[]> keys = new TreeMap<>();
                for (int i = 0; i < n; i++) {
                    int id = data.consumeInt(0, 3);
                    byte[] k = Arrays.copyOf(data.consumeBytes(32), 32);
                    b.put((byte) id).put(k);
                    keys.put(id, k);
                }
                plain = b.array();
                sealed = keys;
            } else {
                plain = data.consumeBytes(data.consumeInt(0, 80));
            }
            byte[] nonce = data.consumeBoolean() ? bytes(12, data.consumeInt(0, 255))
                    : Arrays.copyOf(data.consumeBytes(16), data.consumeInt(1, 16)); // (GCM takes any length but 0)
            bytes = BROKER.release(nonce, plain).encode();
            if (data.consumeBoolean()) {
                bytes = changed(bytes, data);
                sealed = null;
            }
        }
        ReleasedKeys r;
        try {
            r = ReleasedKeys.decode(bytes);
        } catch (IllegalArgumentException e) {
            return;
        } catch (Throwable t) {
            throw escaped("ReleasedKeys.decode", "an IllegalArgumentException", t);
        }
        check(Arrays.equals(r.encode(), bytes), "released keys do not re-encode to their bytes");
        TrustedRuntime.Keys keys;
        try {
            keys = RUNTIME.receiveAll(r);
        } catch (IllegalArgumentException e) {
            return;
        } catch (Throwable t) {
            throw escaped("SoftwareRuntime.receiveAll", "an IllegalArgumentException", t);
        }
        check(keys.ring() != null, "keys without a ring");
        if (sealed != null) {
            Map<Integer, byte[]> expected = new TreeMap<>(sealed);
            byte[] routing = expected.remove(0);
            check(sameMaterial(keys.ring().material(), expected), "the ring is not the key material sealed");
            check((routing == null) == (keys.routing() == null), "a routing key where none was sealed, or none");
        }
    }

    // ---- sealed readings ----

    static void sealedReading(FuzzedDataProvider data) {
        byte[] bytes = data.consumeBoolean() ? data.consumeRemainingAsBytes() : sealedLayout(data);
        long clear;
        try {
            clear = SealedBlock.clearTimestamp(bytes);
        } catch (Throwable t) {
            throw escaped("SealedBlock.clearTimestamp", "nothing (-1 when it cannot tell)", t);
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        SealedBlock s;
        try {
            s = SealedBlock.readFrom(in);
        } catch (IOException e) {
            return;
        } catch (SealException e) {
            check(e.reason() == SealException.Reason.MALFORMED, "reading a sealed reading failed: " + e.reason());
            return;
        } catch (Throwable t) {
            throw escaped("SealedBlock.readFrom", "an IOException or a SealException", t);
        }
        int read = bytes.length - available(in);
        check(clear == (s.count() == 1 ? s.timestamp() : -1), "clearTimestamp says " + clear + " of " + s);
        check(SealedBlock.clearCount(bytes) == s.count(), "clearCount says otherwise of " + s);
        byte[] again = write(s::writeTo);
        check(Arrays.equals(again, Arrays.copyOf(bytes, read)) && Arrays.equals(again, s.toBytes()),
                "a sealed block does not re-encode to its bytes");
        List<ReadingOpener.Opened> opened;
        try {
            opened = READING_KEYS.opener().open(s);
        } catch (SealException e) {
            return;
        } catch (Throwable t) {
            throw escaped("ReadingOpener.open", "a SealException", t);
        }
        check(opened.size() == s.count(), "opened " + opened.size() + " readings of " + s);
        for (int i = 0; i < opened.size(); i++) {
            ReadingOpener.Opened o = opened.get(i);
            check(o.reading().timestamp() == s.timestamps()[i] && o.meter().equals(METER)
                    && s.meter().equals(METER.text()) && METER.houses().contains(o.reading().houseId())
                    && o.epoch() == s.epoch() && o.seq() == s.seq() + i,
                    "opened a reading that is not the meter's own, or not as its clear fields say: " + o + ", " + s);
        }
    }

    static void sealedFile(FuzzedDataProvider data) {
        byte[] bytes;
        if (data.consumeBoolean()) {
            bytes = data.consumeRemainingAsBytes();
        } else {
            int n = data.consumeInt(0, 3);
            bytes = write(out -> {
                out.write("GRIDSEAL".getBytes(StandardCharsets.US_ASCII));
                out.writeByte(data.consumeInt(0, 7) == 0 ? data.consumeInt(0, 255) : SealedReadingFile.VERSION);
                for (int i = 0; i < n; i++) out.write(sealedLayout(data));
            });
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        try {
            SealedReadingFile.readHeader(in);
            for (int records = 0; SealedReadingFile.next(in) != null; records++) {
                check(records < bytes.length, "more records than bytes: the reader does not move on");
            }
        } catch (IOException e) {
            // refused as it should be
        } catch (AssertionError e) {
            throw e;
        } catch (Throwable t) {
            throw escaped("SealedReadingFile", "an IOException", t);
        }
    }

    /**
     * A sealed block as a meter writes one: its identity (or other text), an epoch and sequence number, the
     * epoch's encapsulated key (or other bytes), a count (mostly 1) and the timestamps, and a ciphertext sealed
     * under the epoch's key (or not) over readings laid out as {@link Measurement#writeTo} does (their timestamps
     * the clear ones, or not; of one of the meter's houses, or not), or over other bytes; maybe changed after.
     */
    private static byte[] sealedLayout(FuzzedDataProvider data) {
        byte[] id = (data.consumeBoolean() ? METER.text() : data.consumeString(data.consumeInt(0, 40)))
                .getBytes(StandardCharsets.UTF_8);
        int epoch = data.consumeInt(0, EPOCHS.length - 1);
        long seq = data.consumeLong(0, 3);
        int count = data.consumeInt(0, 7) == 0 ? data.consumeInt(0, 3) : 1;
        long[] timestamps = new long[count];
        for (int i = 0; i < count; i++) timestamps[i] = data.consumeLong(-1, 1L << 32);
        byte[] enc = data.consumeBoolean() ? EPOCHS[epoch].enc() : Arrays.copyOf(data.consumeBytes(32), 32);
        byte[] plain = !data.consumeBoolean() ? data.consumeBytes(data.consumeInt(0, 64 * count)) : write(out -> {
            for (long timestamp : timestamps) {
                out.writeLong(data.consumeLong());
                out.writeLong(data.consumeBoolean() ? timestamp : data.consumeLong());
                out.writeLong(data.consumeLong(-1, Measurement.MAX_LOAD_MILLIWATTS + 1));
                out.writeByte(data.consumeInt(-1, 2));
                out.writeLong(data.consumeLong(0, 3));
                out.writeLong(data.consumeLong(0, 3));
                out.writeLong(data.consumeLong(0, 3));
            }
        });
        byte[] header = write(out -> {
            out.writeByte(data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 255) : SealedBlock.VERSION);
            out.writeByte(data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 255) : id.length);
            out.write(id);
            out.writeLong(epoch);
            out.write(enc);
            out.writeLong(seq);
            out.writeShort(data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 0xffff) : count);
            for (long timestamp : timestamps) out.writeLong(timestamp);
        });
        byte[] ciphertext = data.consumeBoolean()
                ? gcm(EPOCHS[epoch].key().getEncoded(), ReadingSuite.nonce(seq), header, plain)
                : data.consumeBytes(data.consumeInt(0, 80 * Math.max(1, count)));
        byte[] bytes = write(out -> {
            out.write(header);
            out.write(ciphertext);
        });
        return data.consumeInt(0, 7) == 0 ? changed(bytes, data) : bytes;
    }

    // ---- helpers ----

    /** {@code b} changed: one byte of it, or cut short, or with bytes added (never the same bytes). */
    private static byte[] changed(byte[] b, FuzzedDataProvider data) {
        int how = b.length == 0 ? 2 : data.consumeInt(0, 2);
        return switch (how) {
            case 0 -> {
                byte[] c = b.clone();
                c[data.consumeInt(0, c.length - 1)] ^= (byte) data.consumeInt(1, 255);
                yield c;
            }
            case 1 -> Arrays.copyOf(b, data.consumeInt(0, b.length - 1));
            default -> {
                byte[] more = data.consumeBytes(data.consumeInt(1, 8));
                byte[] c = Arrays.copyOf(b, b.length + Math.max(1, more.length));
                System.arraycopy(more, 0, c, b.length, more.length);
                yield c;
            }
        };
    }

    private static boolean sameMaterial(Map<Integer, byte[]> a, Map<Integer, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) return false;
        for (Map.Entry<Integer, byte[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) return false;
        }
        return true;
    }

    private static byte[] sign(byte[] signedBytes) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(SIGNING.getPrivate());
            s.update(signedBytes);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] gcm(byte[] key, byte[] nonce, byte[] aad, byte[] plain) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(aad);
            return c.doFinal(plain);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair ecKeyPair(String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(curve));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (seed + 31 * i);
        return b;
    }

    private static int available(DataInputStream in) {
        try {
            return in.available();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Layout {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Layout layout) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            layout.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void check(boolean holds, String what) {
        if (!holds) throw new AssertionError(what);
    }

    private static AssertionError escaped(String decoder, String allowed, Throwable t) {
        return new AssertionError(decoder + " may throw " + allowed + ", got " + t, t);
    }
}
