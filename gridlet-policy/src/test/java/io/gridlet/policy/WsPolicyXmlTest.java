package io.gridlet.policy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** WS-Policy XML: text -> XML -> text keeps the meaning; what it cannot express and hostile XML are refused. */
class WsPolicyXmlTest {
    private static final Position P = new Position(1, 1);

    @Test
    void expressiblePoliciesSurviveTextToXmlToText() {
        Random random = new Random(5);
        List<Configuration> all = OracleTest.configurations(new ArrayList<>(OracleTest.ALL.values()));
        for (int round = 0; round < 150; round++) {
            Policy p = OracleTest.randomPolicy(random, "p" + round);
            List<Statement> expressible = new ArrayList<>();
            List<String> names = new ArrayList<>(p.features().keySet());
            if (names.isEmpty()) continue;
            for (int i = 0; i < 3; i++) {
                Expr e = expressible(random, names, 3);
                expressible.add(new Statement(e, new Position(i + 2, 1), PolicyText.expr(e)));
            }
            Policy original = PolicyParser.parse("text", PolicyText.write(
                    new Policy(p.name(), "text", p.features(), expressible, List.of())));
            String xml = WsPolicyXml.write(original);
            Policy back = PolicyParser.parse("again", PolicyText.write(WsPolicyXml.read("xml", xml)));
            assertThat(back.features()).isEqualTo(original.features());
            assertThat(back.statements()).hasSameSizeAs(original.statements());
            for (Configuration c : all) {
                for (int i = 0; i < original.statements().size(); i++) {
                    assertThat(Semantics.holds(back.statements().get(i).expr(), c, Map.of())).as(xml)
                            .isEqualTo(Semantics.holds(original.statements().get(i).expr(), c, Map.of()));
                }
            }
        }
    }

    @Test
    void everyPolicyRoundTripsThroughTheExtensionElements() {
        // random policies of the whole language: inputs, computed values, a real parameter, if, or, not,
        // requires, conflicts, preferences; written as XML, read back, same meaning and same points
        Random random = new Random(17);
        List<Configuration> all = OracleTest.configurations(new ArrayList<>(OracleTest.ALL.values()));
        for (int round = 0; round < 150; round++) {
            Policy p = OracleTest.randomPolicy(random, "p" + round);
            String xml = WsPolicyXml.write(p);
            Policy back = WsPolicyXml.read("xml", xml);
            assertThat(back.features()).as(xml).isEqualTo(p.features());
            assertThat(back.statements()).hasSameSizeAs(p.statements());
            assertThat(back.preferences()).hasSameSizeAs(p.preferences());
            assertThat(WsPolicyXml.write(back)).as("a fixed point").isEqualTo(xml);
            for (Configuration c : all) {
                if (!p.features().keySet().containsAll(c.features().keySet())) continue;
                for (Map<String, Double> in : OracleTest.SESSIONS) {
                    for (int i = 0; i < p.statements().size(); i++) {
                        assertThat(Semantics.holds(back.statements().get(i).expr(), c, in)).as(xml)
                                .isEqualTo(Semantics.holds(p.statements().get(i).expr(), c, in));
                    }
                    assertThat(Semantics.score(back.preferences(), p.features(), c, in)).as(xml)
                            .isEqualTo(Semantics.score(p.preferences(), p.features(), c, in));
                }
            }
        }
        // the example whose puzzle size follows the load, with its "X if C" choice, through XML and back
        String server = """
                policy s {
                  feature cpp(size: real 0..32);
                  feature auth;
                  let max = 32 in one-or-more { auth if cpu < 0.5; cpp.size == cpu * max / 2 };
                  prefer 2 not cpp;
                }""";
        String xml = WsPolicyXml.write(PolicyParser.parse("s", server));
        assertThat(xml).contains("<gq:Input Left=\"cpu\" Op=\"lt\" Right=\"0.5\"/>")
                .contains("<gq:Param Name=\"size\" Op=\"eq\" Value=\"cpu * 32 / 2\"/>")
                .contains("<gq:Param Name=\"size\" Type=\"real\" Min=\"0\" Max=\"32\"/>")
                .contains("<gq:Prefer Weight=\"2\">");
        assertThat(PolicyText.write(WsPolicyXml.read("xml", xml)))
                .isEqualTo(PolicyText.write(PolicyParser.parse("s", server)));
        assertThatThrownBy(() -> WsPolicyXml.writeNormalForm(PolicyParser.parse("s", server)))
                .hasMessageContaining("normal form");
    }

