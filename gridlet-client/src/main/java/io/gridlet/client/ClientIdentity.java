package io.gridlet.client;

import io.gridlet.adaptlets.Adaptlet;
import io.gridlet.adaptlets.builtin.Authorization;
import io.gridlet.adaptlets.builtin.ClientPuzzle;
import io.gridlet.adaptlets.builtin.HmacAuth;
import io.gridlet.adaptlets.builtin.Priority;

import java.util.List;

/**
 * Who a client of the live service is (a meter, an operator or an analyst): its id and shared secret, and the
 * client halves of the adaptlets it runs in a session (everything the bundled ingest policies name).
 */
public record ClientIdentity(String id, byte[] secret) {
    /** The identities a fresh service makes besides its meters (see the server's identities file). */
    public static final String OPERATOR = "operator", ANALYST = "analyst";

    public List<Adaptlet> adaptlets() {
        return List.of(ClientPuzzle.client(), HmacAuth.client(id, secret), Priority.client(), Authorization.client());
    }
}
