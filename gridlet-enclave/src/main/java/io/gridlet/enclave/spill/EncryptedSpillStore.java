package io.gridlet.enclave.spill;

import io.gridlet.core.q2.ReadingLog;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.sealing.SealException;
import io.gridlet.enclave.sealing.StateCipher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * Where state goes when the trusted memory budget is full: one file per chunk in a directory of its own, each
 * sealed with AES-GCM under the current data key, bound (associated data) to this store's random id and the
 * chunk's number, so a file changed, swapped with another chunk's or brought from another store does not open.
 * Files are deleted as soon as their chunk comes back or is no longer needed, and the directory on {@link #close}.
 */
public final class EncryptedSpillStore implements ReadingLog.Spill, AutoCloseable {
    private final Path dir;
    private final StateCipher cipher;
    private final String id;

    /** A store in a new directory under {@code root}. */
    public EncryptedSpillStore(Path root, KeyRing keys) throws IOException {
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        this.id = HexFormat.of().formatHex(random);
        Files.createDirectories(root);
        this.dir = Files.createDirectory(root.resolve("spill-" + id));
        this.cipher = new StateCipher(keys);
    }

    public Path directory() {
        return dir;
    }

    private Path file(long chunk) {
        return dir.resolve("chunk-" + chunk);
    }

    private byte[] context(long chunk) {
        return ("gridlet spill " + id + " chunk " + chunk).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void write(long chunk, byte[] bytes) {
        try {
            Files.write(file(chunk), cipher.seal(bytes, context(chunk)));
        } catch (IOException e) {
            throw new UncheckedIOException("spilling state to " + dir + " failed", e);
        }
    }

    /** @throws SealException when the file was changed or is not this chunk's */
    @Override
    public byte[] read(long chunk) {
        try {
            return cipher.open(Files.readAllBytes(file(chunk)), context(chunk));
        } catch (IOException e) {
            throw new UncheckedIOException("reading spilled state from " + dir + " failed", e);
        }
    }

    @Override
    public void delete(long chunk) {
        try {
            Files.deleteIfExists(file(chunk));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) Files.delete(f);
        }
        Files.deleteIfExists(dir);
    }
}
