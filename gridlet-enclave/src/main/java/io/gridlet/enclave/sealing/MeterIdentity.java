package io.gridlet.enclave.sealing;

import io.gridlet.core.model.HouseSet;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Who sealed a reading, as its seal states it: a meter's name and the houses it may report for. A meter's sealing
 * key is derived from this text ({@link io.gridlet.enclave.keys.MeterKeys}), so a meter can seal only as itself
 * and only readings the boundary accepts for its houses: claiming another name or more houses needs another key.
 * Text form: {@code NAME houses=SET} ({@link HouseSet}'s form, {@code *} for every house).
 */
public record MeterIdentity(String name, HouseSet houses) {
    /** Longest text form, in bytes (it travels with every sealed reading). */
    public static final int MAX_BYTES = 200;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public MeterIdentity {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a meter name is 1 to 64 of A-Z a-z 0-9 . _ -, got '" + name + "'");
        }
        if (text(name, houses).getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new IllegalArgumentException("a meter identity longer than " + MAX_BYTES + " bytes");
        }
    }

    /** Parses the text form; {@link IllegalArgumentException} saying what is wrong. */
    public static MeterIdentity parse(String text) {
        if (text.length() > MAX_BYTES) throw new IllegalArgumentException("a meter identity longer than " + MAX_BYTES);
        int space = text.indexOf(' ');
        if (space < 0 || !text.startsWith("houses=", space + 1)) {
            throw new IllegalArgumentException("a meter identity is 'NAME houses=SET', got '" + text + "'");
        }
        return new MeterIdentity(text.substring(0, space), HouseSet.parse(text.substring(space + 8)));
    }

    /** The text form, as sealed readings carry it and keys are derived from it. */
    public String text() {
        return text(name, houses);
    }

    private static String text(String name, HouseSet houses) {
        return name + " houses=" + houses;
    }

    @Override
    public String toString() {
        return text();
    }
}
