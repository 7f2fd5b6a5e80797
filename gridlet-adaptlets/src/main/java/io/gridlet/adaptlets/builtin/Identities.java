package io.gridlet.adaptlets.builtin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The identities the server knows: per id its roles, its priority ceiling, and (for {@code auth.hmac}) its shared
 * secret. A file has one identity per line, {@code id roles max-priority secret}: roles comma-separated, the secret
 * in base64 (at least 16 bytes) or {@code -} for an identity that only authenticates with a certificate
 * ({@code auth.mtls}, where the id is the certificate's common name). After these, optional {@code key=value}
 * attributes the application reads ({@code houses=0%5}: the houses a meter may report for). {@code #} starts a
 * comment.
 */
public final class Identities {
    private record Entry(Identity identity, byte[] secret, Map<String, String> attributes) {
    }

    private final Map<String, Entry> byId = new ConcurrentHashMap<>();

    public Identities add(String id, byte[] secret, int maxPriority, String... roles) {
        return add(id, secret, maxPriority, Map.of(), roles);
    }

    /** An identity with attributes for the application (e.g. {@code houses}). */
    public Identities add(String id, byte[] secret, int maxPriority, Map<String, String> attributes,
                          String... roles) {
        // the signature header carries the id's length in one byte (Hmac): longer ids could never sign a call
        int bytes = id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > 255) {
            throw new IllegalArgumentException("an id of 1 to 255 bytes of UTF-8, got " + bytes + " bytes");
        }
        if (secret != null && secret.length < 16) {
            throw new IllegalArgumentException("the secret of " + id + " is shorter than 16 bytes");
        }
        byId.put(id, new Entry(new Identity(id, Set.of(roles), maxPriority),
                secret == null ? null : secret.clone(), Map.copyOf(attributes)));
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

    /** The attribute {@code key} of {@code id}, or null if the identity or the attribute is not there. */
    public String attribute(String id, String key) {
        Entry e = byId.get(id);
        return e == null ? null : e.attributes().get(key);
    }

    /** The ids known. */
    public Set<String> ids() {
        return Set.copyOf(byId.keySet());
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
            if (f.length < 4) {
                throw new IllegalArgumentException(file + ":" + n + ": expected 'id roles max-priority secret "
                        + "[key=value ...]', got '" + line.strip() + "'");
            }
            try {
                Map<String, String> attributes = new HashMap<>();
                for (int i = 4; i < f.length; i++) {
                    int eq = f[i].indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException("'" + f[i] + "' is not key=value");
                    if (attributes.put(f[i].substring(0, eq), f[i].substring(eq + 1)) != null) {
                        throw new IllegalArgumentException("two values for " + f[i].substring(0, eq));
                    }
                }
                byte[] secret = f[3].equals("-") ? null : Base64.getDecoder().decode(f[3]);
                ids.add(f[0], secret, Integer.parseInt(f[2]), attributes, Arrays.stream(f[1].split(","))
                        .filter(r -> !r.isEmpty()).toArray(String[]::new));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + n + ": " + e.getMessage());
            }
        }
        return ids;
    }
}
