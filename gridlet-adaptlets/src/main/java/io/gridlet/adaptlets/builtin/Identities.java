package io.gridlet.adaptlets.builtin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The identities the server knows: per id its roles, its priority ceiling, and (for {@code auth.hmac}) its shared
 * secret. A file has one identity per line, {@code id roles max-priority secret}: roles comma-separated, the secret
 * in base64 (at least 16 bytes) or {@code -} for an identity that only authenticates with a certificate
 * ({@code auth.mtls}, where the id is the certificate's common name). {@code #} starts a comment.
 */
public final class Identities {
    private record Entry(Identity identity, byte[] secret) {
    }

    private final Map<String, Entry> byId = new ConcurrentHashMap<>();

    public Identities add(String id, byte[] secret, int maxPriority, String... roles) {
        if (id.isEmpty() || id.length() > 255) throw new IllegalArgumentException("an id of 1 to 255 characters");
        if (secret != null && secret.length < 16) {
            throw new IllegalArgumentException("the secret of " + id + " is shorter than 16 bytes");
        }
        byId.put(id, new Entry(new Identity(id, Set.of(roles), maxPriority),
                secret == null ? null : secret.clone()));
        return this;
    }

    public Identity identity(String id) {
        Entry e = byId.get(id);
        return e == null ? null : e.identity();
    }

    /** The shared secret of {@code id} (null if it has none): a client reads its own from the same file. */
    public byte[] secret(String id) {
        Entry e = byId.get(id);
        return e == null ? null : e.secret();
    }

    public static Identities read(Path file) throws IOException {
        Identities ids = new Identities();
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            String l = line.strip();
            int hash = l.indexOf('#');
            if (hash >= 0) l = l.substring(0, hash).strip();
            if (l.isEmpty()) continue;
            String[] f = l.split("\\s+");
            if (f.length != 4) {
                throw new IllegalArgumentException(file + ":" + n + ": expected 'id roles max-priority secret', got '"
                        + line.strip() + "'");
            }
            try {
                byte[] secret = f[3].equals("-") ? null : Base64.getDecoder().decode(f[3]);
                ids.add(f[0], secret, Integer.parseInt(f[2]), Arrays.stream(f[1].split(","))
                        .filter(r -> !r.isEmpty()).toArray(String[]::new));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + n + ": " + e.getMessage());
            }
        }
        return ids;
    }
}
