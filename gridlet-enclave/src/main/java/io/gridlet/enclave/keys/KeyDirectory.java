package io.gridlet.enclave.keys;

import io.gridlet.enclave.attestation.CodeMeasurement;
import io.gridlet.enclave.attestation.KeyBroker;
import io.gridlet.enclave.attestation.KeyReleaseException;
import io.gridlet.enclave.attestation.SoftwareRuntime;
import io.gridlet.enclave.attestation.TrustedRuntime;
import io.gridlet.enclave.sealing.MeterIdentity;
import io.gridlet.enclave.sealing.ReadingSuite;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The data owner's keys in one directory (owner-only files): {@code data.keys} (the key ring: lines
 * {@code id base64-key}, the highest id current), {@code routing.key} (the pseudonyms' key), {@code readings.key}
 * (what opens meters' sealed readings: the ingest key pair and the meter master key, {@link ReadingKeys}),
 * {@code results.key} (the results master key, from which each house's result key is derived, {@link ResultMaster}),
 * {@code allowlist} (hex code measurements the broker releases keys to), and the software runtime's attestation key
 * pair ({@code runtime.key}, {@code runtime.pub}) the broker trusts. Only the owner and the key broker read it;
 * each role gets a file of its own ({@link #meterKeyFile}).
 *
 * <p>{@link #release} plays both ends on one machine: the owner's broker and the software runtime, talking the
 * real protocol (nonce, attestation, measurement checked against the allowlist, data keys and routing key sealed
 * to the runtime's ephemeral key). Nothing here isolates the runtime from the machine's owner: see {@link SoftwareRuntime}.
 */
public final class KeyDirectory {
    private static final String DATA = "data.keys", ROUTING = "routing.key", READINGS = "readings.key",
            RESULTS = "results.key",
            ALLOW = "allowlist", RUNTIME_PRIVATE = "runtime.key", RUNTIME_PUBLIC = "runtime.pub",
            READINGS_HEADER = "# gridlet reading keys (owner only)",
            RUNTIME_HEADER = "# gridlet software runtime signing key (for the platform that runs the job)";
    /** The name the owner's broker knows the software runtime's attestation key by. */
    public static final String SIGNER = "local-software-runtime";

    private final Path dir;
    private final KeyRing ring;
    private final byte[] routingKey;
    private final Pseudonyms routing;
    private final ReadingKeys readings;
    private final byte[] resultsMaster;

    private KeyDirectory(Path dir, KeyRing ring, byte[] routingKey, ReadingKeys readings, byte[] resultsMaster) {
        this.dir = dir;
        this.ring = ring;
        this.routingKey = routingKey.clone();
        this.routing = new Pseudonyms(routingKey);
        this.readings = readings;
        this.resultsMaster = resultsMaster.clone();
    }

    /**
     * Makes a new directory of keys, allowing the code of {@code operatorCode}'s modules (every class of them:
     * {@link CodeMeasurement#ofModules}); refuses to overwrite.
     */
    public static KeyDirectory create(Path dir, List<Class<?>> operatorCode) throws IOException {
        if (Files.exists(dir.resolve(DATA))) throw new IOException(dir + " already holds keys (" + DATA + ")");
        Files.createDirectories(dir);
        KeyRing ring = KeyRing.generate();
        writeRing(dir, ring);
        byte[] routingKey = new byte[32];
        new SecureRandom().nextBytes(routingKey);
        write(dir.resolve(ROUTING), Base64.getEncoder().encodeToString(routingKey) + "\n");
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = g.generateKeyPair();
            write(dir.resolve(RUNTIME_PRIVATE), Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
            write(dir.resolve(RUNTIME_PUBLIC), Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 in this JDK", e);
        }
        ReadingKeys readings = ReadingKeys.generate();
        Base64.Encoder b64 = Base64.getEncoder();
        write(dir.resolve(READINGS), READINGS_HEADER
                + "\ningest-private " + b64.encodeToString(readings.ingestPrivate())
                + "\ningest-public " + b64.encodeToString(readings.ingestPublic())
                + "\nmeter-master " + b64.encodeToString(readings.meterMaster()) + "\n");
        byte[] resultsMaster = ReadingSuite.randomBytes(32);
        write(dir.resolve(RESULTS), b64.encodeToString(resultsMaster) + "\n");
        write(dir.resolve(ALLOW), HexFormat.of().formatHex(CodeMeasurement.ofModules(operatorCode)) + "\n");
        return new KeyDirectory(dir, ring, routingKey, readings, resultsMaster);
    }

    public static KeyDirectory load(Path dir) throws IOException {
        if (!Files.exists(dir.resolve(DATA))) {
            throw new IOException(dir + " holds no keys (no " + DATA + "); make them with gridlet keys --init");
        }
        Map<Integer, byte[]> keys = new TreeMap<>();
        for (String line : Files.readAllLines(dir.resolve(DATA))) {
            if (line.isBlank()) continue;
            String[] f = line.trim().split("\\s+");
            if (f.length != 2) throw new IOException(dir.resolve(DATA) + ": expected 'id key', got '" + line + "'");
            try {
                keys.put(Integer.parseInt(f[0]), Base64.getDecoder().decode(f[1]));
            } catch (IllegalArgumentException e) { // a number or base64 that does not parse
                throw new IOException(dir.resolve(DATA) + ": expected 'id key', got '" + line + "'");
            }
        }
        byte[] routingKey;
        try {
            routingKey = Base64.getDecoder().decode(Files.readString(dir.resolve(ROUTING)).trim());
        } catch (IllegalArgumentException e) {
            throw new IOException(dir.resolve(ROUTING) + ": not base64");
        }
        if (!Files.exists(dir.resolve(READINGS))) {
            throw new IOException(dir + " has no " + READINGS + ": it was made by an older gridlet, whose meters "
                    + "sealed with the owner's data keys; make a new key directory with gridlet keys --init");
        }
        Map<String, String> r = KeyFiles.readFields(dir.resolve(READINGS), READINGS_HEADER, "the owner's reading keys");
        ReadingKeys readings;
        try {
            readings = new ReadingKeys(KeyFiles.base64(r, "ingest-private"), KeyFiles.base64(r, "ingest-public"),
                    KeyFiles.base64(r, "meter-master"));
        } catch (IllegalArgumentException e) {
            throw new IOException(dir.resolve(READINGS) + ": " + e.getMessage());
        }
        if (!Files.exists(dir.resolve(RESULTS))) {
            throw new IOException(dir + " has no " + RESULTS + ": it was made by an older gridlet; make a new key "
                    + "directory with gridlet keys --init");
        }
        byte[] resultsMaster;
        try {
            resultsMaster = Base64.getDecoder().decode(Files.readString(dir.resolve(RESULTS)).trim());
        } catch (IllegalArgumentException e) {
            throw new IOException(dir.resolve(RESULTS) + ": not base64");
        }
        if (resultsMaster.length != 32) throw new IOException(dir.resolve(RESULTS) + ": not a 32-byte key");
        return new KeyDirectory(dir, KeyRing.of(keys), routingKey, readings, resultsMaster);
    }

    /** The owner's key ring (to seal readings with). */
    public KeyRing ring() {
        return ring;
    }

    public Pseudonyms routing() {
        return routing;
    }

    /** The keys that open meters' readings (the boundary's; released to attested runtimes only). */
    public ReadingKeys readings() {
        return readings;
    }

    /** Every house's result keys (the owner opens any result with them). */
    public ResultMaster results() {
        return new ResultMaster(resultsMaster);
    }

    /**
     * An analyst's keys, for the owner to hand out: the result keys of {@code houses} only.
     *
     * @throws IllegalArgumentException for a name that is not one, or more than {@link AnalystKeyFile#MAX_HOUSES}
     */
    public AnalystKeyFile analystKeyFile(String name, List<Long> houses) {
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("an analyst name is 1 to 64 of A-Z a-z 0-9 . _ -, got '" + name + "'");
        }
        if (houses.size() > AnalystKeyFile.MAX_HOUSES) {
            throw new IllegalArgumentException("more than " + AnalystKeyFile.MAX_HOUSES + " houses");
        }
        return AnalystKeyFile.make(name, houses, results());
    }

    /** A meter's keys, for the owner to hand to that meter: they seal as it, and open nothing. */
    public MeterKeyFile meterKeyFile(MeterIdentity meter) {
        AsymmetricCipherKeyPair pair = readings.meters().keyPair(meter);
        return new MeterKeyFile(meter, ReadingSuite.privateBytes(pair), ReadingSuite.publicBytes(pair),
                readings.ingestPublic());
    }

    /** Code measurements the broker releases keys to (hex). */
    public Set<String> allowlist() throws IOException {
        Set<String> allowed = new LinkedHashSet<>();
        for (String line : Files.readAllLines(dir.resolve(ALLOW))) if (!line.isBlank()) allowed.add(line.trim());
        return allowed;
    }

    /**
     * A new current data key (for state, checkpoints and spill sealed from now on); the older ones stay, so what
     * they sealed still opens. Returns the new key's id.
     */
    public int rotate() throws IOException {
        // one rotation at a time: under the directory's lock, from the ring as the file holds it now
        try (FileChannel lock = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = lock.lock()) {
            KeyRing now = load(dir).ring;
            int id = now.rotate();
            writeRing(dir, now);
            return id; // (this object's ring is as it was loaded: load the directory again to use the new key)
        }
    }

    private static void writeRing(Path dir, KeyRing ring) throws IOException {
        StringBuilder keys = new StringBuilder();
        ring.material().forEach((id, key) -> keys.append(id).append(' ')
                .append(Base64.getEncoder().encodeToString(key)).append('\n'));
        write(dir.resolve(DATA), keys.toString());
    }

    /** Adds a measurement (hex) to the allowlist: the owner approves new operator code. */
    public void allow(String measurementHex) throws IOException {
        Set<String> allowed = allowlist();
        allowed.add(HexFormat.of().formatHex(HexFormat.of().parseHex(measurementHex)));
        write(dir.resolve(ALLOW), String.join("\n", allowed) + "\n");
    }

    /**
     * The owner's key broker: it trusts the software runtime's attestation key, releases to the allowlisted code
     * the data keys, the routing key, the reading keys and the results master key.
     */
    public KeyBroker broker() throws IOException {
        PublicKey verify;
        try {
            verify = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(
                    Files.readString(dir.resolve(RUNTIME_PUBLIC)).trim())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("the runtime public key in " + dir + " does not load: " + e.getMessage(), e);
        }
        return new KeyBroker(ring, Map.of(SIGNER, new KeyBroker.Signer(SoftwareRuntime.KIND, verify)),
                allowlist(), System::currentTimeMillis, 60_000).releasingRouting(routingKey)
                .releasingReadings(readings).releasingResults(resultsMaster);
    }

    /**
     * The software runtime's attestation signing key, as a platform that runs the job elsewhere needs it
     * ({@code gridlet keys runtime}); with it the platform can attest to any code, so the allowlist is what keeps
     * keys from other code.
     */
    public void writeRuntimeKey(Path file) throws IOException {
        write(file, RUNTIME_HEADER + "\n" + Files.readString(dir.resolve(RUNTIME_PRIVATE)).trim() + "\n");
    }

    /** Whether {@code dir} holds an owner's keys (which only the owner and the key broker use). */
    public static boolean isOwnerDirectory(Path dir) {
        return Files.exists(dir.resolve(DATA));
    }

    /** An EC private key written base64 (PKCS#8), as the runtime's key is kept; {@code what} names it in errors. */
    private static PrivateKey ecPrivateKey(String base64, String what) throws IOException {
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder()
                    .decode(base64.strip())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(what + " does not load: " + e.getMessage(), e);
        }
    }

    /** A runtime signing key written by {@link #writeRuntimeKey}; an IOException says what is wrong. */
    public static PrivateKey readRuntimeKey(Path file) throws IOException {
        List<String> lines = Files.isRegularFile(file) ? Files.readAllLines(file) : List.of();
        if (lines.size() < 2 || !lines.get(0).strip().equals(RUNTIME_HEADER)) {
            throw new IOException(file + " is not a runtime key (gridlet keys runtime)");
        }
        return ecPrivateKey(lines.get(1), file + ": the runtime key");
    }

    /** A software runtime measuring the modules of {@code operatorCode}, attesting with {@code signing}. */
    public static SoftwareRuntime runtime(List<Class<?>> operatorCode, PrivateKey signing) {
        return new SoftwareRuntime(CodeMeasurement.ofModules(operatorCode), SIGNER, signing,
                System::currentTimeMillis);
    }

    /**
     * Releases the keys to a software runtime running {@code operatorCode}, through the owner's broker, and
     * registers them in {@link TrustedKeys} under {@code name}.
     *
     * @throws KeyReleaseException when the broker refuses (the code's measurement is not on the allowlist)
     */
    public void release(String name, List<Class<?>> operatorCode) throws IOException, KeyReleaseException {
        PrivateKey signing = ecPrivateKey(Files.readString(dir.resolve(RUNTIME_PRIVATE)),
                "the runtime key pair in " + dir);
        KeyBroker broker = broker();
        SoftwareRuntime runtime = runtime(operatorCode, signing);
        TrustedKeys.registerAll(name, runtime.receiveAll(broker.release(runtime.attest(broker.challenge()))));
    }

    private static void write(Path file, String text) throws IOException {
        KeyFiles.writeOwnerOnly(file, text);
    }
}
