package io.gridlet.server.live;

import io.gridlet.adaptlets.Adaptlet;
import io.gridlet.adaptlets.builtin.Authorization;
import io.gridlet.adaptlets.builtin.ClientPuzzle;
import io.gridlet.adaptlets.builtin.HmacAuth;
import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.adaptlets.builtin.Priority;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/** The files a live service starts from: the bundled ingest policies and an identities file made on first use. */
public final class LiveFiles {
    public static final String GATEWAY_POLICY = "ingest-gateway.policy";
    public static final String CLIENT_POLICY = "ingest-meter.policy";
    public static final String OPERATOR = "operator", ANALYST = "analyst";

    private LiveFiles() {
    }

    /** A policy shipped in the jar (examples/policies). */
    public static String bundledPolicy(String name) {
        try (InputStream in = LiveFiles.class.getResourceAsStream("/policies/" + name)) {
            if (in == null) throw new IllegalStateException("policy " + name + " is not in the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The client halves a meter, an operator or an analyst runs: everything the ingest policies name. */
    public static List<Adaptlet> clientAdaptlets(String id, byte[] secret) {
        return List.of(ClientPuzzle.client(), HmacAuth.client(id, secret), Priority.client(), Authorization.client());
    }

    /**
     * Writes an identities file (owner-only) with {@code meters} meters {@code meter-0..}, an {@code operator}
     * and an {@code analyst}, each with a fresh 32-byte secret.
     */
    public static void writeIdentities(Path file, int meters) throws IOException {
        SecureRandom random = new SecureRandom();
        StringBuilder text = new StringBuilder("# id roles max-priority secret (base64); made by gridlet serve\n");
        for (int i = 0; i < meters; i++) line(text, MeterFleet.meterName(i), "meter", 2, random);
        line(text, OPERATOR, "operator", 3, random);
        line(text, ANALYST, "analyst", 2, random);
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the file keeps its default permissions
        }
        Identities.read(file); // what we wrote reads back
    }

    private static void line(StringBuilder text, String id, String role, int priority, SecureRandom random) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        text.append(id).append(' ').append(role).append(' ').append(priority).append(' ')
                .append(Base64.getEncoder().encodeToString(secret)).append('\n');
    }
}
