package io.gridlet.adaptlets;

import java.util.Map;

/**
 * An adaptlet that can also guard {@code gridlet.session.v1.Session/Open}, where there is no session yet to negotiate it in:
 * when the server is loaded, the server runs its server advice on Open (bound to the caller's address instead of a
 * session), and {@link ClientSession} answers its challenge with the client advice, as on a woven call. The client
 * puzzle is one: Open then costs the caller work, not the server.
 */
public interface OpenGuard extends Adaptlet {
    /**
     * The parameters its advice runs with on Open: on the server, with the difficulty the server asks
     * ({@link AdmissionLimits#openPuzzleBits()}); on the client, with the most it will do.
     */
    Map<String, Object> openParameters(int difficulty);
}
