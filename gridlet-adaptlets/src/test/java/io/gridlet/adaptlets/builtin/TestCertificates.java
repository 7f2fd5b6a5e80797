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
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Certificates made in the tests (Bouncy Castle): a CA, and certificates it issues for 127.0.0.1. */
public final class TestCertificates {
    private TestCertificates() {
    }

    public record Issued(KeyPair keys, X509Certificate cert) {
    }

    public static Issued issue(String cn, Issued ca, boolean isCa) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair keys = g.generateKeyPair();
        X500Name subject = new X500Name("CN=" + cn);
        X500Name issuer = ca == null ? subject : new X500Name(ca.cert().getSubjectX500Principal().getName());
        long now = System.currentTimeMillis();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now),
                new Date(now - 60_000), new Date(now + 3_600_000), subject, keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        if (!isCa) {
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
        }
        var signer = new JcaContentSignerBuilder("SHA256withECDSA")
                .build(ca == null ? keys.getPrivate() : ca.keys().getPrivate());
        return new Issued(keys, new JcaX509CertificateConverter().getCertificate(b.build(signer)));
    }

    public static KeyManagerFactory keyManager(Issued who, Issued ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("me", who.keys().getPrivate(), "pw".toCharArray(),
                new X509Certificate[]{who.cert(), ca.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "pw".toCharArray());
        return kmf;
    }

    public static TrustManagerFactory trusting(Issued ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf;
    }

}
