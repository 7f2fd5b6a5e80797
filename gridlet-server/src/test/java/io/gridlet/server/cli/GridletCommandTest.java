package io.gridlet.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The gridlet command as a user runs it: real files in a temporary directory, exit codes, messages. */
class GridletCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int gridlet(String... args) {
        CommandLine cli = GridletCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** The spec's tiny example (the test resources spec-examples/tiny). */
    private static final String TINY = """
            1,1377986410,10.000,1,1,1,1
            2,1377986410,20,1,2,1,1
            3,1377986420,30.0,1,1,1,1
            4,1377986435,50.0004,1,1,1,1
            5,1377986436,1.0,0,1,1,1
            """;

    @Test
    void runWritesTheSpecFilesForAFile() throws IOException {
        Path input = Files.writeString(dir.resolve("tiny.csv"), TINY);
        Path results = dir.resolve("out");

        assertThat(gridlet("run", "--quiet", "--engine", "core", input.toString(), "--out", results.toString()))
                .isZero();

        assertThat(Files.readAllLines(results.resolve("q1-plug-60.csv"))).containsExactly(
                "ts,house_id,household_id,plug_id,predicted_load", "1377986520,1,1,1,20.000", "1377986520,1,1,2,20.000");
        assertThat(Files.readAllLines(results.resolve("q1-house-7200.csv")))
                .containsExactly("ts,house_id,predicted_load", "1378000800,1,40.000");
        assertThat(Files.readAllLines(results.resolve("q2-3600.csv"))).containsExactly(
                "ts_start,ts_stop,house_id,household_id,percentage",
                "1377982810,1377986410,1,1,50.000", "1377982820,1377986420,1,1,0.000",
                "1377982835,1377986435,1,1,50.000");
        assertThat(Files.readString(results.resolve("rejections.txt"))).isEmpty();
        assertThat(out.toString()).contains("5 lines", "4 load, 1 work, 1 rounded", "rejected  0",
                "q1-plug-60.csv", "2 lines");
    }

    @Test
    void runReportsBadLinesWithLineNumbersAndGoesOn() throws IOException {
        Path input = Files.writeString(dir.resolve("bad.csv"),
                TINY.replace("3,1377986420,30.0,1,1,1,1", "3,1377986420,30.0,7,1,1,1") + "6,1377986400,1,1,1,1,1\n");
        Path results = dir.resolve("out");

        assertThat(gridlet("run", "-q", input.toString(), "-o", results.toString())).isZero();

        assertThat(Files.readAllLines(results.resolve("rejections.txt"))).containsExactly("bad-property 1", "late 1");
        assertThat(out.toString()).contains("rejected  2 (bad-property 1, late 1)", "line 3: bad-property",
                "line 6: late");
    }

    @Test
    void runWithoutInputUsesGeneratedData() throws IOException {
        Path results = dir.resolve("gen");
        assertThat(gridlet("run", "-q", "--days", "0.2", "--houses", "1", "--interval", "30", "-o",
                results.toString())).isZero();
        List<String> plugLines = Files.readAllLines(results.resolve("q1-plug-300.csv"));
        assertThat(plugLines.get(0)).isEqualTo("ts,house_id,household_id,plug_id,predicted_load");
        assertThat(plugLines.size()).isGreaterThan(100);
        assertThat(err.toString()).contains("generated data (seed 42, 8 plugs in 1 houses");
    }

    @Test
    void theOutputHeavyShapeIsAPresetThatTheLayoutOptionsDoNotSilentlyChange() throws IOException {
        Path csv = dir.resolve("heavy.csv");
        assertThat(gridlet("generate", "-q", "--shape", "output-heavy", "--days", "0.02", "--seed", "3", "-o",
                csv.toString())).isZero();
        List<String[]> loads = Files.readAllLines(csv).stream().map(l -> l.split(","))
                .filter(f -> f[3].equals("1")).toList();
        assertThat(loads.stream().map(f -> f[6] + "/" + f[5] + "/" + f[4]).distinct().count())
                .as("240 plugs").isEqualTo(240);
        assertThat(loads.stream().map(f -> f[6]).distinct().count()).as("10 houses").isEqualTo(10);
        long seconds = loads.stream().map(f -> f[1]).distinct().count();
        assertThat(seconds).as("nearly every second has readings (each plug at its own offset)")
                .isGreaterThan((long) (0.02 * 86_400 * 0.9));
        assertThat(gridlet("run", "-q", "--engine", "core", "--shape", "output-heavy", "--days", "0.02", "--seed",
                "3", "-o", dir.resolve("run").toString())).isZero();
        assertThat(gridlet("run", "-q", "--engine", "core", csv.toString(), "-o", dir.resolve("file").toString()))
                .isZero();
        assertThat(Files.readAllLines(dir.resolve("run/q1-plug-60.csv")))
                .isEqualTo(Files.readAllLines(dir.resolve("file/q1-plug-60.csv")));

        assertThat(gridlet("generate", "-q", "--shape", "output-heavy", "--houses", "5", "--interval", "5", "-o",
                dir.resolve("x.csv").toString())).as("even at their default values").isNotZero();
        assertThat(err.toString()).contains("--shape output-heavy sets the layout")
                .contains("leave out --houses, --interval,");
        assertThat(gridlet("generate", "-q", "--shape", "heavy", "-o", dir.resolve("y.csv").toString())).isNotZero();
        assertThat(err.toString()).contains("'heavy' is not a shape: standard or output-heavy");
    }