    @Test
    void malformedGqDocumentsAreRefusedNotMisread() {
        String head = "<wsp:Policy xmlns:wsp=\"" + WsPolicyXml.WSP + "\" xmlns:gq=\"" + WsPolicyXml.GQ + "\" Name=\"m\">"
                + "<gq:Vocabulary><gq:Feature Name=\"a\"><gq:Param Name=\"p\" Values=\"x y\"/></gq:Feature>"
                + "<gq:Feature Name=\"b\"><gq:Param Name=\"on\" Type=\"bool\"/></gq:Feature></gq:Vocabulary>";
        String[][] cases = {
                {"<gq:Vocabulary><gq:Feature Name=\"a\"/></gq:Vocabulary>", "declared twice"},
                {"<gq:Use Feature=\"a\"><gq:Use Feature=\"b\"/></gq:Use>", "holds only gq:Param"},
                {"<gq:Use Feature=\"b\"><gq:Param Name=\"on\" Op=\"eq\" Value=\"yes\"/></gq:Use>", "true or false"},
                {"<gq:Input Left=\"a.p\" Op=\"gt\" Right=\"1\"/>", "not a run-time input"},
                {"<gq:Prefer Weight=\"2000000\"><gq:Use Feature=\"a\"/></gq:Prefer>", "at most 1000000"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> WsPolicyXml.read("x.xml", head + c[0] + "</wsp:Policy>"))
                    .as(c[0]).isInstanceOf(PolicyException.class).hasMessageContaining(c[1]);
        }
        assertThatThrownBy(() -> WsPolicyXml.read("x.xml", "<wsp:ExactlyOne xmlns:wsp=\"" + WsPolicyXml.WSP
                + "\" xmlns:gq=\"" + WsPolicyXml.GQ + "\"/>")).hasMessageContaining("expected wsp:Policy");
        assertThatThrownBy(() -> WsPolicyXml.read("x.xml", head.replace("Name=\"b\"", "Name=\"b c\"")
                + "</wsp:Policy>")).hasMessageContaining("not a name");
        // wsp:Optional="1" is xs:boolean true; an empty one-or-more round-trips
        Policy p = WsPolicyXml.read("x.xml", head + "<gq:Use Feature=\"a\" wsp:Optional=\"1\"/><gq:OneOrMore/>"
                + "</wsp:Policy>");
        assertThat(p.statements().get(0).expr()).isInstanceOf(Expr.Optional.class);
        assertThat(WsPolicyXml.read("again", WsPolicyXml.write(p)).statements()).hasSize(2);
    }

    private static Expr expressible(Random r, List<String> names, int depth) {
        if (depth == 0 || r.nextInt(3) == 0) {
            String f = names.get(r.nextInt(names.size()));
            Feature feature = OracleTest.ALL.get(f);
            Expr atom = feature.params().containsKey("x") && r.nextBoolean()
                    ? new Expr.Cmp(f, "x", Op.values()[r.nextInt(6)], r.nextInt(4), null, P)
                    : feature.params().containsKey("m") && r.nextBoolean()
                    ? new Expr.Cmp(f, "m", Op.EQ, "b", null, P) : new Expr.On(f, P);
            return r.nextInt(4) == 0 ? new Expr.Optional(atom, P) : atom;
        }
        List<Expr> parts = new ArrayList<>();
        for (int i = 1 + r.nextInt(3); i > 0; i--) parts.add(expressible(r, names, depth - 1));
        return r.nextBoolean() ? new Expr.All(parts, P) : new Expr.ExactlyOne(parts, P);
    }

    @Test
    void whatWsPolicysNormalFormCannotSayIsRefusedWithTheLine() {
        Policy p = PolicyParser.parse("gateway.policy", ResolverTest.SERVER.replace("  prefer high compress.level;\n", ""));
        assertThatThrownBy(() -> WsPolicyXml.writeNormalForm(p)).isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("gateway.policy:7:3: cannot be expressed in WS-Policy's normal form: "
                        + "(if cpuUsage > 0.8");
        assertThatThrownBy(() -> WsPolicyXml.writeNormalForm(PolicyParser.parse("c", ResolverTest.CLIENT)))
                .hasMessageContaining("normal form");
        // the compact form carries it, through the gq: operators
        assertThat(WsPolicyXml.write(p)).contains("<gq:If>").contains("<gq:Input Left=\"cpuUsage\" Op=\"gt\" "
                + "Right=\"0.8\"/>");
    }

