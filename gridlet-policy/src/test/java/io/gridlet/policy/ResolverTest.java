package io.gridlet.policy;

import io.gridlet.policy.sat.Resolver;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Hand-written policy pairs with known answers. */
class ResolverTest {
    static final String CLIENT = """
            policy meter {
              feature puzzle(difficulty: 0..32);
              feature auth.hmac;
              feature compress(level: 1..9);
              # a meter accepts a puzzle only up to difficulty 16, and always authenticates
              puzzle requires puzzle.difficulty <= 16;
              auth.hmac;
              prefer 2 compress;
              prefer low puzzle.difficulty;
            }
            """;

    static final String SERVER = """
            policy gateway {
              feature puzzle(difficulty: 0..32);
              feature auth.hmac;
              feature auth.mtls;
              feature compress(level: 1..9);
              exactly-one { auth.hmac; auth.mtls };
              let busy = cpuUsage(), floor = 16 in
                if busy > 0.8 then puzzle and puzzle.difficulty >= floor
                else not puzzle;
              compress requires compress.level in [3, 6];
              prefer high compress.level;
            }
            """;

    private static Resolver.Resolution resolve(String client, String server, Map<String, Double> inputs) {
        return Resolver.compile(PolicyParser.parse("client", client), PolicyParser.parse("server", server))
                .resolve(inputs);
    }

    @Test
    void aQuietServerAsksForNoPuzzle() {
        Resolver.Resolution r = resolve(CLIENT, SERVER, Map.of("cpuUsage", 0.3));
        assertThat(r).isInstanceOf(Resolver.Agreed.class);
        Configuration c = ((Resolver.Agreed) r).configuration();
        assertThat(c.toString()).isEqualTo("auth.hmac, compress(level=6)");
    }

    @Test
    void aBusyServerGetsThePuzzleTheClientStillAccepts() {
        Resolver.Agreed r = (Resolver.Agreed) resolve(CLIENT, SERVER, Map.of("cpuUsage", 0.95));
        assertThat(r.configuration().toString()).isEqualTo("auth.hmac, compress(level=6), puzzle(difficulty=16)");
        // client: compress +2, difficulty 16 steps above 0 at -1 each; server: level 6 is 5 steps above 1
        assertThat(r.score()).isEqualTo(2 - 16 + 5);
    }

    @Test
    void aServerDemandingMoreThanTheClientAcceptsIsAConflictNamingBothLines() {
        String harsh = SERVER.replace("floor = 16", "floor = 20");
        Resolver.Resolution r = resolve(CLIENT, harsh, Map.of("cpuUsage", 0.95));
        assertThat(r).isInstanceOf(Resolver.Conflict.class);
        Resolver.Conflict conflict = (Resolver.Conflict) r;
        assertThat(conflict.reasons()).containsExactly(
                "meter line 6: puzzle requires puzzle.difficulty <= 16;",
                "gateway line 7: let busy = cpuUsage(), floor = 20 in\n"
                        + "    if busy > 0.8 then puzzle and puzzle.difficulty >= floor\n"
                        + "    else not puzzle;",
                "at these inputs:",
                "  cpuUsage > 0.8 holds (cpuUsage = 0.95)");
        // and when the server is not busy, the same pair agrees
        assertThat(resolve(CLIENT, harsh, Map.of("cpuUsage", 0.1))).isInstanceOf(Resolver.Agreed.class);
    }

    @Test
    void aFeatureOnlyOneSideKnowsIsNeverUsed() {
        String wantsMtls = CLIENT.replace("auth.hmac;\n  prefer", "auth.hmac;\n  prefer").replace(
                "feature auth.hmac;", "feature auth.hmac;\n  feature seal.aesgcm(keybits: {k128, k256});")
                .replace("  auth.hmac;\n", "  auth.hmac;\n  seal.aesgcm;\n");
        Resolver.Conflict c = (Resolver.Conflict) resolve(wantsMtls, SERVER, Map.of("cpuUsage", 0.1));
        assertThat(c.reasons()).anyMatch(s -> s.contains("seal.aesgcm;"))
                .anyMatch(s -> s.startsWith("seal.aesgcm is not in both vocabularies (gateway does not declare it)"));
    }

    @Test
    void oneResolverServesManySessionsAlike() {
        Resolver resolver = Resolver.compile(PolicyParser.parse("client", CLIENT), PolicyParser.parse("server", SERVER));
        for (int i = 0; i < 50; i++) {
            double cpu = (i % 10) / 10.0 + 0.05;
            Resolver.Agreed r = (Resolver.Agreed) resolver.resolve(Map.of("cpuUsage", cpu));
            assertThat(r.configuration().isOn("puzzle")).isEqualTo(cpu > 0.8);
            assertThat(r.score()).isEqualTo(cpu > 0.8 ? -9 : 7);
        }
    }

    @Test
    void aMissingInputIsAClearError() {
        assertThatThrownBy(() -> resolve(CLIENT, SERVER, Map.of()))
                .isInstanceOf(PolicyException.class).hasMessageContaining("run-time input 'cpuUsage' is not given");
    }

    @Test
    void differentlyDeclaredFeaturesAreRefused() {
        assertThatThrownBy(() -> resolve(CLIENT, SERVER.replace("difficulty: 0..32", "difficulty: 0..24"), Map.of()))
                .isInstanceOf(PolicyException.class).hasMessageContaining("feature puzzle is declared differently");
    }
}
