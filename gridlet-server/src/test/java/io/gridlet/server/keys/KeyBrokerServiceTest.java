package io.gridlet.server.keys;

import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.builtin.Authorization;
import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.adaptlets.builtin.MutualTlsAuth;
import io.gridlet.adaptlets.builtin.TestCertificates;
import io.gridlet.core.model.HouseSet;
import io.gridlet.enclave.attestation.CodeMeasurement;
import io.gridlet.enclave.attestation.KeyBroker;
import io.gridlet.enclave.attestation.SoftwareRuntime;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.ReadingKeys;
import io.gridlet.enclave.sealing.MeterIdentity;
import io.gridlet.enclave.sealing.MeterSealer;
import io.gridlet.enclave.sealing.ReadingSuite;
import io.gridlet.flink.GridletJob;
import io.gridlet.flink.operators.LoadForecastOperator;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The key broker over gRPC on 127.0.0.1, behind mutual TLS and the runtime role: a runtime with a certificate and
 * allowed code gets keys that open the owner's readings; other code is refused with the broker's reason; a
 * client without the runtime role, or without a certificate, never reaches the broker.
 */
class KeyBrokerServiceTest {
    @Test
    void keysGoOverAMutuallyAuthenticatedChannelToAllowedCodeOnly() throws Exception {
        TestCertificates.Issued ca = TestCertificates.issue("gridlet deployment CA", null, true);
        TestCertificates.Issued server = TestCertificates.issue("key-broker", ca, false);
        TestCertificates.Issued runtimeCert = TestCertificates.issue("runtime-1", ca, false);
        TestCertificates.Issued analystCert = TestCertificates.issue("analyst", ca, false);
        Identities ids = new Identities().add("runtime-1", null, 0, "runtime").add("analyst", null, 0, "analyst");

        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair attestation = g.generateKeyPair();
        KeyRing owner = KeyRing.generate();
        KeyBroker broker = new KeyBroker(owner, Map.of("ci", new KeyBroker.Signer(SoftwareRuntime.KIND,
                attestation.getPublic())), Set.of(HexFormat.of().formatHex(CodeMeasurement.of(
                GridletJob.OPERATOR_CODE))), System::currentTimeMillis, 60_000).releasingRouting(new byte[32]);
        ReadingKeys readingKeys = ReadingKeys.generate();
        broker.releasingReadings(readingKeys);

        try (AdaptletServer s = AdaptletServer.builder(KeyBrokerService.POLICY)
                .credentials(TlsServerCredentials.newBuilder()
                        .keyManager(TestCertificates.keyManager(server, ca).getKeyManagers())
                        .trustManager(TestCertificates.trusting(ca).getTrustManagers())
                        .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
                        .build())
                .adaptlet(MutualTlsAuth.server(ids), Authorization.server(
                        Authorization.Rule.of(KeyBrokerService.SERVICE + "/*", "runtime")))
                .service(KeyBrokerService.definition(broker))
                .start()) {
            ManagedChannel runtimeChannel = channel(s.port(), TlsChannelCredentials.newBuilder()
                    .keyManager(TestCertificates.keyManager(runtimeCert, ca).getKeyManagers())
                    .trustManager(TestCertificates.trusting(ca).getTrustManagers()).build());
            ManagedChannel analystChannel = channel(s.port(), TlsChannelCredentials.newBuilder()
                    .keyManager(TestCertificates.keyManager(analystCert, ca).getKeyManagers())
                    .trustManager(TestCertificates.trusting(ca).getTrustManagers()).build());
            ManagedChannel anonymousChannel = channel(s.port(), TlsChannelCredentials.newBuilder()
                    .trustManager(TestCertificates.trusting(ca).getTrustManagers()).build());
            try (ClientSession runtime = session(runtimeChannel);
                 ClientSession analyst = session(analystChannel);
                 ClientSession anonymous = session(anonymousChannel)) {
                SoftwareRuntime allowed = new SoftwareRuntime(GridletJob.OPERATOR_CODE, "ci",
                        attestation.getPrivate(), System::currentTimeMillis);
                var released = KeyBrokerService.fetch(runtime.channel(), allowed);
                Pseudonyms routing = new Pseudonyms(new byte[32]);
                var reading = new io.gridlet.core.model.Measurement(1, 1_377_986_401L, 500,
                        io.gridlet.core.model.Property.LOAD, 1, 2, 3);
                // the reading keys open a meter's readings; the data keys are the owner's; the routing key gives
                // the owner's pseudonyms
                MeterIdentity meter = new MeterIdentity("meter-1", HouseSet.ALL);
                MeterSealer sealer = new MeterSealer(meter, readingKeys.meters().keyPair(meter),
                        ReadingSuite.publicKey(readingKeys.ingestPublic()), 1);
                assertThat(released.readings().opener().open(sealer.seal(reading)).get(0).reading()).isEqualTo(reading);
                assertThat(released.ring().key(owner.currentId()).getEncoded())
                        .isEqualTo(owner.key(owner.currentId()).getEncoded());
                assertThat(released.routing().house(3)).isEqualTo(routing.house(3));

                SoftwareRuntime otherCode = new SoftwareRuntime(List.of(LoadForecastOperator.class), "ci",
                        attestation.getPrivate(), System::currentTimeMillis);
                assertThatThrownBy(() -> KeyBrokerService.fetch(runtime.channel(), otherCode))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                            assertThat(e.getStatus().getDescription()).contains("allowlist");
                        });
                assertThatThrownBy(() -> KeyBrokerService.fetch(analyst.channel(), allowed))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
                assertThatThrownBy(() -> KeyBrokerService.fetch(anonymous.channel(), allowed))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            } finally {
                for (ManagedChannel c : List.of(runtimeChannel, analystChannel, anonymousChannel)) c.shutdownNow();
            }
        }
    }

    private static ManagedChannel channel(int port, ChannelCredentials credentials) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port, credentials).build();
    }

    private static ClientSession session(ManagedChannel channel) {
        return ClientSession.open(channel, KeyBrokerService.POLICY, List.of(MutualTlsAuth.client(),
                Authorization.client()));
    }
}