    @Test
    void readsTheVocabularyAndAssertions() {
        Policy p = WsPolicyXml.read("x.xml", """
                <wsp:Policy xmlns:wsp="http://www.w3.org/ns/ws-policy" xmlns:gq="urn:gridlet:qos-policy" Name="m">
                  <gq:Vocabulary>
                    <gq:Feature Name="puzzle"><gq:Param Name="difficulty" Min="0" Max="32"/></gq:Feature>
                    <gq:Feature Name="auth.hmac"/>
                  </gq:Vocabulary>
                  <gq:Use Feature="auth.hmac"/>
                  <gq:Use Feature="puzzle" wsp:Optional="true"><gq:Param Name="difficulty" Min="0" Max="16"/></gq:Use>
                </wsp:Policy>
                """);
        assertThat(p.name()).isEqualTo("m");
        assertThat(PolicyText.write(p)).isEqualTo("""
                policy m {
                  feature puzzle(difficulty: 0..32);
                  feature auth.hmac;
                  auth.hmac;
                  optional puzzle.difficulty in [0, 16];
                }
                """);
    }

    @Test
    void hostileAndMalformedXmlIsRejectedWithItsPosition() {
        String entity = """
                <?xml version="1.0"?>
                <!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>
                <wsp:Policy xmlns:wsp="http://www.w3.org/ns/ws-policy">&x;</wsp:Policy>
                """;
        assertThatThrownBy(() -> WsPolicyXml.read("evil.xml", entity)).isInstanceOf(PolicyException.class)
                .hasMessageContaining("evil.xml:2:").hasMessageContaining("DOCTYPE");
        assertThatThrownBy(() -> WsPolicyXml.read("bad.xml", "<wsp:Policy xmlns:wsp=\"" + WsPolicyXml.WSP
                + "\">\n  <wsp:All>\n</wsp:Policy>")).hasMessageStartingWith("bad.xml:3:");
        assertThatThrownBy(() -> WsPolicyXml.read("u.xml", "<wsp:Policy xmlns:wsp=\"" + WsPolicyXml.WSP
                + "\" xmlns:gq=\"" + WsPolicyXml.GQ + "\">\n<gq:Use Feature=\"nope\"/></wsp:Policy>"))
                .hasMessageContaining("u.xml:2:").hasMessageContaining("feature nope is not in the gq:Vocabulary");
    }

    @Test
    void theNormalFormMultipliesOutAlternatives() {
        Policy p = PolicyParser.parse("n", """
                policy n {
                  feature a;
                  feature b(x: 0..3);
                  feature c;
                  a;
                  exactly-one { b.x >= 2; c };
                  optional c;
                }
                """);
        String xml = WsPolicyXml.writeNormalForm(p);
        assertThat(xml.split("<wsp:All>", -1)).hasSize(4); // {a, b.x>=2, c}, {a, b.x>=2}, {a, c}
        assertThat(xml).contains("<wsp:ExactlyOne>").doesNotContain("wsp:Optional");
        Policy back = WsPolicyXml.read("nf", xml);
        Map<String, Double> none = Map.of();
        Configuration ab = new Configuration(Map.of("a", Map.of(), "b", Map.of("x", 3)));
        Configuration ac = new Configuration(Map.of("a", Map.of(), "c", Map.of()));
        Configuration b = new Configuration(Map.of("b", Map.of("x", 3)));
        for (Configuration c : List.of(ab, ac, b)) {
            boolean compact = p.statements().stream().allMatch(s -> Semantics.holds(s.expr(), c, none));
            boolean normal = back.statements().stream().allMatch(s -> Semantics.holds(s.expr(), c, none));
            assertThat(normal).as(c.toString()).isEqualTo(compact);
        }
        StringBuilder many = new StringBuilder("policy m {\n");
        for (int i = 0; i < 14; i++) many.append("  feature f").append(i).append(";\n");
        for (int i = 0; i < 14; i++) many.append("  exactly-one { f").append(i).append("; true };\n");
        many.append("}\n");
        assertThatThrownBy(() -> WsPolicyXml.writeNormalForm(PolicyParser.parse("m", many.toString())))
                .hasMessageContaining("more than 10000 alternatives");
    }
}
