package io.gridlet.policy;

import io.gridlet.policy.sat.Resolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Hostile policies are refused by the compile budget (a LIMIT naming the bound) before they cost anything: let
 * bindings that multiply, nesting of every construct at any depth, vocabularies and alternatives too wide to
 * encode, a compile out of time. Real policies are far below every bound. The time bound here is only a guard
 * against a hang, not a measurement.
 */
class CompileBudgetTest {
    private static final Duration HANG_GUARD = Duration.ofSeconds(10);

    /** {@code let a0 = (f), a1 = (a0 and a0), ... in optional aN;}: 2^(N+1) nodes written out, in N * 20 bytes. */
    static String letBomb(int doublings) {
        StringBuilder sb = new StringBuilder("policy bomb {\n  feature f;\n  let a0 = (f)");
        for (int i = 1; i <= doublings; i++) sb.append(", a").append(i).append(" = (a").append(i - 1)
                .append(" and a").append(i - 1).append(')');
        return sb.append(" in optional a").append(doublings).append(";\n}\n").toString();
    }

    private static String policy(String body) {
        return "policy p {\n  feature a;\n" + body + "\n}\n";
    }

    private static PolicyException refusal(Executable read) {
        Throwable[] thrown = new Throwable[1];
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            try {
                read.execute();
            } catch (Throwable t) {
                thrown[0] = t;
            }
        });
        assertThat(thrown[0]).as("what reading threw").isInstanceOf(PolicyException.class);
        PolicyException e = (PolicyException) thrown[0];
        assertThat(e.kind()).as(e.getMessage()).isEqualTo(PolicyException.Kind.LIMIT);
        return e;
    }

    @Test
    void aLetBindingDoubledFortyTimesIsRefusedBeforeItIsWrittenOut() {
        String bomb = letBomb(40);
        assertThat(bomb.length()).isLessThan(1024);
        PolicyException e = refusal(() -> PolicyParser.parse("bomb.policy", bomb));
        assertThat(e).hasMessageStartingWith("bomb.policy:3:")
                .hasMessageEndingWith(": policy too large: more than 50000 formula nodes with its let bindings "
                        + "written out");
    }

    @Test
    void anOfferOfALetBombIsRefusedWithLimitOverTheWire() {
        Negotiation.Server server = new Negotiation.Server(PolicyParser.parse("server", ResolverTest.SERVER),
                () -> Map.of("cpuUsage", 0.5), 10, Resolver.DEFAULT_TIMEOUT_MS);
        String bomb = letBomb(40);
        Negotiation.Answer[] answer = new Negotiation.Answer[1];
        assertTimeoutPreemptively(HANG_GUARD,
                () -> answer[0] = server.answer(new Negotiation.Offer(Negotiation.digest(bomb), bomb)));
        assertThat(answer[0]).isInstanceOf(Negotiation.Refused.class);
        Negotiation.Refused refused = (Negotiation.Refused) answer[0];
        assertThat(refused.reason()).isEqualTo(Negotiation.Reason.LIMIT);
        assertThat(refused.details()).singleElement().asString()
                .contains("policy too large: more than 50000 formula nodes with its let bindings written out");
    }

    @Test
    void letBindingsUsedInsideEachOtherCountTowardsTheDepth() {
        StringBuilder sb = new StringBuilder("let b0 = (a)");
        for (int i = 1; i <= 70; i++) sb.append(", b").append(i).append(" = (not b").append(i - 1).append(')');
        String deep = policy(sb.append(" in b70;").toString());
        assertThat(refusal(() -> PolicyParser.parse("p.policy", deep)))
                .hasMessageEndingWith(": policy too deep: nested deeper than 64 levels with its let bindings "
                        + "written out");
    }

    /** Each construct once around {@code a}, as the text before and after it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            parentheses | (                  | )
            not         | "not "             |
            optional    | "optional "        |
            and         | "a and ("          | )
            or          | "a or ("           | )
            requires    | "a requires ("     | )
            conflicts   | "a conflicts ("    | )
            all         | "all { "           | " }"
            exactly-one | "exactly-one { "   | " }"
            one-or-more | "one-or-more { "   | " }"
            if          | "if "              | " then a"
            then        | "if a then "       |
            else        | "if a then a else "|
            """)
    void everyNestingConstructCountsTowardsTheDepth(String construct, String before, String after) {
        assertThat(PolicyParser.parse("p.policy", policy(nested(before, after, 63) + ";")).statements()).hasSize(1);
        assertThat(refusal(() -> PolicyParser.parse("p.policy", policy(nested(before, after, 64) + ";"))))
                .hasMessageMatching("p\\.policy:3:\\d+: policy too deep: nested deeper than 64 levels");
        for (int depth : new int[] {7_000, 100_000}) {
            String deep = policy(nested(before, after, depth) + ";");
            assertThat(refusal(() -> PolicyParser.parse("p.policy", deep)))
                    .hasMessageMatching("p\\.policy:(3:\\d+: policy too deep: nested deeper than 64 levels"
                            + "|policy too large: \\d+ characters, more than 65536)");
            String preferred = policy("prefer 2 " + nested(before, after, depth) + ";");
            assertThat(refusal(() -> PolicyParser.parse("p.policy", preferred)).getMessage()).contains("policy too");
        }
    }

    private static String nested(String before, String after, int depth) {
        String open = before == null ? "" : before;
        String close = after == null ? "" : after;
        return open.repeat(depth) + "a" + close.repeat(depth);
    }

    @Test
    void optionalNestedSevenThousandTimesIsTooDeepAtItsPosition() {
        String deep = policy("optional ".repeat(7_000) + "a;");
        assertThat(deep.length()).isLessThan(PolicyParser.MAX_CHARS);
        assertThat(refusal(() -> PolicyParser.parse("p.policy", deep)))
                .hasMessage("p.policy:3:568: policy too deep: nested deeper than 64 levels");
    }

    @ParameterizedTest(name = "{0} levels")
    @CsvSource({"7000", "100000"})
    void deepWsPolicyIsRefusedWithoutOverflowingTheStack(int depth) {
        String xml = "<wsp:Policy xmlns:wsp=\"" + WsPolicyXml.WSP + "\" xmlns:gq=\"" + WsPolicyXml.GQ + "\">"
                + "<gq:Vocabulary><gq:Feature Name=\"a\"/></gq:Vocabulary>"
                + "<wsp:All>".repeat(depth) + "<gq:Use Feature=\"a\"/>" + "</wsp:All>".repeat(depth) + "</wsp:Policy>";
        assertThat(refusal(() -> WsPolicyXml.read("p.xml", xml)).getMessage())
                .containsAnyOf("policy too deep: nested deeper than 64 levels", "policy too large");
    }

    @Test
    void aVocabularyTooWideToEncodeIsRefused() {
        StringBuilder sb = new StringBuilder("policy wide {\n");
        for (int i = 0; i < 100; i++) sb.append("  feature f").append(i).append("(x: 0..4095);\n");
        Policy wide = PolicyParser.parse("wide.policy", sb.append("}\n").toString());
        // time enough to reach the bound on any machine: this is about the bound, not the time
        assertThat(refusal(() -> Resolver.compile(wide, wide, CompileBudget.start(HANG_GUARD.toMillis()))))
                .hasMessage("policies too large: their encoding needs more than 200000 variables");
    }

    @Test
    void tooManyAlternativesToEncodeAreRefused() {
        String wide = policy("exactly-one { " + "a; ".repeat(800) + "};");
        Policy p = PolicyParser.parse("wide.policy", wide);
        assertThat(refusal(() -> Resolver.compile(p, p, CompileBudget.start(HANG_GUARD.toMillis()))))
                .hasMessage("wide.policy:3:1: policies too large: their encoding needs more than 250000 clauses");
    }

    @Test
    void aPeersPolicyHasTighterEncodingBoundsThanOneFromATrustedPlace() {
        String wide = policy("exactly-one { " + "a; ".repeat(330) + "};"); // 330 * 329 / 2 clauses, about 54,000
        Policy p = PolicyParser.parse("wide.policy", wide);
        assertThat(Resolver.compile(p, p, CompileBudget.start(HANG_GUARD.toMillis())).variables()).isPositive();
        assertThat(refusal(() -> Resolver.compile(p, p, CompileBudget.forPeer(HANG_GUARD.toMillis()))))
                .hasMessage("wide.policy:3:1: policies too large: their encoding needs more than 50000 clauses");
        Negotiation.Server server = new Negotiation.Server(p, Map::of, 10, HANG_GUARD.toMillis());
        Negotiation.Answer answer = server.answer(new Negotiation.Offer(Negotiation.digest(wide), wide));
        assertThat(answer).isInstanceOfSatisfying(Negotiation.Refused.class, r -> {
            assertThat(r.reason()).isEqualTo(Negotiation.Reason.LIMIT);
            assertThat(r.details()).singleElement().asString().contains("more than 50000 clauses");
        });
    }

    @Test
    void tooManyItemsAndTooLongNamesAreRefused() {
        assertThat(refusal(() -> PolicyParser.parse("p.policy", policy("a;\n".repeat(1000)))))
                .hasMessageEndingWith("policy too large: more than 1000 items (features, statements, preferences)");
        assertThat(refusal(() -> PolicyParser.parse("p.policy", policy("feature " + "n".repeat(200) + ";"))))
                .hasMessage("p.policy:3:9: name too long: more than 128 characters");
        assertThat(refusal(() -> PolicyParser.parse("p.policy", policy("feature b(x: 0..100000);"))))
                .hasMessage("p.policy:3:14: range 0..100000 has more than 4096 values");
    }

    @Test
    void aCompileOutOfTimeIsRefused() {
        Policy client = PolicyParser.parse("client", ResolverTest.CLIENT);
        Policy server = PolicyParser.parse("server", ResolverTest.SERVER);
        assertThat(refusal(() -> PolicyParser.parse("client", ResolverTest.CLIENT, CompileBudget.start(0))))
                .hasMessageContaining("compiling the policies took more than 0 ms");
        assertThat(refusal(() -> Resolver.compile(client, server, CompileBudget.start(0))))
                .hasMessageContaining("compiling the policies took more than 0 ms");
        Resolver resolver = Resolver.compile(client, server);
        assertThat(refusal(() -> resolver.resolve(Map.of("cpuUsage", 0.5), CompileBudget.start(0))))
                .hasMessageStartingWith("resolving took more than 0 ms");
    }

    @Test
    void theExamplePoliciesAreWellWithinEveryBound() throws IOException {
        List<Path> examples;
        try (Stream<Path> files = Files.list(Path.of("..", "examples", "policies"))) {
            examples = files.filter(f -> f.toString().endsWith(".policy")).sorted().toList();
        }
        assertThat(examples).isNotEmpty();
        for (Path example : examples) {
            Policy p = PolicyParser.parse(example.toString(), Files.readString(example));
            assertThat(Resolver.compile(p, p, CompileBudget.forPeer(HANG_GUARD.toMillis())).variables())
                    .as(example.toString()).isLessThan(CompileBudget.PEER_MAX_VARIABLES / 10);
        }
    }
}
