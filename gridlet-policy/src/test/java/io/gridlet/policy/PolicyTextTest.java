package io.gridlet.policy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Writing a policy and reading it back keeps its meaning, and the written form is a fixed point. */
class PolicyTextTest {
    @Test
    void randomPoliciesSurviveWriteAndParse() {
        Random random = new Random(11);
        List<Configuration> all = OracleTest.configurations(new ArrayList<>(OracleTest.ALL.values()));
        for (int round = 0; round < 200; round++) {
            Policy p = OracleTest.randomPolicy(random, "p" + round);
            String text = PolicyText.write(p);
            Policy back = PolicyParser.parse("written", text);
            assertThat(back.features()).isEqualTo(p.features());
            assertThat(back.statements()).hasSameSizeAs(p.statements());
            assertThat(back.preferences()).hasSameSizeAs(p.preferences());
            for (Configuration c : all) {
                if (!p.features().keySet().containsAll(c.features().keySet())) continue;
                for (Map<String, Double> in : OracleTest.SESSIONS) {
                    for (int i = 0; i < p.statements().size(); i++) {
                        assertThat(Semantics.holds(back.statements().get(i).expr(), c, in)).as(text)
                                .isEqualTo(Semantics.holds(p.statements().get(i).expr(), c, in));
                    }
                    assertThat(Semantics.score(back.preferences(), p.features(), c, in)).as(text)
                            .isEqualTo(Semantics.score(p.preferences(), p.features(), c, in));
                }
            }
            String again = PolicyText.write(back);
            assertThat(PolicyText.write(PolicyParser.parse("again", again))).as(text).isEqualTo(again);
        }
    }

    @Test
    void theSeedExampleReadsBackAsWritten() {
        Policy server = PolicyParser.parse("server", ResolverTest.SERVER);
        String text = PolicyText.write(server);
        assertThat(text).contains("  feature puzzle(difficulty: 0..32);\n")
                .contains("(if cpuUsage > 0.8 then all { puzzle; puzzle.difficulty >= 16 } else not puzzle);")
                .contains("(compress requires compress.level in [3, 6]);").contains("prefer 1 high compress.level;");
        assertThat(PolicyText.write(PolicyParser.parse("again", text))).isEqualTo(text);
    }
}
