package io.gridlet.server.live;

import io.gridlet.client.Pem;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;

import java.nio.file.Path;

/**
 * TLS on the gateway's port: the server's certificate chain and its PKCS#8 key (PEM), and optionally the CA whose
 * certificates clients must present. With a client CA the handshake requires and verifies a client certificate
 * (a client without one, or with one from another CA, never reaches a service, the health check included), and
 * {@code auth.mtls} can then take the certificate's common name as the caller's identity where the policies
 * negotiate it. The files are read and checked when the value is made (see {@link Pem}).
 */
public final class ServerTls {
    private final ServerCredentials credentials;
    private final String description;

    private ServerTls(ServerCredentials credentials, String description) {
        this.credentials = credentials;
        this.description = description;
    }

    /**
     * @param clientCaFile null: clients are not asked for a certificate
     * @throws IllegalArgumentException naming the file, if one cannot be read, does not parse, the key is not the
     *                                  certificate's, or the certificate is not valid now
     */
    public static ServerTls load(Path certChainFile, Path keyFile, Path clientCaFile) {
        TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder()
                .keyManager(Pem.keyManagers(certChainFile, keyFile));
        if (clientCaFile == null) return new ServerTls(b.build(), "TLS (" + certChainFile + ")");
        b.trustManager(Pem.trustManagers(clientCaFile)).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
        return new ServerTls(b.build(), "mutual TLS (" + certChainFile + "; client certificates required, issued by "
                + clientCaFile + ")");
    }

    public ServerCredentials credentials() {
        return credentials;
    }

    @Override
    public String toString() {
        return description;
    }
}
