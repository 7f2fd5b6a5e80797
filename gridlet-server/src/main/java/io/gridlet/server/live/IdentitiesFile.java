package io.gridlet.server.live;

import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.client.ClientIdentity;
import io.gridlet.client.MeterFleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/** The identities file a live service makes on first start: its meters, an operator and an analyst. */
public final class IdentitiesFile {
    private IdentitiesFile() {
    }

    /**
     * Writes an identities file (owner-only) with {@code meters} meters {@code meter-0..}, an {@code operator}
     * and an {@code analyst}, each with a fresh 32-byte secret.
     */
    public static void write(Path file, int meters) throws IOException {
        SecureRandom random = new SecureRandom();
        StringBuilder text = new StringBuilder(
                "# id roles max-priority secret (base64) [houses=...]; made by gridlet serve\n");
        // a fleet gives house h to meter h mod n (MeterFleet): each meter may report for its own houses only
        for (int i = 0; i < meters; i++) {
            line(text, MeterFleet.meterName(i), "meter", 2, random).append(" houses=").append(i).append('%')
                    .append(meters).append('\n');
        }
        line(text, ClientIdentity.OPERATOR, "operator", 3, random).append('\n');
        line(text, ClientIdentity.ANALYST, "analyst", 2, random).append('\n');
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the file keeps its default permissions
        }
        Identities.read(file); // what we wrote reads back
    }

    private static StringBuilder line(StringBuilder text, String id, String role, int priority, SecureRandom random) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        text.append(id).append(' ').append(role).append(' ').append(priority).append(' ')
                .append(Base64.getEncoder().encodeToString(secret));
        return text;
    }
}
