package io.gridlet.policy.sat;

import io.gridlet.policy.CompileBudget;
import io.gridlet.policy.Configuration;
import io.gridlet.policy.Policy;
import io.gridlet.policy.PolicyException;
import io.gridlet.policy.PolicyParser;
import io.gridlet.policy.Position;
import io.gridlet.policy.Semantics;
import io.gridlet.policy.Statement;
import io.gridlet.policy.Expr;
import io.gridlet.policy.Value;
import org.sat4j.core.Vec;
import org.sat4j.core.VecInt;
import org.sat4j.pb.IPBSolver;
import org.sat4j.pb.SolverFactory;
import org.sat4j.specs.ContradictionException;
import org.sat4j.specs.IConstr;
import org.sat4j.specs.ISolver;
import org.sat4j.specs.ISolverService;
import org.sat4j.specs.IVecInt;
import org.sat4j.specs.SearchListenerAdapter;
import org.sat4j.specs.TimeoutException;
import org.sat4j.tools.xplain.HighLevelXplain;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.HashMap;

/**
 * A client and a server policy compiled once (the clauses, the objective, a variable per run-time input
 * comparison); each session is resolved with the inputs' comparisons as assumptions, the preferences optimised
 * by Sat4j's pseudo-Boolean optimiser, and the answer kept per pattern of comparisons. An unsatisfiable pair is
 * explained by a minimal set of statements ({@link HighLevelXplain}, one group per statement) in the policies'
 * own words.
 *
 * <p>Compiling runs within a {@link CompileBudget} (variables, clauses, time), and so does each resolution: the
 * solver is stopped at the budget's deadline. An offer's compile and first resolution can share one budget.
 */
public final class Resolver {
    /** Default bound on compiling a pair, and on one session's solving ({@link CompileBudget#DEFAULT_TIMEOUT_MS}). */
    public static final long DEFAULT_TIMEOUT_MS = CompileBudget.DEFAULT_TIMEOUT_MS;
    /** Conflicts one solver call may take before it gives up (a session makes a few calls). */
    static final int MAX_CONFLICTS = 100_000;

    private final Policy client;
    private final Policy server;
    private final Encoding encoding;
    private final long timeoutMs;
    private final Memory<Key, Resolution> solved;
    /** Every input comparison and linked comparison, by index: what a whole session's answer depends on. */
    private final int[] allInputs;
    private final int[] allLinked;
    private final List<Component> components;
    /** Input patterns whose resolution is kept, and the bytes they may hold. */
    static final int MAX_PATTERNS = 1024;
    static final long MAX_PATTERN_BYTES = 4L << 20;
    /** The bytes all parts' answers may hold together (each part at least 64 KiB), at most MAX_PATTERNS each. */
    static final long MAX_PART_BYTES = 16L << 20;
    private static volatile boolean warm;

    /** What resolving a session gave: a configuration and its score, or the conflict. */
    public sealed interface Resolution permits Agreed, Conflict {
    }

    /** @param score the sum of both sides' preference points for {@code configuration} (the maximum) */
    public record Agreed(Configuration configuration, long score, Map<String, Double> inputs) implements Resolution {
    }

    /** A statement of one side's policy. */
    public record Blame(String side, Statement statement) {
        @Override
        public String toString() {
            return side + " line " + statement.at().line() + ": " + statement.text();
        }
    }

    /**
     * @param statements a minimal set of statements that cannot hold together (drop any one and the rest can)
     * @param reasons    those statements as "side line N: text", then notes on vocabulary and inputs
     */
    public record Conflict(List<Blame> statements, List<String> reasons) implements Resolution {
        @Override
        public String toString() {
            return "no configuration satisfies both policies; these conflict:\n  " + String.join("\n  ", reasons);
        }
    }

    private Resolver(Policy client, Policy server, CompileBudget budget) {
        this.client = client;
        this.server = server;
        this.timeoutMs = budget.timeoutMs();
        this.encoding = new Encoding(client, server, budget);
        this.components = split(budget);
        this.allInputs = java.util.stream.IntStream.range(0, encoding.inputVar.size()).toArray();
        this.allLinked = java.util.stream.IntStream.range(0, encoding.linked.size()).toArray();
        this.solved = new Memory<>(MAX_PATTERNS, MAX_PATTERN_BYTES, Key::bytes,
                r -> r instanceof Agreed a ? 48L * (1 + a.configuration().features().size()) : 4096);
    }

