package io.gridlet.server.cli;

import io.gridlet.core.csv.Rejection;
import io.gridlet.core.engine.Replay;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The end-of-run report, the same for both engines, and the rejections file. */
final class Summaries {
    private Summaries() {
    }

    /** The summary of a Flink run, from its counts. */
    static Replay.Summary of(io.gridlet.flink.FlinkRun.Outcome outcome) {
        io.gridlet.flink.operators.GateCounts c = outcome.counts();
        return new Replay.Summary(c.lines(), -1, c.loads(), c.works(), c.rounded(), c.firstTime(), c.dataTime(),
                c.rejections(), outcome.nanos());
    }

    static void writeRejections(Replay.Summary s, Path out) throws IOException {
        try (Writer w = Files.newBufferedWriter(out.resolve("rejections.txt"), StandardCharsets.US_ASCII)) {
            s.rejections().writeTo(w);
        }
    }

    static void print(PrintWriter o, Replay.Summary s, Map<String, Long> written, Path out) {
        o.printf("read      %s lines in %s (%s)%n", Numbers.count(s.lines()), Numbers.seconds(s.nanos()),
                Numbers.rate(s.lines(), s.nanos()));
        o.printf("readings  %s load, %s work, %s rounded to 0.001%n", Numbers.count(s.loads()),
                Numbers.count(s.works()), Numbers.count(s.rounded()));
        o.printf("data time %s .. %s%n", Numbers.dataTime(s.dataTimeStart()), Numbers.dataTime(s.dataTimeEnd()));
        long rejected = s.rejections().total();
        StringBuilder reasons = new StringBuilder();
        s.rejections().counts().forEach((reason, count) -> reasons.append(reasons.length() == 0 ? "" : ", ")
                .append(reason.label()).append(' ').append(Numbers.count(count)));
        o.printf("rejected  %s%s%n", Numbers.count(rejected), rejected == 0 ? "" : " (" + reasons + ")");
        for (Rejection r : s.rejections().examples()) o.println("          " + r);
        if (rejected > s.rejections().examples().size()) {
            o.println("          ... the rest are counted in " + out.resolve("rejections.txt"));
        }
        o.printf("wrote     %s%n", out.toAbsolutePath().normalize());
        written.forEach((name, lines) -> o.printf("          %-18s %s lines%n", name, Numbers.count(lines)));
        o.flush();
    }
}
