package io.gridlet.enclave.keys;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An analyst's keys as the owner hands them out ({@code gridlet keys analyst NAME --houses ...}): for each house it
 * is entitled to, the house's pseudonym (as sealed result lines carry it) and the house's result key. It opens
 * those houses' results and nothing else: no other house's result, no reading, no state. Text lines:
 * <pre>
 * # gridlet analyst keys
 * name ana
 * house 7 PSEUDONYM-HEX BASE64-KEY
 * </pre>
 */
public final class AnalystKeyFile implements ResultKeys {
    static final String HEADER = "# gridlet analyst keys";
    /** Houses in one analyst's file at most. */
    public static final int MAX_HOUSES = 100_000;

    private final String name;
    private final Map<Long, House> houses; // by house id, in order
    private final Map<Long, SecretKey> byPseudonym = new HashMap<>();

    /** One house an analyst may read: its id, its pseudonym, its result key. */
    public record House(long id, long pseudonym, byte[] key) {
    }

    public AnalystKeyFile(String name, List<House> houses) {
        this.name = name;
        this.houses = new TreeMap<>();
        for (House h : houses) {
            this.houses.put(h.id(), h);
            byPseudonym.put(h.pseudonym(), new SecretKeySpec(h.key(), "AES"));
        }
    }

    /** The owner's: the keys of {@code houses} from the results master. */
    static AnalystKeyFile make(String name, List<Long> houses, ResultMaster master) {
        return new AnalystKeyFile(name, houses.stream().map(h -> {
            long p = master.pseudonym(h);
            return new House(h, p, master.forPseudonym(p).getEncoded());
        }).toList());
    }

    public String name() {
        return name;
    }

    /** The house ids it may read. */
    public List<Long> houses() {
        return List.copyOf(houses.keySet());
    }

    @Override
    public SecretKey forPseudonym(long pseudonym) {
        return byPseudonym.get(pseudonym);
    }

    public void write(Path file) throws IOException {
        StringBuilder sb = new StringBuilder(HEADER).append("\nname ").append(name).append('\n');
        for (House h : houses.values()) {
            sb.append("house-").append(h.id()).append(' ').append(Long.toHexString(h.pseudonym())).append(' ')
                    .append(Base64.getEncoder().encodeToString(h.key())).append('\n');
        }
        KeyFiles.writeOwnerOnly(file, sb.toString());
    }

    /** Reads an analyst's key file; an IOException says what is wrong. */
    public static AnalystKeyFile read(Path file) throws IOException {
        Map<String, String> f = KeyFiles.readFields(file, HEADER, "an analyst key file (gridlet keys analyst NAME)",
                100L * MAX_HOUSES); // a house's line is about 75 bytes
        String name = f.remove("name");
        if (name == null) throw new IOException(file + ": no name");
        if (f.size() > MAX_HOUSES) throw new IOException(file + ": more than " + MAX_HOUSES + " houses");
        List<House> houses = new ArrayList<>();
        try {
            for (Map.Entry<String, String> e : f.entrySet()) {
                if (!e.getKey().startsWith("house-")) throw new IOException(file + ": unknown line '" + e.getKey() + "'");
                long id = Long.parseLong(e.getKey().substring(6));
                String[] v = e.getValue().split(" ");
                if (v.length != 2) throw new IOException(file + ": expected 'house-ID PSEUDONYM KEY'");
                byte[] key = Base64.getDecoder().decode(v[1]);
                if (key.length != 32) throw new IOException(file + ": a house key is 32 bytes");
                houses.add(new House(id, Long.parseUnsignedLong(v[0], 16), key));
            }
        } catch (IllegalArgumentException e) { // a number or base64 that does not parse
            throw new IOException(file + ": " + e.getMessage());
        }
        return new AnalystKeyFile(name, houses);
    }

    @Override
    public String toString() {
        return "analyst " + name + " (houses " + houses.keySet() + ")";
    }
}
