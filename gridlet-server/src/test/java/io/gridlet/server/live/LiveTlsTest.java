package io.gridlet.server.live;

import io.gridlet.client.ClientIdentity;
import io.gridlet.client.LiveClient;
import io.gridlet.client.Meter;
import io.gridlet.client.Transport;
import io.gridlet.core.model.Measurement;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.log.local.LocalLog;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway over TLS on loopback, with certificates made for the test: meters stream over TLS and are
 * acknowledged; plaintext, an untrusted server certificate or one for another host are refused in the handshake;
 * with a client CA, a client needs a certificate from it, and where the policies negotiate {@code auth.mtls} the
 * certificate is the caller's identity.
 */
class LiveTlsTest {
    @TempDir
    Path dir;

    private LiveFixture data;
    private TlsFiles pki;
    private TlsFiles.Pair server;

    @BeforeEach
    void setUp() throws Exception {
        data = new LiveFixture(dir, 1, 120, 2);
        pki = new TlsFiles(dir.resolve("pki"), "gridlet");
        server = pki.issue("gateway");
    }

    private Gateway start(String policy, ServerTls tls, MeterRegistry metrics) throws Exception {
        return Gateway.start(new LocalLog(dir.resolve("log"), LocalLog.Fsync.NEVER),
                ResultHub.named("tls-" + System.nanoTime()), new Gateway.Settings(policy, data.identities,
                        new InetSocketAddress("127.0.0.1", 0), metrics, () -> true).tls(tls));
    }

