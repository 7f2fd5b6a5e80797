package io.gridlet.enclave.attestation;

import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.ReadingKeys;
import io.gridlet.enclave.keys.ResultMaster;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The backend that runs everywhere, and says plainly what it is: the operators run in an ordinary JVM, so the host,
 * its administrator and anything else in the process can read the readings in memory. What it does give: keys
 * are released only to a runtime whose code measurement is on the broker's allowlist and whose evidence is signed
 * by the deployment's software attestation key, the keys travel encrypted to a key pair made in this process
 * (never written anywhere), and everything that leaves the operators (records between tasks, state, results) is
 * sealed. Use it where the platform is trusted to be honest but its storage and network are not.
 */
public final class SoftwareRuntime implements TrustedRuntime {
    public static final String KIND = "software";

    private final byte[] measurement;
    private final String signer;
    private final PrivateKey signingKey;
    private final KeyPair transport = KeyTransport.newKeyPair();
    private final LongSupplier clockMillis;

    /**
     * @param operatorCode the classes whose class files are measured (the operators and what they call)
     * @param signer       the name the broker knows the signing key by
     * @param signingKey   the deployment's software attestation key (EC P-256)
     */
    public SoftwareRuntime(List<Class<?>> operatorCode, String signer, PrivateKey signingKey,
                           LongSupplier clockMillis) {
        this(CodeMeasurement.of(operatorCode), signer, signingKey, clockMillis);
    }

    /** @param measurement the code's measurement, as {@link CodeMeasurement} computes it */
    public SoftwareRuntime(byte[] measurement, String signer, PrivateKey signingKey, LongSupplier clockMillis) {
        if (measurement.length != 32) throw new IllegalArgumentException("a SHA-256 measurement");
        this.measurement = measurement.clone();
        this.signer = signer;
        this.signingKey = signingKey;
        this.clockMillis = clockMillis;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean hardwareIsolation() {
        return false;
    }

    @Override
    public byte[] measurement() {
        return measurement.clone();
    }

    @Override
    public Attestation attest(byte[] nonce) {
        Attestation unsigned = new Attestation(KIND, measurement.clone(), nonce.clone(), clockMillis.getAsLong(),
                transport.getPublic().getEncoded(), signer, new byte[0]);
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(signingKey);
            s.update(unsigned.signedBytes());
            return unsigned.withSignature(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Keys receiveAll(ReleasedKeys released) {
        try {
            Map<Integer, byte[]> material = new TreeMap<>(
                    KeyTransport.open(released, transport.getPrivate()));
            byte[] routing = material.remove(KeyBroker.ROUTING_KEY_ID);
            ReadingKeys readings = ReadingKeys.takeFrom(material);
            byte[] results = material.remove(ReadingKeys.RESULTS_MASTER_ID);
            Pseudonyms pseudonyms = routing == null ? null : new Pseudonyms(routing);
            return new Keys(KeyRing.of(material), pseudonyms, readings,
                    results == null ? null : new ResultMaster(results));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the released keys do not open with this runtime's key "
                    + "(released to another runtime, or altered)", e);
        }
    }
}
