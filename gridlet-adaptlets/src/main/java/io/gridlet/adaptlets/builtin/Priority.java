package io.gridlet.adaptlets.builtin;

import io.gridlet.adaptlets.Adaptlet;
import io.gridlet.adaptlets.ClientAdvice;
import io.gridlet.adaptlets.ClientScope;
import io.gridlet.adaptlets.DataSlot;
import io.gridlet.adaptlets.ServerAdvice;
import io.gridlet.adaptlets.ServerSessions;
import io.gridlet.adaptlets.ServingExecutor;
import io.gridlet.adaptlets.Verdict;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;

/**
 * {@code priority(level)}: a priority class carried with each call, honoured by the server's
 * {@link ServingExecutor} (a higher class is served before lower ones when calls queue). The session's agreed
 * {@code level} is the highest class its calls may ask for and the default; a call can ask for less with the call
 * option {@link #CALL_LEVEL}. The server refuses (PERMISSION_DENIED) a class above the session's level or above
 * the caller's ceiling ({@link Identity#maxPriority()}, when an authentication adaptlet ran before), and binds the
 * class for the application as {@link #CURRENT}.
 *
 * <p>The serving order trusts only what was verified: once an authenticated call of the session passed these
 * checks, the session keeps its ceiling (the lower of its level and the identity's), and later calls of the
 * session are ranked by the class they ask for up to that ceiling. A session no identity authenticated in, and a
 * call without a session, rank lowest whatever class their headers claim.
 */
public final class Priority implements Adaptlet, ServingExecutor.ServingRank {
    public static final String NAME = "priority";
    public static final DataSlot<Integer> LEVEL = DataSlot.call("priority",
            v -> ByteBuffer.allocate(4).putInt(v).array(),
            b -> b.length == 4 ? ByteBuffer.wrap(b).getInt() : -1);
    /** A lower class for one call. */
    public static final CallOptions.Key<Integer> CALL_LEVEL = CallOptions.Key.create("gridlet-priority");
    /** The class a call runs at, for the application. */
    public static final Context.Key<Integer> CURRENT = Context.key("gridlet-priority");
    /** Rank per class in the serving order: a class outranks any puzzle work (at most 64 bits). */
    public static final int RANK_PER_LEVEL = 100;
    public static final int MAX_LEVEL = 15;
    /** The highest class the session's calls were verified to be allowed (an authenticated caller's). */
    private static final DataSlot<Integer> VERIFIED = DataSlot.session("priority-verified");

    private final boolean server;

    private Priority(boolean server) {
        this.server = server;
    }

    public static Priority client() {
        return new Priority(false);
    }

    public static Priority server() {
        return new Priority(true);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> after() {
        return HmacAuth.AUTHENTICATION;
    }

    @Override
    public ClientAdvice client(Map<String, Object> params) {
        int level = Adaptlet.intParam(NAME, params, "level");
        return new ClientAdvice() {
            @Override
            public void beforeCall(ClientScope call) {
                Integer asked = call.options().getOption(CALL_LEVEL);
                call.put(LEVEL, asked == null ? level : Math.max(0, Math.min(level, asked)));
            }
        };
    }

    @Override
    public ServerAdvice server(Map<String, Object> params) {
        if (!server) throw Adaptlet.wrongSide(NAME, "server");
        int level = Adaptlet.intParam(NAME, params, "level");
        return call -> {
            Integer asked = call.get(LEVEL);
            int claimed = asked == null ? 0 : asked;
            if (claimed < 0 || claimed > MAX_LEVEL) {
                return Verdict.reject(Status.INVALID_ARGUMENT.withDescription("priority class " + claimed
                        + " is outside 0.." + MAX_LEVEL), "malformed");
            }
            if (claimed > level) {
                return Verdict.reject(Status.PERMISSION_DENIED.withDescription("priority class " + claimed
                        + " is above the session's " + level), "above-session");
            }
            Identity who = call.bound(Identity.CURRENT);
            if (who != null && claimed > who.maxPriority()) {
                return Verdict.reject(Status.PERMISSION_DENIED.withDescription("priority class " + claimed
                        + " is above " + who.id() + "'s ceiling " + who.maxPriority()), "above-caller");
            }
            if (who != null) call.session().put(VERIFIED, Math.min(level, who.maxPriority()));
            call.bind(CURRENT, claimed);
            return Verdict.PROCEED;
        };
    }

    /** The class the call asks for, up to the session's verified ceiling (none yet: the lowest). */
    @Override
    public int rank(ServerSessions.Session session, Metadata headers) {
        Integer ceiling = session.data().get(VERIFIED);
        Integer asked = LEVEL.in(headers);
        if (ceiling == null || asked == null || asked < 0) return 0;
        return Math.min(MAX_LEVEL, Math.min(ceiling, asked)) * RANK_PER_LEVEL;
    }
}
