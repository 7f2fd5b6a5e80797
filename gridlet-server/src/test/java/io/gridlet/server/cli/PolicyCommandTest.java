package io.gridlet.server.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** gridlet policy check / resolve / explain on the example policies (examples/policies, docs/policies.md). */
class PolicyCommandTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "policies");
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int gridlet(String... args) {
        CommandLine cli = GridletCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static String example(String name) {
        return EXAMPLES.resolve(name).toString();
    }

    @Test
    void checkDescribesAPolicy() {
        assertThat(gridlet("policy", "check", example("gateway.policy"))).isZero();
        assertThat(out.toString()).contains("policy gateway, 4 features (puzzle, auth.hmac, auth.mtls, compress), "
                + "3 statements, 1 preferences; run-time inputs: cpuUsage");
    }

    @Test
    void resolveFollowsTheServersLoad() {
        assertThat(gridlet("policy", "resolve", example("meter.policy"), example("gateway.policy"),
                "--input", "cpuUsage=0.3")).isZero();
        assertThat(out.toString()).contains("configuration: auth.hmac, compress(level=6)\nscore: 7");
        assertThat(gridlet("policy", "resolve", example("meter.policy"), example("gateway.policy"),
                "--input", "cpuUsage=0.95")).isZero();
        assertThat(out.toString()).contains("configuration: auth.hmac, compress(level=6), puzzle(difficulty=16)");
    }

    @Test
    void aConflictIsExitCodeOneAndExplainNamesTheLines() {
        String[] pair = {example("meter.policy"), example("gateway-harsh.policy"), "--input", "cpuUsage=0.95"};
        assertThat(gridlet("policy", "resolve", pair[0], pair[1], pair[2], pair[3])).isEqualTo(1);
        assertThat(gridlet("policy", "explain", pair[0], pair[1], pair[2], pair[3])).isZero();
        assertThat(out.toString()).contains("meter line 7: puzzle requires puzzle.difficulty <= 16;")
                .contains("gateway line 8: let busy = cpuUsage(), floor = 20 in");
    }

    @Test
    void aPuzzleSizeComputedFromTheLoadAndExplainNamesTheInputs() {
        String meter = example("light-meter.policy"), server = example("cpu-puzzle-server.policy");
        assertThat(gridlet("policy", "check", server)).isZero();
        assertThat(out.toString()).contains("run-time inputs: cpuUsage");
        // 0.3 * 32 / 2 = 4.8: the meter takes puzzles below 12 and never authenticates (ComputedValuesTest)
        assertThat(gridlet("policy", "resolve", meter, server, "--input", "cpuUsage=0.3")).isZero();
        assertThat(out.toString()).contains("configuration: cpp(size=4.8)");
        String[] busy = {"policy", "explain", meter, server, "--input", "cpuUsage=0.9"};
        assertThat(gridlet(busy)).isZero();
        assertThat(out.toString()).contains("light-meter line 5: not auth.hmac;")
                .contains("cpuUsage < 0.5 does not hold (cpuUsage = 0.9)")
                .contains("cpp.size is compared with cpuUsage * 32 / 2 = 14.4 (cpuUsage = 0.9)");
    }

    @Test
    void deployedWsPolicyDocumentsAreIntersected() throws Exception {
        String binding = """
                <wsp:Policy xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"
                    xmlns:sp="http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702" Name="%s">
                  <sp:TransportBinding><wsp:Policy>
                    <sp:AlgorithmSuite><wsp:Policy><wsp:ExactlyOne>%s</wsp:ExactlyOne></wsp:Policy></sp:AlgorithmSuite>
                  </wsp:Policy></sp:TransportBinding>
                  <sp:Wss11 wsp:Optional="true"/>
                </wsp:Policy>
                """;
        Path server = Files.writeString(Files.createTempFile("server", ".xml"),
                binding.formatted("server", "<sp:Basic256/><sp:Basic128/>"));
        Path client = Files.writeString(Files.createTempFile("client", ".xml"),
                binding.formatted("client", "<sp:Basic128/>"));
        assertThat(gridlet("policy", "check", server.toString())).isZero();
        assertThat(out.toString()).contains("policy server, 3 features");
        assertThat(gridlet("policy", "resolve", client.toString(), server.toString())).isZero();
        assertThat(out.toString()).containsPattern("configuration: TransportBinding\\.[0-9a-f]{8}");
        Files.delete(server);
        Files.delete(client);
    }

    @Test
    void badPoliciesAndMissingInputsAreClearErrors() throws Exception {
        Path bad = Files.createTempFile("bad", ".policy");
        Files.writeString(bad, "policy x {\n  feature a;\n  b;\n}\n");
        assertThat(gridlet("policy", "check", bad.toString())).isEqualTo(2);
        assertThat(err.toString()).contains(bad + ":3:3: unknown feature b (declared: a)");
        assertThat(gridlet("policy", "resolve", example("meter.policy"), example("gateway.policy"))).isEqualTo(2);
        assertThat(err.toString()).contains("run-time input 'cpuUsage' is not given");
        assertThat(gridlet("policy", "check", "nope.policy")).isEqualTo(2);
        Files.delete(bad);
    }

    @Test
    void aPolicyWhoseLetBindingsMultiplyIsRefusedWithTheLimit() throws Exception {
        // let a0 = (f), a1 = (a0 and a0), ... a40 = (a39 and a39): under 1 KB of text, 2^41 nodes written out
        StringBuilder bomb = new StringBuilder("policy bomb {\n  feature f;\n  let a0 = (f)");
        for (int i = 1; i <= 40; i++) bomb.append(", a").append(i).append(" = (a").append(i - 1).append(" and a")
                .append(i - 1).append(')');
        Path file = Files.writeString(Files.createTempFile("bomb", ".policy"), bomb.append(" in optional a40;\n}\n"));
        int[] exit = new int[1];
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> exit[0] = gridlet("policy", "check", file.toString()));
        assertThat(exit[0]).isEqualTo(2);
        assertThat(err.toString()).contains(file + ":3:")
                .contains(": policy too large: more than 50000 formula nodes with its let bindings written out");
        Files.delete(file);
    }

    @Test
    void convertGoesToWsPolicyAndBack() throws Exception {
        Path dir = Files.createTempDirectory("policies");
        Path text = Files.writeString(dir.resolve("m.policy"), """
                policy m {
                  feature puzzle(difficulty: 0..32);
                  feature auth.hmac;
                  auth.hmac;
                  optional puzzle.difficulty in [0, 16];
                  exactly-one { auth.hmac; puzzle };
                }
                """);
        Path xml = dir.resolve("m.xml");
        assertThat(gridlet("policy", "convert", text.toString(), "-o", xml.toString())).isZero();
        assertThat(Files.readString(xml)).contains("<wsp:Policy").contains("wsp:Optional=\"true\"")
                .contains("<wsp:ExactlyOne>");
        assertThat(gridlet("policy", "convert", xml.toString())).isZero();
        assertThat(out.toString()).isEqualTo("""
                policy m {
                  feature puzzle(difficulty: 0..32);
                  feature auth.hmac;
                  auth.hmac;
                  optional puzzle.difficulty in [0, 16];
                  exactly-one { auth.hmac; puzzle };
                }
                """);
        assertThat(gridlet("policy", "check", xml.toString())).isZero();
        assertThat(gridlet("policy", "convert", text.toString(), "--normal-form")).isZero();
        assertThat(out.toString()).contains("<wsp:ExactlyOne>\n    <wsp:All>");
        assertThat(gridlet("policy", "convert", example("gateway.policy"))).isZero(); // gq:If, gq:Input ...
        assertThat(out.toString()).contains("<gq:If>");
        assertThat(gridlet("policy", "convert", example("gateway.policy"), "--normal-form")).isEqualTo(2);
        assertThat(err.toString()).contains("cannot be expressed in WS-Policy's normal form");
    }
}
