package io.gridlet.policy;

/**
 * What a side would rather have: {@code weight} points when {@code when} holds ({@code prefer 5 auth.mtls;}),
 * or, for {@code prefer 2 high compress.level;}, {@code weight} points per step of the parameter above its low
 * end ({@code low}: minus that), while the feature is used. The chosen configuration maximises the sum of both
 * sides' points ({@link Semantics#score}).
 */
public record Preference(int weight, Expr when, String feature, String param, boolean low, Position at, String text) {
    /** The largest weight either way: points are summed in longs, and a weight is negated. */
    public static final int MAX_WEIGHT = 1_000_000;

    public static Preference when(int weight, Expr when, Position at, String text) {
        return new Preference(weight, when, null, null, false, at, text);
    }

    public static Preference toward(int weight, String feature, String param, boolean low, Position at, String text) {
        return new Preference(weight, null, feature, param, low, at, text);
    }

    public boolean isToward() {
        return when == null;
    }
}
