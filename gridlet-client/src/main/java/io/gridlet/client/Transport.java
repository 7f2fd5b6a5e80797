package io.gridlet.client;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.nio.file.Path;

/**
 * How a client reaches the live service: plaintext; TLS, the server's certificate verified against a CA file (and
 * its name against the host in the target); or mutual TLS, which also presents a client certificate, for a server
 * that requires one ({@code gridlet serve --client-ca}) and for {@code auth.mtls}, where the certificate's common
 * name is the caller's identity. The PEM files are read and checked when the value is made (see {@link Pem}), so a
 * bad file fails there, named, not in a handshake later; the value is immutable and shared by every channel.
 */
public final class Transport {
    private static final Transport PLAINTEXT =
            new Transport(InsecureChannelCredentials.create(), false, null, "plaintext");

    private final ChannelCredentials credentials;
    private final boolean tls;
    private final String certificateName;
    private final String description;

    private Transport(ChannelCredentials credentials, boolean tls, String certificateName, String description) {
        this.credentials = credentials;
        this.tls = tls;
        this.certificateName = certificateName;
        this.description = description;
    }

    /** No encryption, no server authentication: for loopback, or a network the user trusts. */
    public static Transport plaintext() {
        return PLAINTEXT;
    }

    /**
     * TLS that trusts only the certificates in {@code caFile} (PEM) to vouch for the server.
     *
     * @throws IllegalArgumentException naming the file, if it cannot be read or holds no certificate
     */
    public static Transport tls(Path caFile) {
        return new Transport(TlsChannelCredentials.newBuilder().trustManager(Pem.trustManagers(caFile)).build(), true,
                null, "TLS (server verified against " + caFile + ")");
    }

    /**
     * TLS as {@link #tls}, presenting the certificate chain in {@code certFile} with the PKCS#8 key in
     * {@code keyFile} (both PEM).
     *
     * @throws IllegalArgumentException naming the file, if one cannot be read, does not parse, the key is not the
     *                                  certificate's, or the certificate is not valid now
     */
    public static Transport mutualTls(Path caFile, Path certFile, Path keyFile) {
        ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
                .trustManager(Pem.trustManagers(caFile))
                .keyManager(Pem.keyManagers(certFile, keyFile))
                .build();
        String name = Pem.commonName(certFile);
        return new Transport(credentials, true, name == null ? "" : name, "mutual TLS (server verified against "
                + caFile + ", client certificate " + (name == null ? certFile : "CN=" + name) + ")");
    }

    /** Whether the channel is encrypted and the server authenticated. */
    public boolean isTls() {
        return tls;
    }

    /** Whether a client certificate is presented (the client half of {@code auth.mtls} can then run). */
    public boolean hasClientCertificate() {
        return certificateName != null;
    }

    /** The client certificate's common name ("" if it has none; null without a certificate). */
    public String certificateName() {
        return certificateName;
    }

    public ChannelCredentials credentials() {
        return credentials;
    }

    /**
     * A new channel to {@code target} (host:port) over this transport; a call that fails because of TLS says why in
     * its status (the service's certificate not trusted or not for this host, a client certificate required...).
     */
    public ManagedChannel channel(String target) {
        return NettyChannelBuilder.forTarget(target, credentials).intercept(new TlsFailures(tls)).build();
    }

    @Override
    public String toString() {
        return description;
    }
}
