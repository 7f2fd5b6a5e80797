package io.gridlet.core.model;

/** Fixed-point numbers with three decimals, the unit of every value Gridlet reads and writes. */
public final class Milli {
    private Milli() {
    }

    /** Formats thousandths as a decimal with exactly three digits after the point ({@code -1234 -> "-1.234"}). */
    public static String format(long thousandths) {
        StringBuilder sb = new StringBuilder(24);
        append(sb, thousandths);
        return sb.toString();
    }

    /** Appends thousandths as a decimal with exactly three digits after the point. */
    public static void append(StringBuilder sb, long thousandths) {
        if (thousandths < 0) {
            sb.append('-');
            if (thousandths == Long.MIN_VALUE) { // cannot negate; never a real value, kept correct anyway
                sb.append("9223372036854775.808");
                return;
            }
            thousandths = -thousandths;
        }
        long whole = thousandths / 1000;
        int frac = (int) (thousandths % 1000);
        sb.append(whole).append('.');
        if (frac < 100) sb.append('0');
        if (frac < 10) sb.append('0');
        sb.append(frac);
    }

    /** Rounds a non-negative value in thousandths half-up to a whole number of thousandths. */
    public static long roundHalfUp(double thousandths) {
        return (long) Math.floor(thousandths + 0.5);
    }
}
