package io.gridlet.server.live;

import io.gridlet.adaptlets.builtin.TestCertificates;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Date;

/**
 * PEM files for the TLS tests, as a user would give them on the command line: a CA ({@code NAME-ca.pem}) and
 * certificates it issues for 127.0.0.1 ({@code CN.pem}, the chain with a subject line before each certificate as
 * OpenSSL writes it, with the PKCS#8 key in {@code CN.key}), made with Bouncy Castle ({@link TestCertificates}).
 */
public final class TlsFiles {
    private final Path dir;
    private final String name;
    private final TestCertificates.Issued ca;

    /** A CA of its own, its files in {@code dir} under {@code name}. */
    public TlsFiles(Path dir, String name) throws Exception {
        this.dir = Files.createDirectories(dir);
        this.name = name;
        this.ca = TestCertificates.issue(name + " CA", null, true);
        write(ca(), pem("CERTIFICATE", ca.cert().getEncoded()));
    }

    /** The CA's certificate file. */
    public Path ca() {
        return dir.resolve(name + "-ca.pem");
    }

    /** A certificate file and its key file. */
    public record Pair(Path cert, Path key) {
    }

    /** A certificate for {@code cn} at 127.0.0.1 (subjectAltName IP:127.0.0.1), issued by this CA. */
    public Pair issue(String cn) throws Exception {
        return write(cn, TestCertificates.issue(cn, ca, false));
    }

    /** A certificate for {@code cn} issued by this CA, but naming another host (subjectAltName DNS:elsewhere). */
    public Pair issueForAnotherHost(String cn) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair keys = g.generateKeyPair();
        long now = System.currentTimeMillis();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                new X500Name(ca.cert().getSubjectX500Principal().getName()), BigInteger.valueOf(now + 1),
                new Date(now - 60_000), new Date(now + 3_600_000), new X500Name("CN=" + cn), keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, "elsewhere.example")));
        var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(ca.keys().getPrivate());
        return write(cn, new TestCertificates.Issued(keys, new JcaX509CertificateConverter()
                .getCertificate(b.build(signer))));
    }

    private Pair write(String cn, TestCertificates.Issued issued) throws Exception {
        Pair p = new Pair(dir.resolve(cn + ".pem"), dir.resolve(cn + ".key"));
        write(p.cert(), "subject=CN = " + cn + "\n" + pem("CERTIFICATE", issued.cert().getEncoded())
                + "subject=CN = " + name + " CA\n" + pem("CERTIFICATE", ca.cert().getEncoded()));
        write(p.key(), pem("PRIVATE KEY", issued.keys().getPrivate().getEncoded()));
        return p;
    }

    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void write(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }
}
