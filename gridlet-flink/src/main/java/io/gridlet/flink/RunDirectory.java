package io.gridlet.flink;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The work directory of a run, {@code OUT/.gridlet-run}: Flink's checkpoints, the result parts the file sink
 * commits on them, a manifest saying which input and settings the run is for, and the address of the running
 * job's REST endpoint (for {@code gridlet scale}). It outlives a crash, so a run killed at any moment can be
 * resumed from its last completed checkpoint; a run that finishes removes it.
 */
public final class RunDirectory {
    public static final String NAME = ".gridlet-run";
    private static final String IDENTITY = "identity";
    private static final String RUN = "run";

    private final Path root;

    public RunDirectory(Path outDir) {
        this.root = outDir.toAbsolutePath().resolve(NAME);
    }

    public Path root() {
        return root;
    }

    public Path checkpoints() {
        return root.resolve("checkpoints");
    }

    public Path parts() {
        return root.resolve("parts");
    }

    private Path manifest() {
        return root.resolve("run.properties");
    }

    private Path endpoint() {
        return root.resolve("job.properties");
    }

    /** Thrown when the directory holds an unfinished run of other input or settings. */
    public static final class OtherRunException extends IllegalStateException {
        OtherRunException(String message) {
            super(message);
        }
    }

    /**
     * The checkpoint to resume from: the latest completed one of an unfinished run with the same identity (input
     * and settings), or empty when there is nothing to resume.
     *
     * @throws OtherRunException if an unfinished run of different input or settings is there
     */
    public Optional<Path> resumable(String identity) throws IOException {
        if (!Files.exists(manifest())) return Optional.empty();
        Properties p = load(manifest());
        Optional<Path> latest = latestCheckpoint();
        if (!identity.equals(p.getProperty(IDENTITY))) {
            if (latest.isEmpty()) return Optional.empty(); // nothing worth keeping
            throw new OtherRunException(root.getParent() + " holds an unfinished run of other input or settings ("
                    + p.getProperty(IDENTITY) + ")");
        }
        return latest;
    }

    /**
     * The newest checkpoint whose metadata was written (Flink writes {@code _metadata} last, on completion).
     * Flink deletes older checkpoints while this looks: a directory that vanishes is skipped.
     */
    public Optional<Path> latestCheckpoint() throws IOException {
        if (!Files.isDirectory(checkpoints())) return Optional.empty();
        List<Path> completed = new ArrayList<>();
        for (Path job : list(checkpoints())) {
            for (Path checkpoint : list(job)) {
                if (checkpoint.getFileName().toString().startsWith("chk-")
                        && Files.exists(checkpoint.resolve("_metadata"))) {
                    completed.add(checkpoint.resolve("_metadata"));
                }
            }
        }
        return completed.stream()
                .max(Comparator.comparingLong(RunDirectory::modified).thenComparing(RunDirectory::checkpointNumber))
                .map(Path::getParent);
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        }
    }

    private static long checkpointNumber(Path metadata) {
        return Long.parseLong(metadata.getParent().getFileName().toString().substring("chk-".length()));
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return Long.MIN_VALUE;
        }
    }

    /**
     * Prepares the directory for a run with this identity: returns the checkpoint to resume an unfinished run of
     * it from, or starts fresh (also when {@code fresh} is set, discarding any unfinished run).
     *
     * @throws OtherRunException if an unfinished run of other input or settings is there and not {@code fresh}
     */
    public Optional<Path> prepare(String identity, boolean fresh) throws IOException {
        Optional<Path> resume = fresh ? Optional.empty() : resumable(identity);
        if (resume.isEmpty()) startFresh(identity);
        return resume;
    }

    /** Starts a new run: removes whatever was there and records the run's identity. */
    public void startFresh(String identity) throws IOException {
        removeFinished();
        deleteTree(root);
        Files.createDirectories(root);
        Properties p = new Properties();
        p.setProperty(IDENTITY, identity);
        byte[] run = new byte[16];
        new SecureRandom().nextBytes(run);
        p.setProperty(RUN, HexFormat.of().formatHex(run));
        store(p, manifest());
    }

    /**
     * The run's id: random, made when the run starts fresh and kept while it resumes (sealed state names it, so a
     * checkpoint of another run does not restore); "" for a directory made before runs had ids.
     */
    public String runId() throws IOException {
        if (!Files.exists(manifest())) return "";
        return load(manifest()).getProperty(RUN, "");
    }

    /** Records where the running job's REST endpoint is. */
    public void recordJob(String restAddress, String jobId) throws IOException {
        Properties p = new Properties();
        p.setProperty("rest", restAddress);
        p.setProperty("job", jobId);
        store(p, endpoint());
    }

    /** The running job's REST address and id, if a run is going on here. */
    public Optional<Properties> job() throws IOException {
        return Files.exists(endpoint()) ? Optional.of(load(endpoint())) : Optional.empty();
    }

    /**
     * The run finished: nothing is left to resume. Flink may still be removing a checkpoint in there when the job
     * has finished (its cleaner runs asynchronously), so the directory is first renamed away in one step (from
     * then on no run can resume it) and then deleted as far as it can be; what is left (a file still being
     * written) goes with the next run in this output directory. A successful run never fails here.
     */
    public void finish() {
        Path done = root.resolveSibling(NAME + ".done-" + System.nanoTime());
        try {
            Files.move(root, done, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            done = root; // cannot rename: delete in place, as far as it goes
        }
        deleteQuietly(done);
    }

    /** Leftovers of finished runs that could not be deleted at the time (see {@link #finish}). */
    private void removeFinished() throws IOException {
        Path out = root.getParent();
        if (!Files.isDirectory(out)) return;
        try (Stream<Path> entries = Files.list(out)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(NAME + ".done-")).toList()) {
                deleteQuietly(p);
            }
        }
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return p;
    }

    private static void store(Properties p, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, null);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Deletes what it can of a tree that someone else may still be changing: a few tries, then leaves it. */
    static void deleteQuietly(Path dir) {
        for (int attempt = 0; attempt < 5 && Files.exists(dir); attempt++) {
            try {
                deleteTree(dir);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(50L << attempt);
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