    public static Resolver compile(Policy client, Policy server) {
        return compile(client, server, DEFAULT_TIMEOUT_MS);
    }

    /** Compiles within {@code timeoutMs}, which also bounds each session's solving. */
    public static Resolver compile(Policy client, Policy server, long timeoutMs) {
        warmUp();
        return compile(client, server, CompileBudget.start(timeoutMs));
    }

    /**
     * Compiles within the budget; its time limit also bounds each later session's solving. A caller starting the
     * budget itself should have called {@link #warmUp()}.
     */
    public static Resolver compile(Policy client, Policy server, CompileBudget budget) {
        return new Resolver(client, server, budget);
    }

    /**
     * Resolves two tiny pairs (one agreeing with a preference, one conflicting), once per JVM: the first use of the
     * solver and the explainer loads their classes, which takes longer than a session's time limit and must not
     * be charged to the first peer's policy. Servers call it at start; {@link #compile(Policy, Policy, long)}
     * calls it before its time starts.
     */
    public static void warmUp() {
        if (warm) return;
        CompileBudget ample = CompileBudget.start(60_000);
        for (String text : new String[] {"policy warm { feature a(x: 0..3); a; prefer high a.x; }",
                "policy warm { feature a; a; not a; }"}) {
            Policy p = PolicyParser.parse("warm-up", text, ample);
            new Resolver(p, p, ample).resolve(Map.of(), ample);
        }
        warm = true;
    }

    public Policy client() {
        return client;
    }

    public Policy server() {
        return server;
    }

    /** Variables of the compiled pair (features, parameter literals, inputs, subformulas). */
    public int variables() {
        return encoding.vars();
    }

    /** The features both sides can run: the only ones a configuration may use. */
    public Set<String> vocabulary() {
        return encoding.vocabulary.keySet();
    }

    /**
     * Resolves one session with the deciding side's run-time inputs. The answer depends on the inputs only
     * through which of the policies' input comparisons hold and the values computed for parameter comparisons, so
     * it is solved once per such pattern and kept (the last {@value #MAX_PATTERNS} patterns): a session with a
     * known pattern costs the comparisons and a lookup. A new pattern is solved part by part, each independent
     * part once per pattern of what it reads (a part that reads no input is solved once, at the first session).
     */
    public Resolution resolve(Map<String, Double> inputs) {
        return resolve(inputs, sessionBudget());
    }

    /**
     * One session's budget, started when first asked for (reading the thread's CPU clock costs about a
     * microsecond, more than answering a known pattern): the compile's time limit, or none if it had none.
     */
    private Supplier<CompileBudget> sessionBudget() {
        return new Supplier<>() {
            private CompileBudget budget;

            @Override
            public CompileBudget get() {
                if (budget == null) budget = timeoutMs < 0 ? CompileBudget.untimed() : CompileBudget.start(timeoutMs);
                return budget;
            }
        };
    }

    /** {@link #resolve(Map)} by the budget's deadline (what is left of an offer's, after its compile). */
    public Resolution resolve(Map<String, Double> inputs, CompileBudget budget) {
        return resolve(inputs, () -> budget);
    }

    private Resolution resolve(Map<String, Double> inputs, Supplier<CompileBudget> budget) {
        Encoding.Session session = encoding.new Session(inputs);
        Key pattern = Key.of(session, allInputs, allLinked, true);
        Resolution r = solved.get(pattern);
        if (r == null) {
            r = solve(session, budget, true);
            solved.put(pattern, r);
        }
        return stamped(r, inputs);
    }

    /** A remembered answer told with this session's inputs: an agreement's inputs, a conflict's notes on them. */
    private static Resolution stamped(Resolution r, Map<String, Double> inputs) {
        if (r instanceof Agreed a) return new Agreed(a.configuration(), a.score(), Map.copyOf(inputs));
        Conflict c = (Conflict) r;
        List<String> reasons = new ArrayList<>();
        for (String line : c.reasons()) {
            if (line.equals(AT_THE_INPUTS)) break;
            reasons.add(line);
        }
        reasons.addAll(atTheInputs(c.statements(), inputs));
        return new Conflict(c.statements(), reasons);
    }

