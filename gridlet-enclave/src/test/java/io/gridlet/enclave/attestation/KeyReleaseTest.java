package io.gridlet.enclave.attestation;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.q1.LoadForecast;
import io.gridlet.core.q2.PlugMedians;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.ReadingKeys;
import io.gridlet.enclave.sealing.MeterSealingTest;
import io.gridlet.enclave.sealing.SealedBlock;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyReleaseTest {
    static final List<Class<?>> OPERATORS = List.of(LoadForecast.class, PlugMedians.class);

    final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    final KeyPair signing = KeyTransport.newKeyPair();
    final KeyRing keys = KeyRing.generate();
    final String allowed = java.util.HexFormat.of().formatHex(CodeMeasurement.of(OPERATORS));

    KeyBroker broker() {
        return new KeyBroker(keys, Map.of("deploy-1", new KeyBroker.Signer(SoftwareRuntime.KIND,
                signing.getPublic())), Set.of(allowed), clock::get, 60_000);
    }

    SoftwareRuntime runtime(List<Class<?>> code, KeyPair signer) {
        return new SoftwareRuntime(code, "deploy-1", signer.getPrivate(), clock::get);
    }

    static KeyReleaseException.Reason refusal(KeyBroker broker, Attestation a) {
        try {
            broker.release(a);
        } catch (KeyReleaseException e) {
            return e.reason();
        }
        throw new AssertionError("released");
    }

    @Test
    void anAllowedRuntimeGetsKeysThatOpenWhatTheOwnerSealed() throws Exception {
        KeyBroker broker = broker();
        SoftwareRuntime runtime = runtime(OPERATORS, signing);
        assertThat(runtime.hardwareIsolation()).isFalse();
        ReadingKeys owner = ReadingKeys.generate();
        broker.releasingReadings(owner);
        TrustedRuntime.Keys received = runtime.receiveAll(broker.release(runtime.attest(broker.challenge())));
        Measurement m = MeterSealingTest.random(new Random(3));
        SealedBlock sealed = MeterSealingTest.meter(owner, "meter-1", "*", 1).seal(m);
        assertThat(received.readings().opener().open(sealed).get(0).reading()).isEqualTo(m);
        assertThat(received.ring().currentId()).isEqualTo(keys.currentId());
        assertThat(received.ring().key(keys.currentId()).getEncoded())
                .isEqualTo(keys.key(keys.currentId()).getEncoded());
    }

    @Test
    void otherCodeForgedEvidenceOldEvidenceAndReusedNoncesGetNoKeys() throws Exception {
        KeyBroker broker = broker();
        // other operator code: another measurement
        SoftwareRuntime changed = runtime(List.of(LoadForecast.class), signing);
        assertThat(refusal(broker, changed.attest(broker.challenge())))
                .isEqualTo(KeyReleaseException.Reason.MEASUREMENT_NOT_ALLOWED);
        // signed by a key the broker does not trust under that name
        SoftwareRuntime forger = runtime(OPERATORS, KeyTransport.newKeyPair());
        assertThat(refusal(broker, forger.attest(broker.challenge()))).isEqualTo(KeyReleaseException.Reason.BAD_SIGNATURE);
        // evidence altered after signing: claims the allowed measurement
        Attestation honest = changed.attest(broker.challenge());
        Attestation altered = new Attestation(honest.kind(), CodeMeasurement.of(OPERATORS), honest.nonce(),
                honest.issuedAtMillis(), honest.runtimeKey(), honest.signer(), honest.signature());
        assertThat(refusal(broker, altered)).isEqualTo(KeyReleaseException.Reason.BAD_SIGNATURE);
        // a nonce the broker never issued, and one used twice
        SoftwareRuntime good = runtime(OPERATORS, signing);
        assertThat(refusal(broker, good.attest(new byte[32]))).isEqualTo(KeyReleaseException.Reason.UNKNOWN_NONCE);
        byte[] nonce = broker.challenge();
        broker.release(good.attest(nonce));
        assertThat(refusal(broker, good.attest(nonce))).isEqualTo(KeyReleaseException.Reason.UNKNOWN_NONCE);
        // too old
        byte[] late = broker.challenge();
        Attestation a = good.attest(late);
        clock.addAndGet(61_000);
        assertThat(refusal(broker, a)).isEqualTo(KeyReleaseException.Reason.EXPIRED);
        // a signer trusted for software runtimes cannot vouch for another kind
        KeyBroker strict = new KeyBroker(keys, Map.of("deploy-1", new KeyBroker.Signer("sgx-gramine",
                signing.getPublic())), Set.of(allowed), clock::get, 60_000);
        assertThat(refusal(strict, good.attest(strict.challenge())))
                .isEqualTo(KeyReleaseException.Reason.UNTRUSTED_SIGNER);
    }

    @Test
    void keysReleasedToOneRuntimeDoNotOpenForAnother() throws Exception {
        KeyBroker broker = broker();
        SoftwareRuntime one = runtime(OPERATORS, signing);
        SoftwareRuntime other = runtime(OPERATORS, signing);
        ReleasedKeys forOne = broker.release(one.attest(broker.challenge()));
        assertThatThrownBy(() -> other.receive(forOne)).hasMessageContaining("do not open with this runtime's key");
        assertThat(one.receive(forOne).currentId()).isEqualTo(keys.currentId());
    }

    @Test
    void evidenceDatedAsFarFromTheBrokersClockAsALongGoesHasExpired() { // found writing EnclaveFuzzTest
        KeyBroker broker = broker(); // |now - issuedAt| overflowed to a negative number for issuedAt = now + 2^63
        SoftwareRuntime skewed = new SoftwareRuntime(OPERATORS, "deploy-1", signing.getPrivate(),
                () -> clock.get() + Long.MIN_VALUE);
        assertThat(refusal(broker, skewed.attest(broker.challenge()))).isEqualTo(KeyReleaseException.Reason.EXPIRED);
    }

    @Test
    void keyMaterialShorterThanItsCountIsRefusedNotThrownAsUnderflow() { // found by EnclaveFuzzTest
        SoftwareRuntime runtime = runtime(OPERATORS, signing);
        HostileBroker broker = new HostileBroker(runtime.attest(new byte[32]).runtimeKey());
        for (int n = 0; n < 4; n++) {
            ReleasedKeys released = broker.release(new byte[12], new byte[n]); // opens: 0..3 bytes, no count
            assertThatThrownBy(() -> runtime.receiveAll(released)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("do not open with this runtime's key");
        }
    }

    @Test
    void aModulesMeasurementCoversEveryClassOfItAndAChangedClassWithTheSameNameGetsNoKeys(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var files = CodeMeasurement.files(List.of(LoadForecast.class));
        assertThat(files).containsKeys("io/gridlet/core/engine/QueryEngine.class",
                "io/gridlet/core/q2/PlugMedians.class", "io/gridlet/core/csv/MeasurementReader.class");
        assertThat(files.keySet()).allMatch(name -> name.startsWith("io/gridlet/core/"));
        // the core's classes as a deployment would ship them, loaded from there
        for (var f : files.entrySet()) {
            java.nio.file.Path to = dir.resolve(f.getKey());
            java.nio.file.Files.createDirectories(to.getParent());
            java.nio.file.Files.write(to, f.getValue());
        }
        try (var loader = new java.net.URLClassLoader(new java.net.URL[] {dir.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> anchor = loader.loadClass("io.gridlet.core.model.Property");
            byte[] shipped = CodeMeasurement.ofModules(List.of(anchor));
            assertThat(shipped).isEqualTo(CodeMeasurement.ofModules(List.of(LoadForecast.class)));
            KeyBroker broker = new KeyBroker(keys, Map.of("deploy-1", new KeyBroker.Signer(SoftwareRuntime.KIND,
                    signing.getPublic())), Set.of(java.util.HexFormat.of().formatHex(shipped)), clock::get, 60_000);
            SoftwareRuntime honest = new SoftwareRuntime(shipped, "deploy-1", signing.getPrivate(), clock::get);
            assertThat(honest.receive(broker.release(honest.attest(broker.challenge()))).currentId())
                    .isEqualTo(keys.currentId());
            // one class changed, under its own name (not the anchor): another measurement, no keys
            java.nio.file.Path engine = dir.resolve("io/gridlet/core/engine/QueryEngine.class");
            byte[] changed = java.nio.file.Files.readAllBytes(engine);
            changed[changed.length - 1] ^= 1;
            java.nio.file.Files.write(engine, changed);
            byte[] tampered = CodeMeasurement.ofModules(List.of(anchor));
            assertThat(tampered).isNotEqualTo(shipped);
            SoftwareRuntime other = new SoftwareRuntime(tampered, "deploy-1", signing.getPrivate(), clock::get);
            assertThat(refusal(broker, other.attest(broker.challenge())))
                    .isEqualTo(KeyReleaseException.Reason.MEASUREMENT_NOT_ALLOWED);
        }
    }

    @Test
    void challengesOutstandingAreBounded() {
        KeyBroker broker = broker();
        for (int i = 0; i < KeyBroker.MAX_OUTSTANDING; i++) broker.challenge();
        assertThatThrownBy(broker::challenge).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("challenges outstanding");
        clock.addAndGet(61_000); // they expire: room again
        assertThat(broker.challenge()).hasSize(32);
    }

    @Test
    void theMeasurementIsTheCodesHash() {
        assertThat(CodeMeasurement.of(OPERATORS)).isEqualTo(CodeMeasurement.of(List.of(PlugMedians.class,
                LoadForecast.class)));
        assertThat(CodeMeasurement.of(OPERATORS)).isNotEqualTo(CodeMeasurement.of(List.of(LoadForecast.class)));
        assertThat(CodeMeasurement.of(OPERATORS)).hasSize(32);
    }
}
