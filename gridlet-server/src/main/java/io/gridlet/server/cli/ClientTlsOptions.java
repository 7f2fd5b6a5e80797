package io.gridlet.server.cli;

import io.gridlet.adaptlets.builtin.MutualTlsAuth;
import io.gridlet.client.Transport;
import io.gridlet.policy.PolicyException;
import io.gridlet.policy.PolicyParser;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The transport options of the live service's clients ({@code gridlet meter}, {@code gridlet results}): TLS when
 * {@code --ca} is given, with a client certificate ({@code --cert}, {@code --key}) for a service that requires one
 * and for {@code auth.mtls}.
 */
final class ClientTlsOptions {
    @Option(names = "--ca", paramLabel = "FILE",
            description = "Connect over TLS, trusting only the CA certificates in FILE (PEM) to vouch for the "
                    + "service (gridlet serve --tls-cert); its certificate must name the host of --target. "
                    + "Without it: plaintext.")
    Path ca;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "With --ca and --key: present this client certificate (PEM; the chain, the client's own "
                    + "first), for gridlet serve --client-ca. Where the policies negotiate auth.mtls, the caller is "
                    + "the certificate's common name (an id in the service's identities).")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE",
            description = "The private key of --cert (PEM, unencrypted PKCS#8: BEGIN PRIVATE KEY).")
    Path key;

    /**
     * The transport these options describe, for a client offering {@code policyText}.
     *
     * @throws UserError for options that do not go together, an unreadable or invalid file (named), or a policy
     *                   that declares {@code auth.mtls} without a client certificate to run it with
     */
    Transport transport(String policyText) {
        if ((cert == null) != (key == null)) throw new UserError("--cert and --key go together");
        if (cert != null && ca == null) {
            throw new UserError("--cert and --key need --ca (the CA that vouches for the service's certificate)");
        }
        if (cert == null && declaresMutualTls(policyText)) {
            throw new UserError("the client policy declares " + MutualTlsAuth.NAME + " (the client certificate as "
                    + "identity): give --ca, --cert and --key, or a policy without it");
        }
        try {
            return ca == null ? Transport.plaintext()
                    : cert == null ? Transport.tls(ca) : Transport.mutualTls(ca, cert, key);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    private static boolean declaresMutualTls(String policyText) {
        try {
            return PolicyParser.parse("client", policyText).features().containsKey(MutualTlsAuth.NAME);
        } catch (PolicyException e) {
            return false; // the session reports a bad policy, with its position
        }
    }
}