    /**
     * Resolves one session without the per-pattern memory of whole sessions: what a new pattern of inputs costs
     * (each part's own memory still serves, as in {@link #resolve}).
     */
    public Resolution solve(Map<String, Double> inputs) {
        return stamped(solve(encoding.new Session(inputs), sessionBudget(), true), inputs);
    }

    /** Resolves one session solving every part afresh, no memory at all: what a pattern no part has seen costs. */
    public Resolution solveCold(Map<String, Double> inputs) {
        return stamped(solve(encoding.new Session(inputs), sessionBudget(), false), inputs);
    }

    /**
     * Each independent part under the session's input pattern (from its memory, or on a fresh Sat4j PB solver
     * with its clauses, the session's clauses for its linked comparisons and ladders, and the assumptions); its
     * preferences optimised by linear search, as Sat4j's PseudoOptDecorator does: each model's sum plus one
     * becomes a pseudo-Boolean lower bound until none is satisfiable.
     */
    private Resolution solve(Encoding.Session session, Supplier<CompileBudget> budget, boolean remember) {
        boolean[] m = new boolean[encoding.vars() + 1];
        m[encoding.top] = true;
        for (int a : session.assumptions) m[Math.abs(a)] = a > 0;
        for (Component c : components) {
            int[] trueVars = remember ? c.remembered(session, budget) : c.optimise(session, budget);
            if (trueVars == null) return c.conflict(session, budget.get(), remember);
            for (int v : trueVars) m[v] = true;
        }
        return new Agreed(encoding.decode(m, session), score(m), Map.of());
    }

    /** What a session's answer depends on, for some inputs and linked comparisons: their values, as bits. */
    record Key(long[] bits) {
        /**
         * What a part's answer depends on: its input comparisons' values, and where each of its computed values
         * falls in its parameter's order encoding (with each real ladder's length), not the values themselves: a
         * cpu of 0.61 or 0.62 is the same pattern when no compared value moves across a parameter's value.
         * {@code withReals} adds the real values themselves, for an answer that reports them.
         */
        static Key of(Encoding.Session s, int[] inputs, int[] linked, boolean withReals) {
            int n = (inputs.length + 63) / 64;
            for (int l : linked) n += s.indices[l].length + 1 + (withReals ? s.thresholds[l].length : 0);
            long[] bits = new long[n];
            for (int i = 0; i < inputs.length; i++) {
                if (s.assumptions[inputs[i]] > 0) bits[i / 64] |= 1L << (i % 64);
            }
            int k = (inputs.length + 63) / 64;
            for (int l : linked) {
                for (int i : s.indices[l]) bits[k++] = i;
                bits[k++] = s.ladderLength(l);
                if (withReals) for (double t : s.thresholds[l]) bits[k++] = Double.doubleToLongBits(t);
            }
            return new Key(bits);
        }

