package io.gridlet.enclave.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading and writing the small text files keys live in: owner-only, {@code key value} lines, bounded. */
final class KeyFiles {
    /** Largest key file read: they are a few hundred bytes. */
    private static final long MAX_BYTES = 64 * 1024;

    private KeyFiles() {
    }

    /**
     * Writes a key file readable by its owner only from the first byte: a new file made owner-only, written, then
     * moved over {@code file} (never a file of someone else's, or one readable by others while the key is written).
     */
    static void writeOwnerOnly(Path file, String text) throws IOException {
        Path target = file.toAbsolutePath();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path temp;
        try {
            temp = Files.createTempFile(parent, "." + target.getFileName(), ".new",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) { // not a POSIX file system
            temp = Files.createTempFile(parent, "." + target.getFileName(), ".new");
        }
        try {
            Files.writeString(temp, text, StandardCharsets.US_ASCII);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * The {@code key value} lines of a file that starts with {@code header}; {@code what} names the file in errors
     * (an owner's key directory given where a role's file is expected is named as such).
     */
    static Map<String, String> readFields(Path file, String header, String what) throws IOException {
        return readFields(file, header, what, MAX_BYTES);
    }

    /** The same, for a file of at most {@code maxBytes} (an analyst's keys for many houses). */
    static Map<String, String> readFields(Path file, String header, String what, long maxBytes) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a directory, not " + what
                    + (KeyDirectory.isOwnerDirectory(file) ? ": it is the owner's key directory, which only "
                    + "the owner and the key broker use" : ""));
        }
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such file (" + what + ")");
        if (Files.size(file) > maxBytes) throw new IOException(file + " is too large to be " + what);
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        if (lines.isEmpty() || !lines.get(0).strip().equals(header)) {
            throw new IOException(file + " is not " + what + " (it does not start with '" + header + "')");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            int space = l.indexOf(' ');
            if (space < 0) throw new IOException(file + ": expected 'key value', got '" + l + "'");
            if (fields.put(l.substring(0, space), l.substring(space + 1).strip()) != null) {
                throw new IOException(file + ": '" + l.substring(0, space) + "' twice");
            }
        }
        return fields;
    }

    /** A base64 field; IllegalArgumentException naming it when missing or not base64. */
    static byte[] base64(Map<String, String> fields, String key) {
        String v = fields.get(key);
        if (v == null) throw new IllegalArgumentException("no " + key);
        try {
            return Base64.getDecoder().decode(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " is not base64");
        }
    }
}
