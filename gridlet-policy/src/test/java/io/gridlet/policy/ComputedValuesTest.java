package io.gridlet.policy;

import io.gridlet.policy.sat.Resolver;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GlueQoS's constructs: values computed from run-time inputs, real parameters with open and closed bounds, and
 * "X if C" in its two readings; the example pair (a server whose puzzle size follows its load, a meter that never
 * authenticates) resolved at three loads, the answers worked out by hand.
 */
class ComputedValuesTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "policies");

    private static Policy parse(String body) {
        return PolicyParser.parse("t", "policy t {\n" + body + "\n}");
    }

    private static boolean holds(Policy p, Configuration c, Map<String, Double> inputs) {
        return Semantics.violations(p, c, inputs).isEmpty();
    }

    private static Configuration puzzle(Object size) {
        return new Configuration(Map.of("cpp", Map.of("size", size)));
    }

    @Test
    void aComputedValueIsRoundedToTheNearestIntegerHalvesUpForAnIntegerParameter() {
        Policy p = parse("feature cpp(size: 0..32);\nlet puzzleMax = 20 in cpp.size == cpu * puzzleMax / 2;");
        // cpu 0.73: 0.73 * 20 / 2 = 7.3, rounded 7; cpu 0.75: 7.5, rounded up to 8; cpu 0.85: 8.5 -> 9
        assertThat(holds(p, puzzle(7), Map.of("cpu", 0.73))).isTrue();
        assertThat(holds(p, puzzle(8), Map.of("cpu", 0.73))).isFalse();
        assertThat(holds(p, puzzle(8), Map.of("cpu", 0.75))).isTrue();
        assertThat(holds(p, puzzle(9), Map.of("cpu", 0.85))).isTrue();
        Policy client = parse("feature cpp(size: 0..32);\ncpp;");
        Resolver r = Resolver.compile(client, p);
        assertThat(((Resolver.Agreed) r.resolve(Map.of("cpu", 0.73))).configuration()).isEqualTo(puzzle(7));
        assertThat(((Resolver.Agreed) r.resolve(Map.of("cpu", 0.75))).configuration()).isEqualTo(puzzle(8));
        // negative halves go up too: -7.5 -> -7
        Policy neg = parse("feature f(x: -10..10);\nf.x == 0 - q / 2;");
        assertThat(holds(neg, new Configuration(Map.of("f", Map.of("x", -7))), Map.of("q", 15.0))).isTrue();
    }

    @Test
    void arithmeticHasItsUsualPrecedenceAndLetNumbers() {
        Policy p = parse("feature puzzle(difficulty: 0..64);\n"
                + "let base = 8 in puzzle.difficulty >= base + queued / 16;\n"
                + "puzzle.difficulty <= (base2 - 1) * 2;");
        // 8 + 40 / 16 = 10.5 -> 11; (9 - 1) * 2 = 16
        Map<String, Double> in = Map.of("queued", 40.0, "base2", 9.0);
        assertThat(holds(p, new Configuration(Map.of("puzzle", Map.of("difficulty", 11))), in)).isTrue();
        assertThat(holds(p, new Configuration(Map.of("puzzle", Map.of("difficulty", 10))), in)).isFalse();
        assertThat(holds(p, new Configuration(Map.of("puzzle", Map.of("difficulty", 17))), in)).isFalse();
        // a name with '-' followed by a digit is a subtraction
        Policy minus = parse("feature a;\nif queued-1 > 2 then a;");
        assertThat(Semantics.inputs(minus.statements().get(0).expr())).containsExactly("queued");
        assertThat(holds(minus, new Configuration(Map.of()), Map.of("queued", 3.5))).isFalse();
        assertThat(holds(minus, new Configuration(Map.of()), Map.of("queued", 3.0))).isTrue();
    }

    @Test
    void realParametersHaveOpenAndClosedBounds() {
        Policy p = parse("feature cpp(size: real 0..32);\ncpp and 10 < cpp.size < 18;\ncpp.size in [load, 20];");
        Map<String, Double> in = Map.of("load", 12.5);
        assertThat(holds(p, puzzle(10.0), in)).isFalse();
        assertThat(holds(p, puzzle(12.5), in)).isTrue(); // the closed end of the interval
        assertThat(holds(p, puzzle(12.4999), in)).isFalse();
        assertThat(holds(p, puzzle(17.999), in)).isTrue();
        assertThat(holds(p, puzzle(18.0), in)).isFalse();
        Resolver r = Resolver.compile(parse("feature cpp(size: real 0..32);\nprefer 1 cpp.size == 17;"), p);
        assertThat(((Resolver.Agreed) r.resolve(in)).configuration()).isEqualTo(puzzle(17.0));
        // without a preference the chosen value is a point the policies name, or the middle of an open interval
        Resolver plain = Resolver.compile(parse("feature cpp(size: real 0..32);"), p);
        double size = (Double) ((Resolver.Agreed) plain.resolve(in)).configuration().value("cpp", "size");
        assertThat(size).isIn(12.5, (12.5 + 18) / 2);
        assertThatThrownBy(() -> parse("feature cpp(size: real 0..32);\nprefer high cpp.size;"))
                .hasMessageContaining("prefer low/high needs an integer parameter");
    }

    @Test
    void xIfCIsAChoiceOnlyWhileCHoldsAndAStatementOtherwise() {
        // "authentication alone suffices, if the load is below half": a choice that disappears at high load
        Policy p = parse("feature auth; feature cpp;\nexactly-one { auth if load < 0.5; cpp };");
        Configuration auth = new Configuration(Map.of("auth", Map.of()));
        assertThat(holds(p, auth, Map.of("load", 0.3))).isTrue();
        assertThat(holds(p, auth, Map.of("load", 0.7))).isFalse();
        assertThat(p.statements().get(0).expr()).isInstanceOf(Expr.ExactlyOne.class);
        assertThat(((Expr.ExactlyOne) p.statements().get(0).expr()).parts().get(0)).isInstanceOf(Expr.All.class);
        // as a statement of its own: if the load is high, then the puzzle
        Policy s = parse("feature cpp;\ncpp if load > 0.8;");
        assertThat(s.statements().get(0).expr()).isInstanceOf(Expr.If.class);
        assertThat(holds(s, new Configuration(Map.of()), Map.of("load", 0.3))).isTrue();
        assertThat(holds(s, new Configuration(Map.of()), Map.of("load", 0.9))).isFalse();
    }

    @Test
    void whatCannotBeComputedIsRefusedWithTheReason() {
        assertThatThrownBy(() -> parse("feature cpp(size: 0..32);\ncpp.size * 2 > 3;"))
                .hasMessageContaining("parameter cpp.size cannot be computed with");
        assertThatThrownBy(() -> parse("feature a(x: 0..3); feature b(y: 0..3);\na.x < b.y;"))
                .hasMessageContaining("comparing two parameters");
        assertThatThrownBy(() -> parse("feature a(m: {p, q});\na.m < 2;"))
                .hasMessageContaining("can only be compared with == or !=");
        assertThatThrownBy(() -> parse("feature a;\nlet c = (a) in c + 1 > 2;"))
                .hasMessageContaining("c is a condition here, not a number");
        assertThatThrownBy(() -> parse("feature a(x: 0..3);\na.x >= cpu *;"))
                .hasMessageContaining("expected a number, an input or '('");
        // values whose let bindings multiply are refused like formulas
        StringBuilder bomb = new StringBuilder("feature a(x: 0..3);\nlet v0 = cpu");
        for (int i = 1; i <= 40; i++) bomb.append(", v").append(i).append(" = v").append(i - 1).append(" + v")
                .append(i - 1);
        assertThatThrownBy(() -> parse(bomb + " in a.x >= v40;")).isInstanceOfSatisfying(PolicyException.class,
                e -> assertThat(e.kind()).isEqualTo(PolicyException.Kind.LIMIT));
        // IEEE arithmetic: 1 / 0 is infinite, 0 / 0 NaN compares false except !=
        Policy ieee = parse("feature a;\nif 1 / q > 100 then a;\nif 0 / q == 0 / q then not a;");
        assertThat(holds(ieee, new Configuration(Map.of()), Map.of("q", 0.0))).isFalse(); // a needed: 1/0 > 100
        assertThat(holds(ieee, new Configuration(Map.of("a", Map.of())), Map.of("q", 0.0))).isTrue();
    }

    @Test
    void inequalitiesCompareExactlyAndOnlyEqualityRounds() {
        Policy p = parse("feature f(n: 0..10);\nf.n > 2.6;\nf.n >= 8 + queued / 16 or f.n <= 3;");
        Map<String, Double> in = Map.of("queued", 4.0); // 8 + 4 / 16 = 8.25
        assertThat(holds(p, new Configuration(Map.of("f", Map.of("n", 3))), in)).isTrue(); // 3 > 2.6
        assertThat(holds(p, new Configuration(Map.of("f", Map.of("n", 8))), in)).isFalse(); // 8 < 8.25
        assertThat(holds(p, new Configuration(Map.of("f", Map.of("n", 9))), in)).isTrue();
        Policy range = parse("feature f(n: 0..10);\nf.n in [x, x * 3];");
        // [1.5, 4.5]: 2 to 4
        assertThat(holds(range, new Configuration(Map.of("f", Map.of("n", 1))), Map.of("x", 1.5))).isFalse();
        assertThat(holds(range, new Configuration(Map.of("f", Map.of("n", 4))), Map.of("x", 1.5))).isTrue();
        assertThat(holds(range, new Configuration(Map.of("f", Map.of("n", 5))), Map.of("x", 1.5))).isFalse();
        Resolver r = Resolver.compile(parse("feature f(n: 0..10);\nf;\nprefer low f.n;"), p);
        assertThat(((Resolver.Agreed) r.resolve(in)).configuration().value("f", "n")).isEqualTo(3);
        assertThat(((Resolver.Agreed) r.resolve(Map.of("queued", 40.0))).configuration().value("f", "n"))
                .isEqualTo(3); // 10.5 -> n >= 11 impossible, n <= 3 still
    }

    @Test
    void aPreferenceTermOnBothSidesIsCountedOnce() {
        // both sides' preferences put the same literal in the objective; Sat4j must not see it twice
        Policy client = parse("feature f; feature h(e: {a, b});\nh.e == a;\nprefer -2 (f and h);\nprefer -3 h;");
        Policy server = parse("feature f; feature h(e: {a, b});\nprefer -1 h;\nprefer -1 (not f or false);");
        // f on: -2 - 3 - 1 + 0 = -6; f off: 0 - 3 - 1 - 1 = -5
        Resolver.Agreed a = (Resolver.Agreed) Resolver.compile(client, server).resolve(Map.of());
        assertThat(a.configuration().toString()).isEqualTo("h(e=a)");
        assertThat(a.score()).isEqualTo(-5);
        assertThatThrownBy(() -> parse("feature f;\nprefer -2147483648 f;")).hasMessageContaining("at most 1000000");
    }

    @Test
    void realIntervalsWithoutANumberInsideAreEmpty() {
        String domain = "feature f(x: real 1..1.0000000000000002);\n";
        Policy client = parse(domain + "f;\nf.x > 1;\nf.x < 1.0000000000000002;");
        assertThat(Resolver.compile(client, parse(domain)).resolve(Map.of())).isInstanceOf(Resolver.Conflict.class);
        Policy wide = parse("feature f(x: real 0..1);\nf;\nf.x > 0.5;\nf.x < 0.5000000000000001;");
        assertThat(Resolver.compile(wide, parse("feature f(x: real 0..1);")).resolve(Map.of()))
                .isInstanceOf(Resolver.Conflict.class);
    }

    @Test
    void negativeZeroKeepsItsSignInTextAndInTheSolver() {
        Policy p = parse("feature a;\nif cpu / 0 > 0 then a;\nif cpu / -0 > 0 then not a;");
        Resolver.Agreed r = (Resolver.Agreed) Resolver.compile(parse("feature a;"), p).resolve(Map.of("cpu", 1.0));
        assertThat(r.configuration().toString()).isEqualTo("a"); // 1 / 0 > 0; 1 / -0 is -infinity
        assertThat(PolicyText.write(p)).contains("cpu / -0 > 0");
    }

    @Test
    void aRememberedConflictIsToldWithTheSessionsInputs() {
        Resolver r = Resolver.compile(parse("feature a;\na;"), parse("feature a;\nnot a if cpu > 0.8;"));
        assertThat(((Resolver.Conflict) r.resolve(Map.of("cpu", 0.9))).reasons()).contains("  cpu > 0.8 holds (cpu = 0.9)");
        assertThat(((Resolver.Conflict) r.resolve(Map.of("cpu", 0.99))).reasons())
                .contains("  cpu > 0.8 holds (cpu = 0.99)");
        assertThat(((Resolver.Conflict) r.solve(Map.of("cpu", 0.95))).reasons())
                .contains("  cpu > 0.8 holds (cpu = 0.95)");
    }

    @Test
    void letBindingsReadValuesInParenthesesAndRefuseKeywordsAndRepeats() {
        Policy p = parse("feature f(n: 0..10);\nlet t = (cpu * 2), u = (cpu), c = (cpu > 1) in f.n > t + u or c;");
        assertThat(holds(p, new Configuration(Map.of("f", Map.of("n", 4))), Map.of("cpu", 1.0))).isTrue();
        assertThat(holds(p, new Configuration(Map.of("f", Map.of("n", 3))), Map.of("cpu", 1.0))).isFalse();
        assertThatThrownBy(() -> parse("feature f(n: 0..3);\nlet in = 3 in f.n > in;")).hasMessageContaining("keyword");
        assertThatThrownBy(() -> parse("feature f(n: 0..3);\nlet t = 1, t = 2 in f.n > t;"))
                .hasMessageContaining("bound twice");
        Policy pref = parse("feature f;\nprefer 2 > cpu;\nprefer 3 - cpu > 0;");
        assertThat(pref.preferences().get(0).weight()).isEqualTo(1); // "2 > cpu" is the formula
        assertThat(pref.preferences().get(1).weight()).isEqualTo(3); // "3 - cpu": the weight, then -cpu > 0
    }

    @Test
    void theExamplePuzzleSizeFollowsTheServersLoad() throws Exception {
        Policy meter = PolicyParser.parse("light-meter", Files.readString(EXAMPLES.resolve("light-meter.policy")));
        Policy server = PolicyParser.parse("cpu-puzzle-server",
                Files.readString(EXAMPLES.resolve("cpu-puzzle-server.policy")));
        Resolver r = Resolver.compile(meter, server);

        // cpuUsage 0.3: the server's choices are auth.hmac alone (0.3 < 0.5), a puzzle of size 0.3 * 32 / 2 = 4.8,
        // or auth.hmac with a puzzle of 0.3 * 32 / 4 = 2.4. The meter never authenticates, so only the puzzle of
        // 4.8 remains; 0 < 4.8 < 12 suits the meter, and 4.8 <= 6 earns it 2 points (the server's "not cpp" 0).
        Resolver.Agreed low = (Resolver.Agreed) r.resolve(Map.of("cpuUsage", 0.3));
        assertThat(low.configuration()).isEqualTo(puzzle(0.3 * 32 / 2));
        assertThat(low.configuration().toString()).isEqualTo("cpp(size=4.8)");
        assertThat(low.score()).isEqualTo(2);

        // cpuUsage 0.6: authentication alone is no longer a choice; the puzzle is 0.6 * 32 / 2 = 9.6 < 12, which
        // the meter still takes (no points: 9.6 > 6).
        Resolver.Agreed mid = (Resolver.Agreed) r.resolve(Map.of("cpuUsage", 0.6));
        assertThat(mid.configuration().toString()).isEqualTo("cpp(size=9.6)");
        assertThat(mid.score()).isZero();

        // cpuUsage 0.9: the puzzle alone is 14.4, over the meter's 12; the halved one (7.2) needs auth.hmac, which
        // the meter refuses: no configuration. The conflict is those three statements, and the inputs that made it.
        Resolver.Conflict high = (Resolver.Conflict) r.resolve(Map.of("cpuUsage", 0.9));
        assertThat(high.statements()).extracting(b -> b.side() + " " + b.statement().at().line())
                .containsExactlyInAnyOrder("light-meter 5", "light-meter 6", "cpu-puzzle-server 7");
        assertThat(high.reasons()).contains("at these inputs:", "  cpuUsage < 0.5 does not hold (cpuUsage = 0.9)",
                "  cpp.size is compared with cpuUsage * 32 / 2 = 14.4 (cpuUsage = 0.9)");

        // a meter that may authenticate gets authentication alone at low load (the server prefers no puzzle)
        Policy signer = parse("feature cpp(size: real 0..32); feature auth.hmac;\ncpp requires cpp.size < 12;");
        Resolver.Agreed signed = (Resolver.Agreed) Resolver.compile(signer, server).resolve(Map.of("cpuUsage", 0.3));
        assertThat(signed.configuration().toString()).isEqualTo("auth.hmac");
        // and at 0.9 the halved puzzle, 0.9 * 32 / 4 = 7.2, with auth.hmac
        Resolver.Agreed busy = (Resolver.Agreed) Resolver.compile(signer, server).resolve(Map.of("cpuUsage", 0.9));
        assertThat(busy.configuration()).isEqualTo(new Configuration(Map.of("auth.hmac", Map.of(),
                "cpp", Map.of("size", 0.9 * 32 / 4))));
        assertThat(List.of(low, mid, busy)).allSatisfy(a -> assertThat(a.configuration().features()).isNotEmpty());
    }
}
