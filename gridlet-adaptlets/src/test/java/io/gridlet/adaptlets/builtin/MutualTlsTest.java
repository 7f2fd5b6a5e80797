package io.gridlet.adaptlets.builtin;

import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.TestService;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** auth.mtls over real TLS on loopback, with a CA and certificates made for the test (Bouncy Castle). */
class MutualTlsTest {
    static final String POLICY = "policy p { feature auth.mtls; auth.mtls; }";

    @Test
    void theVerifiedCertificateIsTheCallersIdentity() throws Exception {
        TestCertificates.Issued ca = TestCertificates.issue("gridlet meters CA", null, true);
        TestCertificates.Issued server = TestCertificates.issue("gateway", ca, false);
        TestCertificates.Issued meter = TestCertificates.issue("meter-7", ca, false);
        TestCertificates.Issued unknown = TestCertificates.issue("meter-8", ca, false);
        Identities ids = new Identities().add("meter-7", null, 0, "meter");
        try (AdaptletServer s = AdaptletServer.builder(POLICY)
                .credentials(TlsServerCredentials.newBuilder()
                        .keyManager(TestCertificates.keyManager(server, ca).getKeyManagers())
                        .trustManager(TestCertificates.trusting(ca).getTrustManagers())
                        .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL) // the adaptlet decides, and says why
                        .build())
                .adaptlet(MutualTlsAuth.server(ids))
                .service(TestService.definition())
                .start()) {
            ChannelCredentials withCert = TlsChannelCredentials.newBuilder()
                    .keyManager(TestCertificates.keyManager(meter, ca).getKeyManagers())
                    .trustManager(TestCertificates.trusting(ca).getTrustManagers()).build();
            ChannelCredentials otherCert = TlsChannelCredentials.newBuilder()
                    .keyManager(TestCertificates.keyManager(unknown, ca).getKeyManagers())
                    .trustManager(TestCertificates.trusting(ca).getTrustManagers()).build();
            ChannelCredentials noCert = TlsChannelCredentials.newBuilder()
                    .trustManager(TestCertificates.trusting(ca).getTrustManagers()).build();
            List<ManagedChannel> channels = List.of(
                    NettyChannelBuilder.forAddress("127.0.0.1", s.port(), withCert).build(),
                    NettyChannelBuilder.forAddress("127.0.0.1", s.port(), otherCert).build(),
                    NettyChannelBuilder.forAddress("127.0.0.1", s.port(), noCert).build());
            try (ClientSession good = ClientSession.open(channels.get(0), POLICY, List.of(MutualTlsAuth.client()));
                 ClientSession stranger = ClientSession.open(channels.get(1), POLICY, List.of(MutualTlsAuth.client()));
                 ClientSession anonymous = ClientSession.open(channels.get(2), POLICY,
                         List.of(MutualTlsAuth.client()))) {
                assertThat(TestService.send(good.channel(), "meter-7:1")).isEqualTo("ok meter-7:1 from meter-7");
                assertThatThrownBy(() -> TestService.send(stranger.channel(), "meter-8:1"))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                                .isEqualTo(Status.Code.UNAUTHENTICATED))
                        .hasMessageContaining("no identity for certificate meter-8");
                assertThatThrownBy(() -> TestService.send(anonymous.channel(), "meter-7:1"))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                                .isEqualTo(Status.Code.UNAUTHENTICATED))
                        .hasMessageContaining("no verified client certificate");
            } finally {
                for (ManagedChannel c : channels) {
                    c.shutdownNow();
                    c.awaitTermination(5, TimeUnit.SECONDS);
                }
            }
            assertThat(s.outcomes().get("auth.mtls", "accepted")).isEqualTo(1);
            assertThat(s.outcomes().get("auth.mtls", "unknown-identity")).isEqualTo(1);
            assertThat(s.outcomes().get("auth.mtls", "no-certificate")).isEqualTo(1);
        }
    }

    @Test
    void onAPlaintextConnectionTheServerHalfRefuses() throws Exception {
        try (io.gridlet.adaptlets.Loopback net = new io.gridlet.adaptlets.Loopback(AdaptletServer.builder(POLICY)
                .adaptlet(MutualTlsAuth.server(new Identities())))) {
            ClientSession s = net.session(POLICY, MutualTlsAuth.client());
            assertThatThrownBy(() -> TestService.send(s.channel(), "m:1"))
                    .hasMessageContaining("auth.mtls needs a TLS connection with a client certificate");
        }
    }
}
