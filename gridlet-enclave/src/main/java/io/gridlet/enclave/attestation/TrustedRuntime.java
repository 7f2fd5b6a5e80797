package io.gridlet.enclave.attestation;

import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.ReadingKeys;
import io.gridlet.enclave.keys.ResultMaster;

/**
 * Where the query operators run with the readings in the clear, as a key broker sees it. A runtime attests to the
 * code it will run and receives the data keys only if the broker accepts that evidence. Backends:
 * <ul>
 *   <li>{@link SoftwareRuntime}: runs everywhere; gives no hardware isolation (the host, its administrator and the
 *       platform's other code can read the JVM's memory); its attestation says only that a holder of the
 *       deployment's software signing key vouched for the measurement;</li>
 *   <li>Intel SGX through Gramine, AMD SEV-SNP and Intel TDX confidential VMs plug in behind this interface: their
 *       {@link #attest} returns the hardware quote (rooted in the vendor's certificates, with the runtime key's
 *       hash in its report data), and the broker verifies it with the vendor's verification library. Not
 *       implemented here: no such hardware on this project's machines.</li>
 * </ul>
 */
public interface TrustedRuntime {
    /** {@code software}, {@code sgx-gramine}, {@code sev-snp}, {@code tdx}. */
    String kind();

    /** Whether memory is protected from the host by hardware. False for the software backend. */
    boolean hardwareIsolation();

    /** The SHA-256 measurement of the operator code this runtime runs. */
    byte[] measurement();

    /** Evidence for the broker, bound to its nonce. */
    Attestation attest(byte[] nonce);

    /**
     * What a broker released: the data keys; the routing key, the keys that open meters' readings and the results
     * master key (with the routing key) if the broker holds them (else null).
     */
    record Keys(KeyRing ring, Pseudonyms routing, ReadingKeys readings, ResultMaster results) {
    }

    /** What a broker released to this runtime (encrypted to its key; only it can open them). */
    Keys receiveAll(ReleasedKeys released);

    /** The data keys a broker released to this runtime. */
    default KeyRing receive(ReleasedKeys released) {
        return receiveAll(released).ring();
    }
}