        /** About how many bytes it holds. */
        long bytes() {
            return 16 + 8L * bits.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(bits, k.bits);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bits);
        }
    }

    /**
     * Independent parts of the compiled pair: variables linked by clauses, the constant-in-a-session ones (true,
     * the input comparisons) not counting as links, a linked comparison joined to its parameter's variables (a
     * session's clauses link them). Each part is optimised on its own solver: the sum of separate optima is the
     * optimum, and a solver never has to reason about the whole sum at once.
     */
    private List<Component> split(CompileBudget budget) {
        int n = encoding.vars();
        int[] parent = new int[n + 1];
        for (int i = 0; i <= n; i++) parent[i] = i;
        Map<Integer, Integer> inputIndex = new HashMap<>();
        int[] inputVars = encoding.inputVars();
        for (int i = 0; i < inputVars.length; i++) inputIndex.put(inputVars[i], i);
        IntPredicate constant = v -> v == encoding.top || inputIndex.containsKey(v);
        List<int[]> clauses = new ArrayList<>(encoding.hard);
        for (Encoding.Rooted r : encoding.roots) clauses.add(new int[] {r.literal()});
        int firstRoot = encoding.hard.size();
        List<int[]> links = new ArrayList<>(clauses);
        for (Encoding.Linked l : encoding.linked) {
            int[] ge = encoding.paramVars.get(l.cmp().feature()).get(l.cmp().param());
            links.add(ge.length > 1 ? new int[] {l.var(), l.aux(), ge[1]} : new int[] {l.var(), l.aux()});
        }
        for (int[] clause : links) {
            budget.charge(null, Position.NONE);
            int first = -1;
            for (int lit : clause) {
                int v = Math.abs(lit);
                if (constant.test(v)) continue;
                if (first < 0) first = v;
                else parent[find(parent, v)] = find(parent, first);
            }
        }
        Map<Integer, Component> byRoot = new LinkedHashMap<>();
        Component constants = new Component();
        for (int index = 0; index < clauses.size(); index++) {
            int[] clause = clauses.get(index);
            int owner = -1;
            for (int lit : clause) if (!constant.test(Math.abs(lit))) owner = find(parent, Math.abs(lit));
            Component c = owner < 0 ? constants : byRoot.computeIfAbsent(owner, k -> new Component());
            if (index >= firstRoot) c.roots.add(index - firstRoot);
            else c.clauses.add(clause);
            for (int lit : clause) {
                Integer i = inputIndex.get(Math.abs(lit));
                if (i != null) c.inputs.add(i);
            }
        }
        for (int v = 1; v <= n; v++) {
            if (constant.test(v)) continue;
            byRoot.computeIfAbsent(find(parent, v), k -> new Component()).vars.add(v);
        }
        for (int[] t : encoding.objective) {
            int v = Math.abs(t[1]);
            if (!constant.test(v)) byRoot.get(find(parent, v)).objective.add(t); // else a constant per session
        }
        for (int i = 0; i < encoding.linked.size(); i++) {
            byRoot.get(find(parent, encoding.linked.get(i).var())).linked.add(i);
        }
        for (String p : encoding.reals.keySet()) {
            int[] ge = encoding.paramVars.get(p.substring(0, p.lastIndexOf('.'))).get(p.substring(p.lastIndexOf('.')
                    + 1));
            byRoot.get(find(parent, ge[1])).reals.add(p);
        }
        List<Component> out = new ArrayList<>();
        out.add(constants);
        out.addAll(byRoot.values());
        int[] localOf = new int[n + 1]; // each variable's number in its part's own solver (parts are disjoint)
        for (Component c : out) c.seal(inputVars, localOf, Math.max(64L << 10, MAX_PART_BYTES / out.size()));
        return out;
    }

    private static int find(int[] parent, int v) {
        while (parent[v] != v) {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        return v;
    }

    /**
     * One independent part: its clauses, its statements (roots), its variables, its share of the objective, what
     * of a session it reads (input comparisons, linked comparisons, real parameters' ladders), and its answers and
     * conflicts by what it read.
     */
    private final class Component {
        final List<int[]> clauses = new ArrayList<>();
        /** Its statements, by index in the encoding's roots. */
        final List<Integer> roots = new ArrayList<>();
        final Set<Integer> vars = new HashSet<>();
        final List<int[]> objective = new ArrayList<>();
        final Set<Integer> inputs = new java.util.TreeSet<>();
        final List<Integer> linked = new ArrayList<>();
        final List<String> reals = new ArrayList<>();
        int[] inputIndex;
        int[] linkedIndex;
        /**
         * The part's own numbering, so that its solver has only its variables (a solver's set-up costs in the
         * number of variables): 1 is true, then its input comparisons, then its variables; local to global.
         */
        private int[] toGlobal;
        private int[] localOf;
        private final Map<Integer, Integer> inputLocal = new HashMap<>();
        private final List<int[]> localClauses = new ArrayList<>();
        private int[] rootLocal;
        /** The objective over its own literals, one term per variable (a literal twice would mislead Sat4j). */
        private int[] objectiveLiterals;
        private long[] objectiveWeights;
        /** Its best model's true variables, or UNSATISFIABLE, by what it read. */
        private Memory<Key, int[]> answers;
        /** When it has no model: its statements that conflict (indices in roots), by what it read. */
        private Memory<Key, int[]> conflicts;

        void seal(int[] inputVars, int[] localOf, long maxBytes) {
            inputIndex = inputs.stream().mapToInt(Integer::intValue).toArray();
            linkedIndex = linked.stream().mapToInt(Integer::intValue).toArray();
            this.localOf = localOf;
            int k = inputIndex.length;
            int[] own = vars.stream().mapToInt(Integer::intValue).sorted().toArray();
            toGlobal = new int[2 + k + own.length];
            toGlobal[1] = encoding.top;
            for (int i = 0; i < k; i++) {
                toGlobal[2 + i] = inputVars[inputIndex[i]];
                inputLocal.put(inputVars[inputIndex[i]], 2 + i);
            }
            for (int j = 0; j < own.length; j++) {
                toGlobal[2 + k + j] = own[j];
                localOf[own[j]] = 2 + k + j;
            }
            for (int[] clause : clauses) localClauses.add(local(clause));
            rootLocal = roots.stream().mapToInt(r -> local(encoding.roots.get(r).literal())).toArray();
            // w * (not x) = w - w * x: one net weight per variable, its sign choosing the literal
            Map<Integer, Long> net = new java.util.TreeMap<>();
            for (int[] t : objective) {
                int lit = local(t[1]);
                net.merge(Math.abs(lit), lit > 0 ? (long) t[0] : -(long) t[0], Long::sum);
            }
            net.values().removeIf(w -> w == 0);
            objectiveLiterals = net.entrySet().stream().mapToInt(e -> e.getValue() > 0 ? e.getKey() : -e.getKey())
                    .toArray();
            objectiveWeights = net.values().stream().mapToLong(Math::abs).toArray();
            answers = new Memory<>(MAX_PATTERNS, maxBytes, Key::bytes, a -> 16 + 4L * a.length);
            conflicts = new Memory<>(MAX_PATTERNS, maxBytes / 4, Key::bytes, a -> 16 + 4L * a.length);
        }

        private int local(int literal) {
            int v = Math.abs(literal);
            int l = v == encoding.top ? 1 : inputLocal.containsKey(v) ? inputLocal.get(v) : localOf[v];
            return literal > 0 ? l : -l;
        }

        private int[] local(int[] clause) {
            int[] out = new int[clause.length];
            for (int i = 0; i < out.length; i++) out[i] = local(clause[i]);
            return out;
        }

        /** Its answer for what it reads of this session: remembered, or solved and remembered. */
        int[] remembered(Encoding.Session session, Supplier<CompileBudget> budget) {
            Key key = Key.of(session, inputIndex, linkedIndex, false);
            int[] known = answers.get(key);
            if (known == null) {
                known = optimise(session, budget);
                answers.put(key, known == null ? UNSATISFIABLE : known);
            }
            return known == UNSATISFIABLE ? null : known;
        }

        /** The session's clauses that concern this part, in its numbering, and its input assumptions. */
        private List<int[]> sessionClauses(Encoding.Session session) {
            List<int[]> global = new ArrayList<>();
            for (int i : linkedIndex) session.link(i, global);
            for (String p : reals) session.ladder(p, global);
            List<int[]> out = new ArrayList<>(global.size() + inputIndex.length);
            for (int[] clause : global) out.add(local(clause));
            return out;
        }

        private int[] assumed(Encoding.Session session) {
            int[] assumed = new int[inputIndex.length];
            for (int i = 0; i < assumed.length; i++) {
                assumed[i] = session.assumptions[inputIndex[i]] > 0 ? 2 + i : -(2 + i);
            }
            return assumed;
        }

        /** The true variables of a best model of this part under the session, or null if it has none. */
        int[] optimise(Encoding.Session session, Supplier<CompileBudget> budgetOnce) {
            if (vars.isEmpty() && clauses.isEmpty() && roots.isEmpty()) return new int[0];
            CompileBudget budget = budgetOnce.get();
            IPBSolver solver = SolverFactory.newLight();
            solver.newVar(toGlobal.length - 1);
            solver.setTimeoutOnConflicts(MAX_CONFLICTS);
            solver.setSearchListener(stopAt(budget));
            if (budget.expired()) throw timeout(budget);
            int[] assumed = assumed(session);
            boolean[] fixed = new boolean[toGlobal.length];
            fixed[1] = true;
            for (int a : assumed) fixed[Math.abs(a)] = a > 0;
            IVecInt assumptions = new VecInt(assumed);
            try {
                solver.addClause(new VecInt(new int[] {1}));
                for (int[] clause : localClauses) solver.addClause(new VecInt(clause));
                for (int root : rootLocal) solver.addClause(new VecInt(new int[] {root}));
                for (int[] clause : sessionClauses(session)) solver.addClause(new VecInt(clause));
            } catch (ContradictionException e) {
                return null;
            }
            try {
                if (!solver.isSatisfiable(assumptions)) return null;
                int[] model = solver.model();
                // strengthen until no better one exists: each model's sum + 1 becomes a lower bound
                VecInt literals = new VecInt(objectiveLiterals);
                Vec<BigInteger> weights = new Vec<>();
                for (long w : objectiveWeights) weights.push(BigInteger.valueOf(w));
                while (objectiveLiterals.length > 0) {
                    if (budget.expired()) throw timeout(budget);
                    boolean[] m = fixed.clone();
                    for (int lit : model) if (lit > 0 && lit < m.length) m[lit] = true;
                    long sum = 0;
                    for (int t = 0; t < objectiveLiterals.length; t++) {
                        if (objectiveLiterals[t] > 0 == m[Math.abs(objectiveLiterals[t])]) sum += objectiveWeights[t];
                    }
                    try {
                        solver.addPseudoBoolean(literals, weights, true, BigInteger.valueOf(sum + 1));
                    } catch (ContradictionException e) {
                        break;
                    }
                    if (!solver.isSatisfiable(assumptions)) break;
                    model = solver.model();
                }
                int firstOwn = 2 + inputIndex.length;
                return Arrays.stream(model).filter(lit -> lit >= firstOwn).map(lit -> toGlobal[lit]).toArray();
            } catch (TimeoutException e) {
                throw timeout(budget);
            }
        }

        /**
         * Why this part has no model in the session: a minimal set of its statements that cannot hold together
         * with the session's inputs (Sat4j's HighLevelXplain, one group per statement, on this part's clauses only:
         * the other parts share no variable with it), remembered by what it read.
         */
        Conflict conflict(Encoding.Session session, CompileBudget budget, boolean remember) {
            Key key = Key.of(session, inputIndex, linkedIndex, false);
            int[] blamed = remember ? conflicts.get(key) : null;
            if (blamed == null) {
                blamed = explain(session, budget);
                if (remember) conflicts.put(key, blamed);
            }
            return conflictOf(blamed, session.inputs);
        }

        private int[] explain(Encoding.Session session, CompileBudget budget) {
            budget.checkTime(null, Position.NONE);
            HighLevelXplain<ISolver> xplain = new HighLevelXplain<>(org.sat4j.minisat.SolverFactory.newDefault());
            xplain.newVar(toGlobal.length - 1);
            xplain.setSearchListener(stopAt(budget));
            try {
                xplain.addNonControlableClause(new VecInt(new int[] {1}));
                for (int[] clause : localClauses) {
                    budget.charge(null, Position.NONE); // loading a large part again takes time of its own
                    xplain.addNonControlableClause(new VecInt(clause));
                }
                for (int[] clause : sessionClauses(session)) xplain.addNonControlableClause(new VecInt(clause));
                for (int a : assumed(session)) xplain.addNonControlableClause(new VecInt(new int[] {a}));
                budget.checkTime(null, Position.NONE);
                for (int i = 0; i < rootLocal.length; i++) {
                    xplain.addClause(new VecInt(new int[] {rootLocal[i]}), i + 1);
                }
                xplain.setTimeoutOnConflicts(MAX_CONFLICTS);
                if (xplain.isSatisfiable()) throw new IllegalStateException("explaining a satisfiable part");
                return xplain.explain().stream().mapToInt(id -> roots.get(id - 1)).sorted().toArray();
            } catch (ContradictionException e) {
                return new int[0]; // the clauses alone contradict: no statement to blame
            } catch (TimeoutException e) {
                throw PolicyException.limit(null, Position.NONE, "explaining the conflict took longer than "
                        + MAX_CONFLICTS + " conflicts");
            }
        }
    }

    private static final int[] UNSATISFIABLE = new int[0];

    /**
     * What the inputs made of the blamed statements: each input comparison, whether it held, with the inputs it
     * read; each parameter compared with a computed value, that value.
     */
    static List<String> atTheInputs(List<Blame> blamed, Map<String, Double> inputs) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (Blame b : blamed) notes(b.statement().expr(), inputs, out, new java.util.IdentityHashMap<>());
        return out.isEmpty() ? List.of() : java.util.stream.Stream.concat(Stream.of(AT_THE_INPUTS),
                out.stream().map(s -> "  " + s)).toList();
    }

    private static void notes(Expr e, Map<String, Double> inputs, Set<String> out, Map<Expr, Boolean> seen) {
        if (seen.put(e, true) != null) return;
        for (Expr child : Semantics.children(e)) notes(child, inputs, out, seen);
        if (e instanceof Expr.Input in) {
            Set<String> read = Semantics.inputs(in);
            out.add(in.text() + (in.holds(inputs) ? " holds" : " does not hold") + (read.isEmpty() ? ""
                    : " (" + read.stream().map(n -> n + " = " + Value.number(inputs.get(n)))
                    .collect(java.util.stream.Collectors.joining(", ")) + ")"));
        }
        if (e instanceof Expr.Cmp cmp && cmp.readsInputs()) {
            for (Object v : cmp.isRange() ? List.of(cmp.value(), cmp.upper()) : List.of(cmp.value())) {
                Value value = (Value) v;
                if (value.isConstant()) continue;
                Set<String> read = new java.util.LinkedHashSet<>();
                value.inputs(read);
                out.add(cmp.feature() + "." + cmp.param() + " is compared with " + value + " = "
                        + Value.number(value.eval(inputs)) + " (" + read.stream().map(n -> n + " = "
                        + Value.number(inputs.get(n))).collect(java.util.stream.Collectors.joining(", ")) + ")");
            }
        }
    }

    private static PolicyException timeout(CompileBudget budget) {
        return PolicyException.limit(null, Position.NONE, "resolving took more than " + budget.timeLimit() + " or "
                + MAX_CONFLICTS + " conflicts");
    }

    /**
     * Stops a solver when the budget's time is up, checked every 64 conflicts (Sat4j's own timeout either counts
     * conflicts or runs a timer thread on wall-clock time, not both): the solver is abandoned, so leaving its search
     * by an exception is safe.
     */
    private static SearchListenerAdapter<ISolverService> stopAt(CompileBudget budget) {
        return new SearchListenerAdapter<>() {
            private int conflicts;

            @Override
            public void conflictFound(IConstr conflict, int level, int trail) {
                if (++conflicts % 64 == 0 && budget.expired()) throw timeout(budget);
            }
        };
    }

    private long score(boolean[] m) {
        long s = encoding.objectiveOffset;
        for (int[] t : encoding.objective) if (t[1] > 0 == m[Math.abs(t[1])]) s += t[0];
        return s;
    }

    static final String AT_THE_INPUTS = "at these inputs:";

    /** The conflict of these statements (indices in the encoding's roots), in the policies' words. */
    private Conflict conflictOf(int[] blamedRoots, Map<String, Double> inputs) {
        if (blamedRoots.length == 0) {
            return new Conflict(List.of(), List.of("the policies contradict each other outright"));
        }
        List<String> reasons = new ArrayList<>();
        List<Blame> blamed = new ArrayList<>();
        Set<String> outside = new TreeSet<>();
        for (int id : blamedRoots) {
            Encoding.Rooted r = encoding.roots.get(id);
            Blame b = new Blame(r.side(), r.statement());
            blamed.add(b);
            reasons.add(b.toString());
            for (String f : Semantics.features(r.statement().expr())) {
                if (!encoding.vocabulary.containsKey(f)) outside.add(f);
            }
        }
        for (String f : outside) {
            reasons.add(f + " is not in both vocabularies (" + (client.features().containsKey(f) ? server.name()
                    : client.name()) + " does not declare it), so it is never used");
        }
        reasons.addAll(atTheInputs(blamed, inputs));
        return new Conflict(blamed, reasons);
    }

}
