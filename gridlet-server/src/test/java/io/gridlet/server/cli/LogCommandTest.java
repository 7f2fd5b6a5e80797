package io.gridlet.server.cli;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import io.gridlet.log.local.LocalLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** gridlet log check / repair on real logs, whole, torn and corrupt; and gridlet serve on a corrupt one. */
class LogCommandTest {
    @TempDir
    Path dir;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    private int gridlet(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = GridletCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private Path live() {
        return dir.resolve("live");
    }

    private Path segment() {
        return live().resolve("log").resolve("00000000000000000000.log");
    }

    private static LogRecord entry(String meter, long seq) {
        List<Measurement> readings = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            readings.add(new Measurement(seq * 100 + i, 1_377_986_401L + seq, 1000L * i, Property.LOAD, i, 1, 1));
        }
        return new LogRecord(meter, seq, readings);
    }

    /** a 10, b 20, a 11, b 21, a 12, b 22 in gridlet serve's DIR/log; returns where each entry starts. */
    private List<Long> writeLog() throws Exception {
        List<Long> positions = new ArrayList<>();
        long at = 0;
        try (IngestLog.Writer w = new LocalLog(live().resolve("log"), LocalLog.Fsync.ALWAYS).openWriter()) {
            for (int i = 0; i < 3; i++) {
                for (LogRecord r : List.of(entry("a", 10 + i), entry("b", 20 + i))) {
                    positions.add(at);
                    w.append(r).get();
                    at += 8 + r.encode().length;
                }
            }
        }
        return positions;
    }

    private List<Long> writeCorruptLog() throws Exception {
        List<Long> positions = writeLog();
        byte[] bytes = Files.readAllBytes(segment());
        bytes[(int) (positions.get(2) + 30)] ^= 0x08; // in a 11; b 21, a 12, b 22 whole after it
        Files.write(segment(), bytes);
        return positions;
    }

    @Test
    void checkSaysWhatACleanLogHolds() throws Exception {
        writeLog();
        assertThat(gridlet("log", "check", live().toString())).isZero(); // a serve --dir: its log
        assertThat(out.toString()).contains("1 segment, 6 entries, 60 readings from 2 meters, readable up to log "
                + "position " + Files.size(segment()), "meters    a up to 12, b up to 22",
                "clean     every entry reads");
    }

    @Test
    void aTornTailIsCleanToCheckAndARepairCutsExactlyIt() throws Exception {
        writeLog();
        long whole = Files.size(segment());
        Files.write(segment(), new byte[] {0, 0, 2, 0, 7}, StandardOpenOption.APPEND);

        assertThat(gridlet("log", "check", live().resolve("log").toString())).isZero();
        assertThat(out.toString()).contains("torn tail " + segment() + " at byte " + whole + " (log position "
                + whole + "): header incomplete: 5 of 8 bytes", "which gridlet serve cuts when it starts");

        assertThat(gridlet("log", "repair", live().toString())).isZero();
        assertThat(out.toString()).contains("would cut 00000000000000000000.log at byte " + whole + ": 5 bytes",
                "nothing changed");
        assertThat(Files.size(segment())).isEqualTo(whole + 5);

        assertThat(gridlet("log", "repair", live().toString(), "--yes")).isZero();
        assertThat(out.toString()).contains("cut       the log now ends at log position " + whole + " with 6 entries");
        assertThat(Files.size(segment())).isEqualTo(whole);
    }

    @Test
    void corruptionFailsTheCheckAndARepairSaysWhatItDropsBeforeDroppingExactlyThat() throws Exception {
        List<Long> positions = writeCorruptLog();
        long size = Files.size(segment());
        byte[] before = Files.readAllBytes(segment());

        assertThat(gridlet("log", "check", live().toString())).isEqualTo(1);
        assertThat(out.toString()).contains("2 entries, 20 readings from 2 meters",
                "CORRUPT   " + segment() + " at byte " + positions.get(2) + " (log position " + positions.get(2)
                        + "): checksum fails; a whole entry follows at byte " + positions.get(3),
                "after it  3 whole entries (30 readings) in " + Figures.count(size - positions.get(2))
                        + " bytes, 0 later segments",
                "gridlet log repair");

        assertThat(gridlet("log", "repair", live().toString())).isEqualTo(1);
        assertThat(out.toString()).contains("would cut 00000000000000000000.log at byte " + positions.get(2) + ": "
                        + Figures.count(size - positions.get(2))
                        + " bytes, with 3 whole entries (30 readings) after the damage",
                "dropped   a sequences 11..12, b sequences 21..22", "lost for good", "nothing changed");
        assertThat(Files.readAllBytes(segment())).isEqualTo(before);

        assertThat(gridlet("log", "repair", live().toString(), "--yes")).isZero();
        assertThat(out.toString()).contains("cuts 00000000000000000000.log at byte " + positions.get(2),
                "cut       the log now ends at log position " + positions.get(2) + " with 2 entries");
        assertThat(gridlet("log", "check", live().toString())).isZero();
        try (IngestLog.Writer w = new LocalLog(live().resolve("log"), LocalLog.Fsync.ALWAYS).openWriter()) {
            assertThat(w.lastSequences()).isEqualTo(Map.of("a", 10L, "b", 20L));
        }
    }

    @Test
    void serveDoesNotStartOnACorruptLogAndNamesTheFileAndTheOffset() throws Exception {
        List<Long> positions = writeCorruptLog();
        assertThat(gridlet("serve", "-q", "--dir", live().toString(), "--port", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("gridlet serve: the ingest log is corrupt: " + segment() + " at byte "
                + positions.get(2), "gridlet log check " + live().resolve("log"));
    }

    @Test
    void noLogThereIsABadUsage() throws IOException {
        Files.createDirectories(dir.resolve("empty"));
        assertThat(gridlet("log", "check", dir.resolve("empty").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("gridlet log check: no ingest log in " + dir.resolve("empty"));
        assertThat(gridlet("log")).isEqualTo(2);
        assertThat(err.toString()).contains("name a log command: check, repair");
    }
}
