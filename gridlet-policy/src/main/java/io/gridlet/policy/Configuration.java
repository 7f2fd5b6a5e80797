package io.gridlet.policy;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a session runs: the features in use, each with a value for every parameter (Integer, enum name String, or
 * Boolean). Features not in the map are off.
 */
public record Configuration(Map<String, Map<String, Object>> features) {
    public Configuration {
        TreeMap<String, Map<String, Object>> copy = new TreeMap<>();
        features.forEach((f, params) -> copy.put(f, Collections.unmodifiableMap(new TreeMap<>(params))));
        features = Collections.unmodifiableMap(copy);
    }

    public boolean isOn(String feature) {
        return features.containsKey(feature);
    }

    public Object value(String feature, String param) {
        Map<String, Object> params = features.get(feature);
        return params == null ? null : params.get(param);
    }

    /** {@code puzzle(difficulty=16), auth.hmac}, or {@code (nothing)}. */
    @Override
    public String toString() {
        return text(String::valueOf);
    }

    /**
     * The text a configuration's digest covers, the same in any language and on any JVM: {@link #toString()}'s,
     * except that a real value is written as {@code 0x} and the 16 lowercase hex digits of its IEEE 754 bits
     * as the wire carries them ({@code doubleToLongBits}: one NaN; {@code 4.8} is {@code 0x4013333333333333}),
     * not as Java prints a double (which differs from other
     * languages, and between JDKs).
     */
    public String canonical() {
        return text(v -> v instanceof Double d ? String.format(java.util.Locale.ROOT, "0x%016x",
                Double.doubleToLongBits(d)) : String.valueOf(v));
    }

    private String text(java.util.function.Function<Object, String> value) {
        if (features.isEmpty()) return "(nothing)";
        StringBuilder sb = new StringBuilder();
        features.forEach((f, params) -> {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(f);
            if (!params.isEmpty()) {
                StringBuilder p = new StringBuilder();
                params.forEach((k, v) -> p.append(p.isEmpty() ? "" : ", ").append(k).append('=')
                        .append(value.apply(v)));
                sb.append('(').append(p).append(')');
            }
        });
        return sb.toString();
    }
}
