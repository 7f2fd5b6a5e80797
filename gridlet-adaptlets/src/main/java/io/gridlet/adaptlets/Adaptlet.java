package io.gridlet.adaptlets;

import java.util.Map;
import java.util.Set;

/**
 * One cross-cutting feature with two halves that cooperate across the network: {@link ClientAdvice} woven into
 * the client's calls and {@link ServerAdvice} woven into the server's, bound to RPC methods by a {@link Pointcut}.
 * Its {@link #name()} is the feature's name in the policies: a session runs the adaptlets whose features the
 * negotiated configuration turns on, each made with that feature's parameters.
 *
 * <p>Several adaptlets on one method run in an order derived from their declared constraints ({@link #before()},
 * {@link #after()}: a partial order over names; a constraint naming an adaptlet that is not present is ignored).
 * Where the constraints leave two adaptlets unordered, their names decide; the order in which they were
 * registered never does. A cycle is an error when the {@link Weaver} is built.
 *
 * <p>An adaptlet object configures one side: a client-side instance builds client advice (and may refuse to build
 * server advice), a server-side instance the opposite. The declaration (name, pointcut, order) is the same on both.
 */
public interface Adaptlet {
    /** The feature name, e.g. {@code puzzle} or {@code auth.hmac}. */
    String name();

    /** Which methods and call kinds the adaptlet applies to. */
    default Pointcut pointcut() {
        return Pointcut.ALL;
    }

    /** Names of the adaptlets this one must run before (on the server: it sees the call first). */
    default Set<String> before() {
        return Set.of();
    }

    /** Names of the adaptlets this one must run after. */
    default Set<String> after() {
        return Set.of();
    }

    /** The client half for a session whose configuration gives this feature these parameters. */
    ClientAdvice client(Map<String, Object> params);

    /** The server half for a session whose configuration gives this feature these parameters. */
    ServerAdvice server(Map<String, Object> params);

    /** An int parameter of a configuration, with a clear error when the policy did not declare it. */
    static int intParam(String adaptlet, Map<String, Object> params, String name) {
        Object v = params.get(name);
        if (v instanceof Integer i) return i;
        throw new IllegalArgumentException("adaptlet " + adaptlet + " needs an int parameter '" + name
                + "' (declare: feature " + adaptlet + "(" + name + ": lo..hi)), the configuration has " + params);
    }

    /** An adaptlet object built for one side asked for the other half. */
    static UnsupportedOperationException wrongSide(String adaptlet, String half) {
        return new UnsupportedOperationException("this " + adaptlet + " adaptlet was built without its " + half
                + " half; use its " + half + "(...) factory on that side");
    }
}
