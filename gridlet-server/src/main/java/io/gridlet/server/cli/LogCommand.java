package io.gridlet.server.cli;

import io.gridlet.log.local.LogCheck;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code gridlet log}: what the local ingest log holds, whether it is damaged, and cutting the damage off. */
@Command(name = "log", mixinStandardHelpOptions = true,
        description = {
                "The local ingest log (gridlet serve's --dir/log): check reads every entry and says what the log "
                        + "holds and whether, and where, it is damaged; repair says what cutting the damage off "
                        + "drops and, with --yes, cuts it.",
                "A torn tail (the last entry, cut short by a crash, nothing whole after it) needs nothing: gridlet "
                        + "serve cuts it when it starts. Corruption (a bad entry with whole ones after it, or in a "
                        + "closed segment) keeps gridlet serve from starting until the operator repairs the log."},
        subcommands = {LogCommand.Check.class, LogCommand.Repair.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the log opens (clean, or a torn tail only); repair: repaired",
                "1:the log is corrupt (repair: not without --yes)", "2:bad usage, no log there"})
final class LogCommand implements Runnable {
    private static final int METERS_SHOWN = 10;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a log command: check, repair");
    }

    /**
     * The log in DIR, or in DIR/log (a gridlet serve --dir), read whole; a partitioned log is checked and repaired
     * one partition at a time (its partition-N directories are logs of their own).
     */
    static LogCheck.Report read(Path dir) throws IOException {
        for (Path d : List.of(dir, dir.resolve("log"))) {
            int partitions = io.gridlet.log.local.LocalLog.partitionsIn(d);
            if (partitions > 1) {
                throw new UserError(d + " is a log of " + partitions + " partitions: check or repair each, "
                        + d.resolve("partition-0") + " to " + d.resolve("partition-" + (partitions - 1)));
            }
        }
        LogCheck.Report report = LogCheck.check(dir);
        Path served = dir.resolve("log");
        if (report.segments() == 0 && Files.isDirectory(served)) report = LogCheck.check(served);
        if (report.segments() == 0) {
            throw new UserError("no ingest log in " + dir + " (no segment files <20 digits>.log there, nor in "
                    + served + ")");
        }
        return report;
    }

    /** What the readable part of the log holds, and the damage if there is any. */
    static void describe(PrintWriter out, LogCheck.Report log) {
        Map<String, Long> last = log.lastSequences();
        out.println("log       " + log.dir() + ": " + plural(log.segments(), "segment") + ", "
                + plural(log.entries(), "entry", "entries") + ", " + plural(log.readings(), "reading") + " from "
                + plural(last.size(), "meter") + ", readable up to log position " + log.end()
                + (log.endOfData() ? " (the end of the data is in it)" : ""));
        List<String> meters = new ArrayList<>();
        last.forEach((meter, seq) -> {
            if (meters.size() < METERS_SHOWN) meters.add(meter + " up to " + seq);
        });
        if (last.size() > METERS_SHOWN) meters.add("and " + (last.size() - METERS_SHOWN) + " more");
        out.println("meters    " + (meters.isEmpty() ? "none" : String.join(", ", meters)));
        LogCheck.Damage d = log.damage();
        if (d == null) {
            out.println("clean     every entry reads");
            return;
        }
        out.println((d.tornTail() ? "torn tail " : "CORRUPT   ") + d.segment() + " at byte " + d.offset()
                + " (log position " + d.position() + "): " + d.problem());
    }

    static String plural(long n, String one) {
        return plural(n, one, one + "s");
    }

    static String plural(long n, String one, String many) {
        return Figures.count(n) + " " + (n == 1 ? one : many);
    }

    /** {@code gridlet log check}. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Reads every entry of the log and prints what it holds (entries, readings, every meter's "
                    + "last sequence number, where it ends) and any damage: the file, the byte offset, what is wrong.")
    static final class Check implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "The log directory (or a gridlet serve --dir: its log).")
        Path dir;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            LogCheck.Report log = read(dir);
            describe(out, log);
            LogCheck.Damage d = log.damage();
            if (d == null) return 0;
            if (d.tornTail()) {
                out.println("clean     but for the torn tail (" + plural(d.bytes(), "byte") + ", a write a crash cut "
                        + "short, never acknowledged with --fsync always), which gridlet serve cuts when it starts");
                return 0;
            }
            out.println("after it  " + plural(d.entriesAfter(), "whole entry", "whole entries") + " ("
                    + plural(d.readingsAfter(), "reading") + ") in " + plural(d.bytes(), "byte") + ", "
                    + plural(d.laterSegments(), "later segment"));
            out.println("          gridlet serve does not start on this log; 'gridlet log repair " + log.dir()
                    + "' says what cutting the damage off drops");
            return 1;
        }
    }

    /** {@code gridlet log repair}. */
    @Command(name = "repair", mixinStandardHelpOptions = true,
            description = "Says exactly what cutting the log at its damage drops (the file and offset, the bytes, "
                    + "the whole entries after the damage, each meter's sequence numbers in them) and, with --yes, "
                    + "cuts it: truncates the damaged segment there and deletes the segments after it. Run it with "
                    + "gridlet serve stopped.")
    static final class Repair implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "The log directory (or a gridlet serve --dir: its log).")
        Path dir;

        @Option(names = "--yes", description = "Cut it (without: only say what would be cut).")
        boolean yes;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            LogCheck.Report log = read(dir);
            describe(out, log);
            LogCheck.Damage d = log.damage();
            if (d == null) {
                out.println("repair    nothing to repair");
                return 0;
            }
            String later = d.laterSegments() == 0 ? ""
                    : " and " + (yes ? "deletes " : "delete ") + plural(d.laterSegments(), "later segment");
            out.println("repair    " + (yes ? "cuts " : "would cut ") + d.segment().getFileName() + " at byte "
                    + d.offset() + later + ": " + plural(d.bytes(), "byte") + ", with "
                    + plural(d.entriesAfter(), "whole entry", "whole entries") + " ("
                    + plural(d.readingsAfter(), "reading") + ") after the damage");
            if (!d.dropped().isEmpty()) {
                out.println("dropped   " + d.dropped().stream()
                        .map(m -> m.meter() + " sequences " + m.from() + ".." + m.to())
                        .collect(Collectors.joining(", ")));
            }
            if (!d.tornTail()) {
                out.println("meters    the gateway resumes each meter after the last sequence number the log keeps; "
                        + "a meter keeps a reading only until it is acknowledged, so it sends again the readings "
                        + "never acknowledged, but dropped readings that were acknowledged are lost for good");
            }
            if (!yes) {
                out.println("          nothing changed: with --yes it is cut (stop gridlet serve first)");
                return d.tornTail() ? 0 : 1;
            }
            LogCheck.Report after;
            try {
                after = LogCheck.repair(log.dir(), d);
            } catch (IOException e) {
                spec.commandLine().getErr().println("gridlet log repair: " + e.getMessage());
                return 1;
            }
            out.println("cut       the log now ends at log position " + after.end() + " with "
                    + plural(after.entries(), "entry", "entries") + "; gridlet serve starts on it");
            return 0;
        }
    }
}
