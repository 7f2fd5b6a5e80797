package io.gridlet.client;

import io.gridlet.adaptlets.Adaptlet;
import io.gridlet.adaptlets.builtin.Authorization;
import io.gridlet.adaptlets.builtin.ClientPuzzle;
import io.gridlet.adaptlets.builtin.Compression;
import io.gridlet.adaptlets.builtin.HmacAuth;
import io.gridlet.adaptlets.builtin.MutualTlsAuth;
import io.gridlet.adaptlets.builtin.Priority;

import java.util.ArrayList;
import java.util.List;

/**
 * Who a client of the live service is (a meter, an operator or an analyst): its id and shared secret, and the
 * client halves of the adaptlets it runs in a session (everything the bundled ingest policies name; {@code auth.mtls}
 * too when it has a client certificate).
 */
public record ClientIdentity(String id, byte[] secret) {
    /** The identities a fresh service makes besides its meters (see the server's identities file). */
    public static final String OPERATOR = "operator", ANALYST = "analyst";

    public List<Adaptlet> adaptlets() {
        return List.of(ClientPuzzle.client(), HmacAuth.client(id, secret), Priority.client(), Compression.client(),
                Authorization.client());
    }

    /**
     * The adaptlets for a session over {@code transport}: as {@link #adaptlets()}, plus the client half of
     * {@code auth.mtls} when the transport presents a client certificate (then the certificate is the identity
     * wherever the policies negotiate {@code auth.mtls}).
     */
    public List<Adaptlet> adaptlets(Transport transport) {
        if (!transport.hasClientCertificate()) return adaptlets();
        List<Adaptlet> all = new ArrayList<>(adaptlets());
        all.add(MutualTlsAuth.client());
        return List.copyOf(all);
    }
}
