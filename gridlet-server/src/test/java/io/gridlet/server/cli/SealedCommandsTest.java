package io.gridlet.server.cli;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.result.ResultLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code gridlet keys}, {@code gridlet generate --sealed}, {@code gridlet run --sealed} and {@code gridlet unseal}
 * as a user runs them: the sealed run's results, opened by the owner, are the plaintext run's files; the sealed file holds no reading in the clear; keys are
 * refused to code the owner has not allowed, and allowed again with --allow-current.
 */
class SealedCommandsTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter(), err = new StringWriter();

    private int gridlet(String... args) {
        CommandLine cli = GridletCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void aSealedRunWritesThePlainRunsFilesAndKeysGoOnlyToAllowedCode() throws Exception {
        String keys = dir.resolve("keys").toString();
        String[] data = {"--days", "0.1", "--houses", "2", "--seed", "9"};
        assertThat(gridlet("keys", "--dir", keys)).isZero();
        assertThat(out.toString()).contains("made keys in", "allowed operator code");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("keys/data.keys"))))
                .isEqualTo("rw-------");

        Path sealed = dir.resolve("readings.sealed");
        assertThat(gridlet(concat(new String[] {"generate", "-q", "--sealed", "--keys", keys, "-o",
                sealed.toString()}, data))).as(err.toString()).isZero();
        String bytes = new String(Files.readAllBytes(sealed), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(bytes).startsWith("GRIDSEAL").doesNotContain("13779");

        Path sealedOut = dir.resolve("sealed-out"), plainOut = dir.resolve("plain-out");
        assertThat(gridlet("run", "-q", "--sealed", "--keys", keys, sealed.toString(), "--out", sealedOut.toString(),
                "-p", "2")).as(err.toString()).isZero();
        assertThat(err.toString()).contains("keys released to the software runtime (no hardware isolation");
        assertThat(gridlet(concat(new String[] {"run", "-q", "--engine", "core", "--out", plainOut.toString()},
                data))).isZero();
        assertThat(sealedOut.resolve("q1-plug-60.csv")).doesNotExist(); // results leave the run sealed
        assertThat(gridlet("unseal", "--keys", keys, sealedOut.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("opened", "q1-plug-60.csv");
        for (String file : ResultLines.headers(QueryConfig.DEFAULT).keySet()) {
            assertThat(Files.readAllLines(sealedOut.resolve(file))).as(file)
                    .isEqualTo(Files.readAllLines(plainOut.resolve(file)));
        }

        // the owner's allowlist names other code (as after an upgrade of gridlet): no keys, a clear refusal
        Files.writeString(dir.resolve("keys/allowlist"), "00".repeat(32) + "\n");
        assertThat(gridlet("run", "-q", "--sealed", "--keys", keys, sealed.toString(), "--out",
                dir.resolve("refused").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("no keys released", "--allow-current");
        assertThat(gridlet("keys", "--dir", keys)).isZero();
        assertThat(out.toString()).contains("is NOT allowed");
        assertThat(gridlet("keys", "--dir", keys, "--allow-current")).isZero();
        assertThat(out.toString()).endsWith("is allowed" + System.lineSeparator());

        // a CSV given to --sealed, and --sealed without its file
        Path csv = Files.writeString(dir.resolve("plain.csv"), "1,1377986410,10.000,1,1,1,1\n");
        assertThat(gridlet("run", "-q", "--sealed", "--keys", keys, csv.toString(), "--out",
                dir.resolve("csv").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("not a sealed readings file");
        assertThat(gridlet("run", "-q", "--sealed", "--keys", keys, "--out", dir.resolve("none").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--sealed reads a sealed file");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
