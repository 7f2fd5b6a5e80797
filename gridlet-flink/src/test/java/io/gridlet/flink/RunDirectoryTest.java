package io.gridlet.flink;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class RunDirectoryTest {
    @TempDir
    Path out;

    @Test
    void finishingWhileFlinkStillRemovesCheckpointsNeverFailsAndLeavesNothingToResume() throws Exception {
        for (int round = 0; round < 20; round++) {
            RunDirectory dir = new RunDirectory(out);
            dir.startFresh("run " + round);
            Path checkpoints = dir.checkpoints();
            for (int c = 0; c < 20; c++) Files.createDirectories(checkpoints.resolve("chk-" + c).resolve("sub"));
            // Flink's checkpoint cleaner, still deleting in there (and a writer finishing a file) when the run has
            // finished: by their old paths, as Flink holds them
            AtomicBoolean stop = new AtomicBoolean();
            Thread cleaner = new Thread(() -> {
                int c = 0;
                while (!stop.get()) {
                    Path chk = checkpoints.resolve("chk-" + (c++ % 20));
                    try {
                        Files.writeString(chk.resolve("sub").resolve("part"), "x");
                        RunDirectory.deleteTree(chk);
                    } catch (IOException | RuntimeException e) {
                        // the run directory went away under it: as Flink's cleaner sees it
                    }
                }
            });
            cleaner.start();
            try {
                dir.finish(); // must not throw, whatever the cleaner does meanwhile
            } finally {
                stop.set(true);
                cleaner.join();
            }
            assertThat(dir.root()).doesNotExist();
            assertThat(dir.resumable("run " + round)).isEmpty();
        }
        // leftovers of finished runs go with the next run in this output directory
        new RunDirectory(out).startFresh("next");
        try (Stream<Path> left = Files.list(out)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly(RunDirectory.NAME);
        }
    }
}
