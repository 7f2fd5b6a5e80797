package io.gridlet.core.result;

/**
 * Q2 output for one household: of its plugs with readings in the window {@code (tsStart, tsStop]}, how many
 * have a median load above the global median. Held as the exact fraction; the percentage is derived.
 */
public record OutlierShare(int windowSeconds, long tsStart, long tsStop, long house, long household,
                           int plugsAbove, int plugsInWindow) {

    public OutlierShare {
        if (plugsInWindow <= 0 || plugsAbove < 0 || plugsAbove > plugsInWindow) {
            throw new IllegalArgumentException(plugsAbove + "/" + plugsInWindow + " is not a share of plugs");
        }
    }

    /** {@code 100 · above / inWindow} in thousandths of a percent, rounded half-up. */
    public long percentThousandths() {
        long twice = 2L * 100_000L * plugsAbove;
        return (twice + plugsInWindow) / (2L * plugsInWindow);
    }

    /** True if both shares are the same fraction. */
    public boolean sameShareAs(int above, int inWindow) {
        return (long) plugsAbove * inWindow == (long) above * plugsInWindow;
    }
}
