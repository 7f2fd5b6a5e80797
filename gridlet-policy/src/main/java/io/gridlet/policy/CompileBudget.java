package io.gridlet.policy;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The bounds on the work one policy may cause, in one place: a policy comes from a peer before it is authenticated
 * (gridlet.session.v1.Session/Open), so reading and compiling it must take milliseconds and little memory whatever it says.
 * A budget is started per compile (an offer's parse, compile and first resolution share one) and every pass charges
 * it: the parser (text size, names, items, nesting, size with let bindings written out), the WS-Policy reader, the
 * SAT encoding (variables, clauses) and the solver (time). Going over any bound is a {@link PolicyException} of kind
 * {@link PolicyException.Kind#LIMIT} naming the bound and its value.
 *
 * <p>A policy the parsers accept is within these bounds (its formulas at most {@link #MAX_DEPTH} deep and
 * {@link #MAX_NODES} nodes with let bindings written out), so the passes that only walk it ({@link Semantics},
 * {@link PolicyText}) are bounded too. A parameter's integer range is bounded by {@link Domain#MAX_SIZE}.
 *
 * <p>Time is the compiling thread's CPU time (wall-clock time where the JVM cannot measure it): what a policy
 * costs the server, not how busy the machine is. A budget belongs to one compile on one thread. A policy from a
 * trusted place (this side's own, a file on the command line) is read with {@link #untimed()}: the size bounds
 * alone keep reading it to milliseconds.
 */
public final class CompileBudget {
    /** Longest policy text, in characters. */
    public static final int MAX_CHARS = 64 * 1024;
    /** Longest name (feature, parameter, enumeration value, input), in characters. */
    public static final int MAX_NAME = 128;
    /** Most items (feature declarations, statements, preferences) in a policy. */
    public static final int MAX_ITEMS = 1000;
    /**
     * Most levels of nesting: every construct that nests counts (parentheses, not, optional, an and/or chain, a
     * group, if/then/else, requires/conflicts), and so does a let binding used inside another, as written out.
     */
    public static final int MAX_DEPTH = 64;
    /** Most formula nodes in a policy with its let bindings written out (sharing cannot multiply the work). */
    public static final int MAX_NODES = 50_000;
    /** Most variables of the SAT encoding of a client and a server policy. */
    public static final int MAX_VARIABLES = 200_000;
    /** Most clauses of the SAT encoding of a client and a server policy (made in about the default time). */
    public static final int MAX_CLAUSES = 250_000;
    /**
     * Most variables of the encoding of a pair whose client policy a peer sent ({@link #forPeer}): ample for the
     * policies a client offers (a pair of 85 features with 8 parameters each is about 1,000 variables), and a
     * compile this size takes a few megabytes, not the hundreds a pair at {@link #MAX_VARIABLES} may.
     */
    public static final int PEER_MAX_VARIABLES = 20_000;
    /** Most clauses of the encoding of a pair whose client policy a peer sent ({@link #forPeer}). */
    public static final int PEER_MAX_CLAUSES = 50_000;
    /** Default time for compiling and resolving (Resolver's default session time limit). */
    public static final long DEFAULT_TIMEOUT_MS = 200;

    /** How many charges pass between two readings of the clock. */
    private static final int CLOCK_EVERY = 1024;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean CPU_CLOCK = THREADS.isCurrentThreadCpuTimeSupported()
            && THREADS.isThreadCpuTimeEnabled();

    /** The time limit, or -1 for none. */
    private final long timeoutMs;
    private final long deadline;
    private final int maxVariables;
    private final int maxClauses;
    private int charges;

    private CompileBudget(long timeoutMs, int maxVariables, int maxClauses) {
        this.timeoutMs = timeoutMs;
        this.deadline = timeoutMs < 0 ? 0 : now() + timeoutMs * 1_000_000;
        this.maxVariables = maxVariables;
        this.maxClauses = maxClauses;
    }

    private static long now() {
        return CPU_CLOCK ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** A budget whose time runs from now for {@code timeoutMs} (0 or more). */
    public static CompileBudget start(long timeoutMs) {
        if (timeoutMs < 0) throw new IllegalArgumentException("negative time limit " + timeoutMs);
        return new CompileBudget(timeoutMs, MAX_VARIABLES, MAX_CLAUSES);
    }

    /**
     * A budget for compiling a policy a peer sent, with a server's own: time as {@link #start}, and an encoding of
     * at most {@link #PEER_MAX_VARIABLES} variables and {@link #PEER_MAX_CLAUSES} clauses, so that the memory a
     * peer's offer costs stays small too.
     */
    public static CompileBudget forPeer(long timeoutMs) {
        if (timeoutMs < 0) throw new IllegalArgumentException("negative time limit " + timeoutMs);
        return new CompileBudget(timeoutMs, PEER_MAX_VARIABLES, PEER_MAX_CLAUSES);
    }

    /** Every bound but time, for a policy from a trusted place. */
    public static CompileBudget untimed() {
        return new CompileBudget(-1, MAX_VARIABLES, MAX_CLAUSES);
    }

    /** Most variables the SAT encoding may have. */
    public int maxVariables() {
        return maxVariables;
    }

    /** Most clauses the SAT encoding may have. */
    public int maxClauses() {
        return maxClauses;
    }

    /** The time limit in milliseconds, or -1 for none. */
    public long timeoutMs() {
        return timeoutMs;
    }

    public boolean expired() {
        return timeoutMs >= 0 && now() - deadline >= 0;
    }

    /** The time limit in words, e.g. "200 ms of CPU time". */
    public String timeLimit() {
        return timeoutMs + " ms" + (CPU_CLOCK ? " of CPU time" : "");
    }

    /** Charges one step of work: cheap enough for every node or clause (the clock is read now and then). */
    public void charge(String source, Position at) {
        if (charges++ % CLOCK_EVERY == 0) checkTime(source, at);
    }

    /** Refuses once the time is up. */
    public void checkTime(String source, Position at) {
        if (expired()) {
            throw PolicyException.limit(source, at, "compiling the policies took more than " + timeLimit());
        }
    }
}