    @Test
    void generatedFileAndGeneratedRunGiveTheSameResults() throws IOException {
        String[] shape = {"--days", "0.3", "--houses", "2", "--interval", "20", "--seed", "9", "--malformed-rate",
                "0.01"};
        Path csv = dir.resolve("data/gen.csv.gz");
        assertThat(gridlet(concat(new String[] {"generate", "-q", "-o", csv.toString()}, shape))).isZero();
        assertThat(gridlet("run", "-q", csv.toString(), "-o", dir.resolve("a").toString())).isZero();
        assertThat(gridlet(concat(new String[] {"run", "-q", "-o", dir.resolve("b").toString()}, shape))).isZero();
        for (String file : List.of("q1-plug-60.csv", "q1-house-900.csv", "q2-3600.csv", "q2-86400.csv",
                "rejections.txt")) {
            assertThat(Files.readAllLines(dir.resolve("a").resolve(file)))
                    .isEqualTo(Files.readAllLines(dir.resolve("b").resolve(file)));
        }
        assertThat(Files.readString(dir.resolve("a/rejections.txt"))).contains("late");
    }

    @Test
    void bothEnginesWriteTheSameFiles() throws IOException {
        String[] shape = {"--days", "0.4", "--houses", "2", "--interval", "30", "--seed", "3", "--malformed-rate",
                "0.01"};
        assertThat(gridlet(concat(new String[] {"run", "-q", "--engine", "core", "-o", dir.resolve("core").toString()},
                shape))).isZero();
        assertThat(gridlet(concat(new String[] {"run", "-q", "--engine", "flink", "-p", "2", "-o",
                dir.resolve("flink").toString()}, shape))).isZero();
        try (var files = Files.list(dir.resolve("core"))) {
            for (Path core : files.toList()) {
                assertThat(Files.readAllLines(dir.resolve("flink").resolve(core.getFileName())))
                        .as(core.getFileName().toString()).isEqualTo(Files.readAllLines(core));
            }
        }
        assertThat(err.toString()).contains("embedded Flink, parallelism 2");
    }

    @Test
    void everyCommandsHelpFormatsWithoutAWarning() {
        // picocli formats descriptions as format strings: a lone '%' makes it print a WARN and the raw text
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        try {
            java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(List.of(GridletCommand.commandLine()));
            int commands = 0;
            while (!todo.isEmpty()) {
                CommandLine c = todo.pop();
                assertThat(c.getUsageMessage()).as(c.getCommandName()).isNotBlank();
                todo.addAll(c.getSubcommands().values());
                commands++;
            }
            assertThat(commands).isGreaterThan(10);
        } finally {
            System.setErr(original);
        }
        assertThat(captured.toString()).doesNotContain("Could not format");
    }

    @Test
    void theFlinkEngineAsksForAFileInsteadOfStandardInput() {
        assertThat(gridlet("run", "-", "--engine", "flink")).isEqualTo(2);
        assertThat(err.toString()).contains("standard input needs --engine core");
        assertThat(gridlet("run", "--engine", "core", "-p", "2")).isEqualTo(2);
        assertThat(err.toString()).contains("--parallelism is for --engine flink");
    }

    @Test
    void aMissingFileIsOneClearMessageAndExitCodeTwo() {
        assertThat(gridlet("run", dir.resolve("nope.csv").toString())).isEqualTo(2);
        assertThat(err.toString().trim()).isEqualTo("gridlet run: cannot read " + dir.resolve("nope.csv")
                + ": no such file");
        assertThat(gridlet("run", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("is a directory");
    }

    @Test
    void badUsageIsExitCodeTwo() throws IOException {
        Path input = Files.writeString(dir.resolve("tiny.csv"), TINY);
        assertThat(gridlet("run", input.toString(), "--generate")).isEqualTo(2);
        assertThat(err.toString()).contains("not both");
        assertThat(gridlet("run", "--days", "-1")).isEqualTo(2);
        assertThat(err.toString()).contains("days must be > 0");
        assertThat(gridlet("run", "--bogus")).isEqualTo(2);
        assertThat(gridlet()).isEqualTo(2);
    }

    @Test
    void helpNamesTheCommandsAndTheirOptions() {
        assertThat(gridlet("--help")).isZero();
        assertThat(out.toString()).contains("run", "scale", "generate", "Exit codes");
        assertThat(gridlet("run", "--help")).isZero();
        assertThat(out.toString()).contains("--out", "--max-lateness", "--epoch", "Generated data", "--seed",
                "--engine", "--parallelism", "--cluster", "--checkpoint-interval", "--fresh", "autoscale", "--scale-max");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
