package io.gridlet.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The text language: what it reads into, and malformed input rejected with its line and column. */
class PolicyParserTest {
    private static Policy parse(String body) {
        return PolicyParser.parse("p.policy", "policy p {\n" + body + "\n}\n");
    }

    @Test
    void readsDeclarationsStatementsAndPreferences() {
        Policy p = parse("""
                feature puzzle(difficulty: 0..32, mode: {sha, argon}, strict: bool);
                feature auth.hmac;
                # comment
                let max = 16, load = cpuUsage() in if load > 0.8 then puzzle.difficulty in [8, max];
                exactly-one { auth.hmac, puzzle.mode == argon };
                prefer 3 auth.hmac;
                prefer 2 low puzzle.difficulty;""");
        assertThat(p.name()).isEqualTo("p");
        assertThat(p.features()).containsOnlyKeys("puzzle", "auth.hmac");
        assertThat(p.features().get("puzzle").params()).containsEntry("difficulty", new Domain.Ints(0, 32))
                .containsEntry("mode", new Domain.Enum(List.of("sha", "argon"))).containsEntry("strict", new Domain.Bool());
        assertThat(p.statements()).hasSize(2);
        Statement first = p.statements().get(0);
        assertThat(first.at()).isEqualTo(new Position(5, 1));
        assertThat(first.text()).startsWith("let max = 16").endsWith("in [8, max];");
        Expr.If cond = (Expr.If) first.expr();
        assertThat(cond.condition()).isEqualTo(new Expr.Input("cpuUsage", Op.GT, 0.8, new Position(5, 39)));
        assertThat(cond.then()).isEqualTo(new Expr.Cmp("puzzle", "difficulty", Op.GE, 8, 16, new Position(5, 55)));
        assertThat(p.preferences()).hasSize(2);
        assertThat(p.preferences().get(1).isToward()).isTrue();
        assertThat(Semantics.holds(cond, new Configuration(Map.of("puzzle", Map.of("difficulty", 9))),
                Map.of("cpuUsage", 0.9))).isTrue();
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', textBlock = """
            feature a; a;; | 3:3 | expected a feature, a parameter comparison or an input comparison, found ';'
            feature a; b; | 3:1 | unknown feature b (declared: a)
            feature a(x: 0..3); a.y > 1; | 3:1 | feature a has no parameter y (it has x)
            feature a(x: 0..3); a.x; | 3:4 | expected a comparison or 'in [a, b]' after a.x
            feature a(x: {u, v}); a.x == w; | 3:8 | w is not one of {u, v}
            feature a(x: {u, v}); a.x > u; | 3:1 | a.x can only be compared with == or !=
            feature a(x: 5..1); | 2:14 | empty range 5..1
            feature a; feature a; | 2:20 | feature a declared twice
            feature a; a > 3; | 2:12 | feature a has no value; compare one of its parameters
            feature a; a and @; | 2:18 | unexpected character '@'
            feature a; all { a; a | 4:1 | expected ';', found end of input
            """)
    void malformedTextIsRejectedWithItsPosition(String body, String at, String message) {
        String text = body.contains("a; a;;") || body.contains("b;") || body.contains("a.y") || body.contains("a.x;")
                || body.contains("== w") || body.contains("> u")
                ? body.replaceFirst("; ", ";\n") : body;
        assertThatThrownBy(() -> parse(text)).isInstanceOf(PolicyException.class)
                .hasMessage("p.policy:" + at + ": " + message);
    }

    @Test
    void digitsOfOtherScriptsAreNotNumbers() { // found by ParserFuzzTest: Character.isDigit accepted them
        assertThatThrownBy(() -> parse("feature a(x: 0..000001\u0660);")).isInstanceOf(PolicyException.class)
                .hasMessage("p.policy:2:23: unexpected character '\u0660'");
    }

    @Test
    void limitsBoundWhatAHostilePeerCanSend() {
        assertThatThrownBy(() -> PolicyParser.parse("x", "policy p { " + "#".repeat(PolicyParser.MAX_CHARS) + " }"))
                .hasMessageContaining("more than " + PolicyParser.MAX_CHARS);
        String deep = "feature a; " + "not ".repeat(200) + "a;";
        assertThatThrownBy(() -> parse(deep)).hasMessageContaining("nested deeper than");
        assertThatThrownBy(() -> parse("feature a(x: 0..100000);")).hasMessageContaining("more than 4096 values");
    }
}
