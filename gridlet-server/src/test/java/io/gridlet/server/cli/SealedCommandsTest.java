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
import java.util.List;

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

        // an analyst entitled to house 1 opens that house's results, and leaves the others out
        Path anaKeys = dir.resolve("ana.keys"), anaOut = dir.resolve("ana-out");
        assertThat(gridlet("keys", "analyst", "ana", "--houses", "1", "--dir", keys, "-o", anaKeys.toString()))
                .as(err.toString()).isZero();
        assertThat(out.toString()).contains("wrote " + anaKeys + ": analyst ana, the results of 1 houses");
        assertThat(gridlet("unseal", "--keys", anaKeys.toString(), sealedOut.toString(), "--to", anaOut.toString()))
                .as(err.toString()).isZero();
        assertThat(out.toString()).contains("left out");
        for (String file : ResultLines.headers(QueryConfig.DEFAULT).keySet()) {
            int houseColumn = file.startsWith("q2") ? 2 : 1; // q1: ts,house,..; q2: ts_start,ts_stop,house,..
            List<String> plain = Files.readAllLines(plainOut.resolve(file));
            List<String> houseOne = new java.util.ArrayList<>(List.of(plain.get(0)));
            for (String line : plain.subList(1, plain.size())) {
                if (line.split(",")[houseColumn].equals("1")) houseOne.add(line);
            }
            if (file.startsWith("q1")) assertThat(houseOne.size()).as(file).isGreaterThan(1).isLessThan(plain.size());
            assertThat(Files.readAllLines(anaOut.resolve(file))).as(file).isEqualTo(houseOne);
        }
        assertThat(Files.readString(anaKeys)).doesNotContain(Files.readString(dir.resolve("keys/results.key"))
                .strip());
        assertThat(gridlet("keys", "analyst", "eve", "--houses", "*", "--dir", keys)).isEqualTo(2);
        assertThat(err.toString()).contains("list them");

        // a new data key: runs seal their state under it, results still open, the old key is kept
        assertThat(gridlet("keys", "rotate", "--dir", keys)).as(err.toString()).isZero();
        assertThat(out.toString()).contains("data key 2 is current", "[1, 2] kept for opening");
        Path rotatedOut = dir.resolve("rotated-out");
        assertThat(gridlet("run", "-q", "--sealed", "--keys", keys, sealed.toString(), "--out",
                rotatedOut.toString())).as(err.toString()).isZero();
        assertThat(gridlet("unseal", "--keys", keys, rotatedOut.toString())).as(err.toString()).isZero();
        assertThat(Files.readAllLines(rotatedOut.resolve("q1-house-60.csv")))
                .isEqualTo(Files.readAllLines(plainOut.resolve("q1-house-60.csv")));

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

    @Test
    void aMeterSealsItsOwnCsvWithItsOwnKeysWhichOpenNothingAndTheRunRefusesWhatItMayNotSend() throws Exception {
        String keys = dir.resolve("keys").toString();
        assertThat(gridlet("keys", "--dir", keys)).isZero();
        Path meterKeys = dir.resolve("m1.keys");
        assertThat(gridlet("keys", "meter", "m1", "--houses", "0-1", "--dir", keys, "-o", meterKeys.toString()))
                .as(err.toString()).isZero();
        assertThat(out.toString()).contains("wrote " + meterKeys, "m1 houses=0-1", "opens nothing");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(meterKeys))).isEqualTo("rw-------");
        // nothing of the owner's secrets is in the meter's file
        String meterFile = Files.readString(meterKeys);
        for (String secretFile : List.of("data.keys", "routing.key", "runtime.key")) {
            for (String line : Files.readAllLines(dir.resolve("keys").resolve(secretFile))) {
                String secret = line.contains(" ") ? line.substring(line.indexOf(' ') + 1) : line;
                if (!secret.isBlank()) assertThat(meterFile).doesNotContain(secret.strip());
            }
        }
        for (String line : Files.readAllLines(dir.resolve("keys/readings.key"))) {
            if (line.startsWith("ingest-private") || line.startsWith("meter-master")) {
                assertThat(meterFile).doesNotContain(line.substring(line.indexOf(' ') + 1));
            }
        }

        // houses 0 and 1 are the meter's, house 2 is not; line 4 does not parse
        Path csv = Files.writeString(dir.resolve("mine.csv"), String.join("\n",
                "1,1377986401,10.000,1,0,0,0", "2,1377986401,20.000,1,0,0,1", "3,1377986402,30.000,1,0,0,2",
                "4,not-a-time,1,1,0,0,0", "5,1377986403,11.000,1,0,0,0") + "\n");
        Path sealed = dir.resolve("mine.sealed");
        assertThat(gridlet("seal", "-q", csv.toString(), "--keys", meterKeys.toString(), "-o", sealed.toString()))
                .as(err.toString()).isZero();
        assertThat(err.toString()).contains("3 readings of " + csv + " sealed as m1", "rejected  2 (",
                "bad-number 1", "not-owned 1");
        assertThat(dir.resolve("mine.sealed.rejections.txt")).exists();
        assertThat(Files.readString(sealed, java.nio.charset.StandardCharsets.ISO_8859_1))
                .startsWith("GRIDSEAL").doesNotContain("1377986");

        // the same readings sealed twice into one file: the second copy is refused inside as replayed
        byte[] once = Files.readAllBytes(sealed);
        Path twice = dir.resolve("twice.sealed");
        byte[] both = java.util.Arrays.copyOf(once, 2 * once.length - 9); // the header once
        System.arraycopy(once, 9, both, once.length, once.length - 9);
        Files.write(twice, both);
        Path out1 = dir.resolve("out");
        assertThat(gridlet("run", "-q", "--sealed", "--keys", keys, twice.toString(), "--out", out1.toString()))
                .as(err.toString()).isZero();
        assertThat(Files.readString(out1.resolve("rejections.txt"))).contains("replayed");
        assertThat(out.toString() + err.toString()).contains("replayed 3");

        // the owner's directory is not a meter's keys
        assertThat(gridlet("seal", "-q", csv.toString(), "--keys", keys, "-o", dir.resolve("x").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("it is the owner's key directory");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
