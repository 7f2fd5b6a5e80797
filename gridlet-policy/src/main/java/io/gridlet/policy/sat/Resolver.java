package io.gridlet.policy.sat;

import io.gridlet.policy.CompileBudget;
import io.gridlet.policy.Configuration;
import io.gridlet.policy.Policy;
import io.gridlet.policy.PolicyException;
import io.gridlet.policy.PolicyParser;
import io.gridlet.policy.Position;
import io.gridlet.policy.Semantics;
import io.gridlet.policy.Statement;
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
    private final Map<String, Resolution> solved;
    private final List<Component> components;
    /** Input patterns whose resolution is kept. */
    static final int MAX_PATTERNS = 1024;
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
        this.solved = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Resolution> eldest) {
                return size() > MAX_PATTERNS;
            }
        };
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
     * through which of the policies' input comparisons hold, so it is solved once per such pattern and kept
     * (the last {@value #MAX_PATTERNS} patterns): a session with a known pattern costs the comparisons and a
     * lookup.
     */
    public Resolution resolve(Map<String, Double> inputs) {
        return resolve(inputs, sessionBudget());
    }

    /** One session's budget: the compile's time limit, or none if it had none. */
    private CompileBudget sessionBudget() {
        return timeoutMs < 0 ? CompileBudget.untimed() : CompileBudget.start(timeoutMs);
    }

    /** {@link #resolve(Map)} by the budget's deadline (what is left of an offer's, after its compile). */
    public Resolution resolve(Map<String, Double> inputs, CompileBudget budget) {
        int[] assumed = encoding.assumptions(inputs);
        String pattern = Arrays.toString(assumed);
        Resolution r;
        synchronized (solved) {
            r = solved.get(pattern);
        }
        if (r == null) {
            r = solve(assumed, budget);
            synchronized (solved) {
                solved.put(pattern, r);
            }
        }
        return r instanceof Agreed a ? new Agreed(a.configuration(), a.score(), Map.copyOf(inputs)) : r;
    }

    /** Resolves one session without the per-pattern memory: what a new pattern of inputs costs. */
    public Resolution solve(Map<String, Double> inputs) {
        Resolution r = solve(encoding.assumptions(inputs), sessionBudget());
        return r instanceof Agreed a ? new Agreed(a.configuration(), a.score(), Map.copyOf(inputs)) : r;
    }

    /**
     * Each independent part on a fresh Sat4j PB solver with its clauses and the input pattern as assumptions;
     * its preferences optimised by linear search, as Sat4j's PseudoOptDecorator does: each model's sum plus one
     * becomes a pseudo-Boolean lower bound until none is satisfiable.
     */
    private Resolution solve(int[] assumed, CompileBudget budget) {
        IVecInt assumptions = new VecInt(assumed);
        boolean[] m = new boolean[encoding.vars() + 1];
        m[encoding.top] = true;
        for (int a : assumed) m[Math.abs(a)] = a > 0;
        for (Component c : components) {
            int[] model = c.optimise(assumptions, budget);
            if (model == null) return explain(assumed, budget);
            for (int lit : model) if (lit > 0 && c.owns(lit)) m[lit] = true;
        }
        return new Agreed(encoding.decode(m), score(m), Map.of());
    }

    /**
     * Independent parts of the compiled pair: variables linked by clauses, the constant-in-a-session ones (true,
     * the input comparisons) not counting as links. Each part is optimised on its own solver: the sum of
     * separate optima is the optimum, and a solver never has to reason about the whole sum at once.
     */
    private List<Component> split(CompileBudget budget) {
        int n = encoding.vars();
        int[] parent = new int[n + 1];
        for (int i = 0; i <= n; i++) parent[i] = i;
        IntPredicate constant = v -> v == encoding.top || encoding.inputAtom.containsKey(v);
        List<int[]> clauses = new ArrayList<>(encoding.hard);
        for (Encoding.Rooted r : encoding.roots) clauses.add(new int[] {r.literal()});
        for (int[] clause : clauses) {
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
        for (int[] clause : clauses) {
            int owner = -1;
            for (int lit : clause) if (!constant.test(Math.abs(lit))) owner = find(parent, Math.abs(lit));
            Component c = owner < 0 ? constants : byRoot.computeIfAbsent(owner, k -> new Component());
            c.clauses.add(clause);
        }
        for (int v = 1; v <= n; v++) {
            if (constant.test(v)) continue;
            byRoot.computeIfAbsent(find(parent, v), k -> new Component()).vars.add(v);
        }
        for (int[] t : encoding.objective) {
            int v = Math.abs(t[1]);
            if (!constant.test(v)) byRoot.get(find(parent, v)).objective.add(t);
        }
        List<Component> out = new ArrayList<>();
        out.add(constants);
        out.addAll(byRoot.values());
        return out;
    }

    private static int find(int[] parent, int v) {
        while (parent[v] != v) {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        return v;
    }

    /** One independent part: its clauses, its variables, its share of the objective. */
    private final class Component {
        final List<int[]> clauses = new ArrayList<>();
        final Set<Integer> vars = new HashSet<>();
        final List<int[]> objective = new ArrayList<>();

        boolean owns(int v) {
            return vars.contains(v);
        }

        /** A best model of this part under the assumptions, or null if it has none. */
        int[] optimise(IVecInt assumptions, CompileBudget budget) {
            IPBSolver solver = SolverFactory.newDefault();
            solver.newVar(encoding.vars());
            solver.setTimeoutOnConflicts(MAX_CONFLICTS);
            solver.setSearchListener(stopAt(budget));
            if (budget.expired()) throw timeout(budget);
            try {
                solver.addClause(new VecInt(new int[] {encoding.top}));
                for (int[] clause : clauses) solver.addClause(new VecInt(clause));
            } catch (ContradictionException e) {
                return null;
            }
            try {
                if (!solver.isSatisfiable(assumptions)) return null;
                int[] model = solver.model();
                // strengthen until no better one exists: each model's sum + 1 becomes a lower bound
                VecInt literals = new VecInt();
                Vec<BigInteger> weights = new Vec<>();
                for (int[] t : objective) {
                    literals.push(t[1]);
                    weights.push(BigInteger.valueOf(t[0]));
                }
                while (!objective.isEmpty()) {
                    if (budget.expired()) throw timeout(budget);
                    long sum = 0;
                    boolean[] m = toArray(model);
                    for (int[] t : objective) if (t[1] > 0 == m[Math.abs(t[1])]) sum += t[0];
                    try {
                        solver.addPseudoBoolean(literals, weights, true, BigInteger.valueOf(sum + 1));
                    } catch (ContradictionException e) {
                        break;
                    }
                    if (!solver.isSatisfiable(assumptions)) break;
                    model = solver.model();
                }
                return model;
            } catch (TimeoutException e) {
                throw timeout(budget);
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

    private boolean[] toArray(int[] model) {
        boolean[] m = new boolean[encoding.vars() + 1];
        for (int lit : model) if (lit > 0 && lit <= encoding.vars()) m[lit] = true;
        return m;
    }

    private long score(boolean[] m) {
        long s = encoding.objectiveOffset;
        for (int[] t : encoding.objective) if (t[1] > 0 == m[Math.abs(t[1])]) s += t[0];
        return s;
    }

    /** The conflict, as a minimal set of statements (the run-time inputs held fixed). */
    private Conflict explain(int[] assumed, CompileBudget budget) {
        budget.checkTime(null, Position.NONE);
        HighLevelXplain<ISolver> xplain = new HighLevelXplain<>(org.sat4j.minisat.SolverFactory.newDefault());
        xplain.newVar(encoding.vars());
        xplain.setSearchListener(stopAt(budget));
        try {
            for (int[] clause : encoding.hard) {
                budget.charge(null, Position.NONE); // loading a large encoding again takes time of its own
                xplain.addNonControlableClause(new VecInt(clause));
            }
            budget.checkTime(null, Position.NONE);
            for (int a : assumed) xplain.addNonControlableClause(new VecInt(new int[] {a}));
            for (int i = 0; i < encoding.roots.size(); i++) {
                xplain.addClause(new VecInt(new int[] {encoding.roots.get(i).literal()}), i + 1);
            }
            xplain.setTimeoutOnConflicts(MAX_CONFLICTS);
            if (xplain.isSatisfiable()) throw new IllegalStateException("explaining a satisfiable pair");
            Collection<Integer> core = xplain.explain();
            List<String> reasons = new ArrayList<>();
            List<Blame> blamed = new ArrayList<>();
            TreeSet<Integer> ordered = new TreeSet<>(core);
            Set<String> outside = new TreeSet<>();
            for (int id : ordered) {
                Encoding.Rooted r = encoding.roots.get(id - 1);
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
            if (!encoding.inputVar.isEmpty()) reasons.add("with the run-time inputs as given");
            return new Conflict(blamed, reasons);
        } catch (ContradictionException e) {
            return new Conflict(List.of(), List.of("the policies contradict each other outright"));
        } catch (TimeoutException e) {
            throw PolicyException.limit(null, Position.NONE, "explaining the conflict took longer than "
                    + MAX_CONFLICTS + " conflicts");
        }
    }
}