    /** Streams every reading of the fixture as meter-0 over {@code transport}; returns the session's configuration. */
    private String stream(int port, Transport transport, String policy) throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Meter.Settings settings = new Meter.Settings("127.0.0.1:" + port, policy, 50, 500, 20)
                .withTransport(transport);
        try (Meter meter = new Meter("meter-0", data.identities.secret("meter-0"), settings, events::add)) {
            for (Measurement m : data.readings) meter.offer(m);
            meter.finish();
            meter.awaitAcknowledged(30_000);
            assertThat(meter.counts().rejected()).isZero();
            assertThat(meter.counts().reconnects()).as(String.join("\n", events)).isZero();
            return meter.configuration();
        }
    }

    /** What opening a session over {@code transport} fails with. */
    private static StatusRuntimeException refused(int port, Transport transport, String policy, String id,
                                                  byte[] secret) {
        try (LiveClient c = LiveClient.open("127.0.0.1:" + port, transport, policy, new ClientIdentity(id, secret))) {
            throw new AssertionError("a session opened over " + transport);
        } catch (StatusRuntimeException e) {
            return e;
        }
    }

    @Test
    void aMeterStreamsOverTlsAndItsReadingsAreAcknowledged() throws Exception {
        MeterRegistry metrics = new SimpleMeterRegistry();
        try (Gateway gateway = start(data.gatewayPolicy, ServerTls.load(server.cert(), server.key(), null), metrics)) {
            String configuration = stream(gateway.port(), Transport.tls(pki.ca()), data.clientPolicy);
            assertThat(configuration).contains("auth.hmac").doesNotContain("auth.mtls");
        }
        assertThat(metrics.counter("gridlet.ingest.readings", "outcome", "accepted").count())
                .isEqualTo(data.readings.size());
    }

    @Test
    void plaintextOnEitherSideOfATlsConnectionFailsCleanly() throws Exception {
        try (Gateway tls = start(data.gatewayPolicy, ServerTls.load(server.cert(), server.key(), null),
                new SimpleMeterRegistry())) {
            StatusRuntimeException e = refused(tls.port(), Transport.plaintext(), data.clientPolicy, "meter-0",
                    data.identities.secret("meter-0"));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(tls.server().outcomes().get("session", "opened")).isZero();
        }
        try (Gateway plain = start(data.gatewayPolicy, null, new SimpleMeterRegistry())) {
            StatusRuntimeException e = refused(plain.port(), Transport.tls(pki.ca()), data.clientPolicy, "meter-0",
                    data.identities.secret("meter-0"));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e).hasMessage("UNAVAILABLE: TLS handshake failed: the service does not speak TLS (is it "
                    + "serving plaintext?)");
        }
    }

    @Test
    void aServerCertificateFromAnotherCaOrForAnotherHostIsRefused() throws Exception {
        TlsFiles other = new TlsFiles(dir.resolve("other"), "other");
        try (Gateway gateway = start(data.gatewayPolicy, ServerTls.load(server.cert(), server.key(), null),
                new SimpleMeterRegistry())) {
            StatusRuntimeException e = refused(gateway.port(), Transport.tls(other.ca()), data.clientPolicy,
                    "meter-0", data.identities.secret("meter-0"));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e).hasMessage("UNAVAILABLE: TLS handshake failed: the service's certificate is not issued by "
                    + "a trusted CA");
        }
        TlsFiles.Pair elsewhere = pki.issueForAnotherHost("gateway-elsewhere");
        try (Gateway gateway = start(data.gatewayPolicy, ServerTls.load(elsewhere.cert(), elsewhere.key(), null),
                new SimpleMeterRegistry())) {
            StatusRuntimeException e = refused(gateway.port(), Transport.tls(pki.ca()), data.clientPolicy,
                    "meter-0", data.identities.secret("meter-0"));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e).hasMessage("UNAVAILABLE: TLS handshake failed: the service's certificate is not for this "
                    + "host (No subject alternative names matching IP address 127.0.0.1 found)");
        }
    }

    @Test
    void withAClientCaOnlyItsCertificatesGetInAndUnderAuthMtlsTheCertificateIsTheIdentity() throws Exception {
        TlsFiles other = new TlsFiles(dir.resolve("other"), "other");
        TlsFiles.Pair meter0 = pki.issue("meter-0");
        TlsFiles.Pair stranger = pki.issue("stranger");
        TlsFiles.Pair foreign = other.issue("meter-0");
        Path policies = Path.of("..", "examples", "policies");
        String gatewayMtls = Files.readString(policies.resolve("ingest-gateway-mtls.policy"));
        String meterMtls = Files.readString(policies.resolve("ingest-meter-mtls.policy"));
        Transport asMeter0 = Transport.mutualTls(pki.ca(), meter0.cert(), meter0.key());
        byte[] secret0 = data.identities.secret("meter-0");

        // the bundled gateway policy, client certificates required: TLS without one, or with one from another
        // CA, is refused in the handshake; with one, the meter signs with its secret as before (auth.hmac)
        MeterRegistry metrics = new SimpleMeterRegistry();
        try (Gateway gateway = start(data.gatewayPolicy, ServerTls.load(server.cert(), server.key(), pki.ca()),
                metrics)) {
            assertThat(refused(gateway.port(), Transport.tls(pki.ca()), data.clientPolicy, "meter-0", secret0))
                    .hasMessage("UNAVAILABLE: TLS handshake failed: the service requires a client certificate "
                            + "issued by its client CA");
            assertThat(refused(gateway.port(), Transport.mutualTls(pki.ca(), foreign.cert(), foreign.key()),
                    data.clientPolicy, "meter-0", secret0).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(gateway.server().outcomes().get("session", "opened")).isZero();
            assertThat(stream(gateway.port(), asMeter0, data.clientPolicy)).contains("auth.hmac");
        }
        assertThat(metrics.counter("gridlet.ingest.readings", "outcome", "accepted").count())
                .isEqualTo(data.readings.size());

        // a policy pair that asks for auth.mtls: the certificate's common name is who calls, whatever name the
        // meter gives itself and whatever secret it holds
        try (Gateway gateway = start(gatewayMtls, ServerTls.load(server.cert(), server.key(), pki.ca()),
                new SimpleMeterRegistry())) {
            assertThat(stream(gateway.port(), asMeter0, meterMtls)).contains("auth.mtls").doesNotContain("auth.hmac");
            assertThat(gateway.server().outcomes().get("auth.mtls", "accepted")).isPositive();

            List<String> events = new CopyOnWriteArrayList<>();
            Meter.Settings impostor = new Meter.Settings("127.0.0.1:" + gateway.port(), meterMtls, 50, 500, 20)
                    .withTransport(asMeter0);
            try (Meter meter1 = new Meter("meter-1", data.identities.secret("meter-1"), impostor, events::add)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (events.stream().noneMatch(e -> e.contains("PERMISSION_DENIED"))
                        && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(events).anyMatch(e -> e.contains("PERMISSION_DENIED"));
                assertThat(meter1.counts().acknowledged()).isZero();
            }

            StatusRuntimeException unknown = refusedCall(gateway.port(),
                    Transport.mutualTls(pki.ca(), stranger.cert(), stranger.key()), meterMtls);
            assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(unknown).hasMessageContaining("no identity for certificate stranger");
        }
    }

    /** What the first call (the end of data) of a session over {@code transport} fails with. */
    private StatusRuntimeException refusedCall(int port, Transport transport, String policy) {
        try (LiveClient client = LiveClient.open("127.0.0.1:" + port, transport, policy,
                new ClientIdentity("meter-0", data.identities.secret("meter-0")))) {
            client.endOfData(); // the session opened: authentication runs on every call
            throw new AssertionError("the call went through");
        } catch (StatusRuntimeException e) {
            return e;
        }
    }
}
