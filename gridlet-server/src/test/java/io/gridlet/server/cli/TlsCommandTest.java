package io.gridlet.server.cli;

import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.log.local.LocalLog;
import io.gridlet.server.live.Gateway;
import io.gridlet.server.live.IdentitiesFile;
import io.gridlet.server.live.ServerTls;
import io.gridlet.server.live.TlsFiles;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS from the command line: {@code gridlet serve} refuses plaintext beyond loopback without {@code --insecure}
 * (decided before anything listens; only 127.0.0.1 is ever bound here), the TLS options' mistakes are one line
 * naming the file (exit 2), and {@code gridlet meter --ca --cert --key} streams to a gateway that requires client
 * certificates and authenticates it by its certificate ({@code auth.mtls}).
 */
class TlsCommandTest {
    private static final Path POLICIES = Path.of("..", "examples", "policies");

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result gridlet(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = GridletCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void serveRefusesPlaintextBeyondLoopbackUnlessInsecure() {
        for (String bind : new String[] {"0.0.0.0", "::", "192.0.2.7", "gateway.example"}) {
            Path live = dir.resolve("live");
            Result r = gridlet("serve", "-q", "--dir", live.toString(), "--bind", bind, "--port", "0");
            assertThat(r.code()).as(bind).isEqualTo(2);
            assertThat(r.err()).as(bind).contains("refusing to listen on " + bind + " without TLS", "--tls-cert",
                    "--insecure");
            assertThat(live.resolve("identities")).as("nothing made before the refusal").doesNotExist();
        }
        // the decision itself, for addresses a test must not bind
        assertThatCode(() -> ServerTlsOptions.checkPlaintext("0.0.0.0", true)).doesNotThrowAnyException();
        assertThatCode(() -> ServerTlsOptions.checkPlaintext("127.0.0.1", false)).doesNotThrowAnyException();
        assertThatThrownBy(() -> ServerTlsOptions.checkPlaintext("10.1.2.3", false)).isInstanceOf(UserError.class);
    }

    @Test
    void loopbackIsOneTwentySevenSlashEightColonColonOneOrLocalhostAndNamesAreNotResolved() {
        for (String loopback : new String[] {"127.0.0.1", "127.1.2.3", "127.255.255.255", "localhost", "LocalHost",
                "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"}) {
            assertThat(ServerTlsOptions.isLoopback(loopback)).as(loopback).isTrue();
        }
        for (String other : new String[] {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "127.0.0.256", "1.127.0.0",
                "::2", "::ffff:10.0.0.1", "fe80::1", "gateway.example", "localhost.example", "127.0.0.1.nip.io",
                ""}) {
            assertThat(ServerTlsOptions.isLoopback(other)).as(other).isFalse();
        }
    }

    @Test
    void tlsMistakesAreOneLineNamingTheFileAndExitCodeTwo() throws Exception {
        TlsFiles pki = new TlsFiles(dir.resolve("pki"), "gridlet");
        TlsFiles.Pair server = pki.issue("gateway");
        TlsFiles.Pair other = pki.issue("other");
        Path missing = dir.resolve("missing.pem");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        Path pkcs1 = Files.writeString(dir.resolve("pkcs1.key"), TlsFiles.pem("RSA PRIVATE KEY", new byte[64]));
        String live = dir.resolve("live").toString();

        assertServe(live, "--tls-cert and --tls-key go together", "--tls-cert", server.cert().toString());
        assertServe(live, "--client-ca needs --tls-cert and --tls-key", "--client-ca", pki.ca().toString());
        assertServe(live, "cannot read " + missing + ": no such file",
                "--tls-cert", missing.toString(), "--tls-key", server.key().toString());
        assertServe(live, garbage + " holds no certificate",
                "--tls-cert", garbage.toString(), "--tls-key", server.key().toString());
        assertServe(live, server.key() + " holds no certificate (expected -----BEGIN CERTIFICATE-----), but a "
                + "private key", "--tls-cert", server.key().toString(), "--tls-key", server.cert().toString());
        assertServe(live, other.key() + " is not the private key of the certificate in " + server.cert(),
                "--tls-cert", server.cert().toString(), "--tls-key", other.key().toString());
        assertServe(live, pkcs1 + " holds a 'RSA PRIVATE KEY' (PKCS#1/SEC1); convert it to PKCS#8",
                "--tls-cert", server.cert().toString(), "--tls-key", pkcs1.toString());
        assertServe(live, "cannot read " + missing, "--tls-cert", server.cert().toString(),
                "--tls-key", server.key().toString(), "--client-ca", missing.toString());
        assertThat(Path.of(live)).doesNotExist();

        Path ids = dir.resolve("ids");
        IdentitiesFile.write(ids, 1);
        String[] meter = {"meter", "-q", "--identities", ids.toString(), "--meters", "1"};
        assertClient(concat(meter, "--cert", other.cert().toString()), "--cert and --key go together");
        assertClient(concat(meter, "--cert", other.cert().toString(), "--key", other.key().toString()),
                "--cert and --key need --ca");
        assertClient(concat(meter, "--ca", garbage.toString()), garbage + " holds no certificate");
        assertClient(concat(meter, "--ca", pki.ca().toString(), "--cert", server.cert().toString(),
                "--key", other.key().toString()), other.key() + " is not the private key of the certificate in "
                + server.cert());
        assertClient(concat(meter, "--policy", POLICIES.resolve("ingest-meter-mtls.policy").toString()),
                "the client policy declares auth.mtls", "--cert");
        String[] results = {"results", "--identities", ids.toString()};
        assertClient(concat(results, "--ca", missing.toString()), "cannot read " + missing + ": no such file");
        assertClient(concat(results, "--key", other.key().toString()), "--cert and --key go together");
    }

    @Test
    void helpDescribesTheTlsOptions() {
        assertThat(gridlet("serve", "--help").out()).contains("--tls-cert=FILE", "--tls-key=FILE",
                "--client-ca=FILE", "--insecure", "PKCS#8");
        for (String command : new String[] {"meter", "results"}) {
            assertThat(gridlet(command, "--help").out()).as(command).contains("--ca=FILE", "--cert=FILE",
                    "--key=FILE", "auth.mtls");
        }
    }

    @Test
    void aMeterFromTheCommandLineStreamsOverMutualTlsAuthenticatedByItsCertificate() throws Exception {
        TlsFiles pki = new TlsFiles(dir.resolve("pki"), "gridlet");
        TlsFiles.Pair server = pki.issue("gateway");
        TlsFiles.Pair meter0 = pki.issue("meter-0");
        Path ids = dir.resolve("ids");
        IdentitiesFile.write(ids, 1);
        MeterRegistry metrics = new SimpleMeterRegistry();
        try (Gateway gateway = Gateway.start(new LocalLog(dir.resolve("log"), LocalLog.Fsync.NEVER),
                ResultHub.named("tls-cli-" + System.nanoTime()), new Gateway.Settings(
                        Files.readString(POLICIES.resolve("ingest-gateway-mtls.policy")), Identities.read(ids),
                        new InetSocketAddress("127.0.0.1", 0), metrics, () -> true)
                        .tls(ServerTls.load(server.cert(), server.key(), pki.ca())))) {
            String[] meter = {"meter", "-q", "--target", "127.0.0.1:" + gateway.port(), "--meters", "1",
                    "--identities", ids.toString(), "--speedup", "0", "--houses", "1", "--days", "0.002",
                    "--interval", "10"};
            Result withoutCertificate = gridlet(concat(meter, "--ca", pki.ca().toString(), "--policy",
                    POLICIES.resolve("ingest-meter-mtls.policy").toString()));
            assertThat(withoutCertificate.code()).isEqualTo(2);

            Result r = gridlet(concat(meter, "--ca", pki.ca().toString(), "--cert", meter0.cert().toString(),
                    "--key", meter0.key().toString(), "--policy",
                    POLICIES.resolve("ingest-meter-mtls.policy").toString()));
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("refused by the gateway 0");
            assertThat(gateway.server().outcomes().get("auth.mtls", "accepted")).isPositive();
            assertThat(gateway.server().outcomes().get("auth.hmac", "accepted")).isZero();
        }
        assertThat(metrics.counter("gridlet.ingest.readings", "outcome", "accepted").count()).isPositive();
    }

    private static void assertServe(String live, String message, String... tlsOptions) {
        Result r = gridlet(concat(new String[] {"serve", "-q", "--dir", live, "--port", "0"}, tlsOptions));
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message);
        assertThat(r.err().lines()).hasSize(1);
    }

    private static void assertClient(String[] args, String... message) {
        Result r = gridlet(args);
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message);
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
