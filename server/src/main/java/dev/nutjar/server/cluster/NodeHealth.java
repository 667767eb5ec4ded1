package dev.nutjar.server.cluster;

import java.util.Arrays;

/**
 * How each node of a cluster answered the proxy's last round of {@code PING}s: its round-trip
 * time, smoothed over rounds, or {@link #UNREACHABLE}. Immutable, by the node indexes of the
 * {@link SlotMap}s; a node the round did not know is unreachable until the next round.
 */
public final class NodeHealth {
    /** The round-trip time of a node that did not answer, or was not asked yet. */
    public static final long UNREACHABLE = -1;

    /** Before the first round: every node unreachable. */
    public static final NodeHealth NONE = new NodeHealth(new long[0], 0);

    private final long[] roundTripNanos;
    private final long round;

    /**
     * @param roundTripNanos by node index, taken over
     * @param round counts the rounds: each new one is one more
     */
    NodeHealth(long[] roundTripNanos, long round) {
        this.roundTripNanos = roundTripNanos;
        this.round = round;
    }

    /** Per node index, in nanoseconds, or {@link #UNREACHABLE}. */
    public static NodeHealth of(long[] roundTripNanos, long round) {
        return new NodeHealth(roundTripNanos.clone(), round);
    }

    /** The node's smoothed round-trip time in nanoseconds, or {@link #UNREACHABLE}. */
    public long roundTripNanos(int node) {
        return node < roundTripNanos.length ? roundTripNanos[node] : UNREACHABLE;
    }

    public boolean reachable(int node) {
        return roundTripNanos(node) != UNREACHABLE;
    }

    /** Which round this is: a later one has a larger number. */
    public long round() {
        return round;
    }

    /**
     * The next round, from {@code samples} (by node index, {@link #UNREACHABLE} for no answer):
     * a node's time moves a quarter of the way to its new sample, so that one slow answer does
     * not send reads elsewhere; a node back from unreachable starts at its sample.
     */
    NodeHealth next(long[] samples) {
        long[] smoothed = new long[samples.length];
        for (int node = 0; node < samples.length; node++) {
            long sample = samples[node];
            long before = roundTripNanos(node);
            smoothed[node] = sample == UNREACHABLE || before == UNREACHABLE ? sample : before + (sample - before) / 4;
        }
        return new NodeHealth(smoothed, round + 1);
    }

    @Override
    public String toString() {
        return "round " + round + ": " + Arrays.toString(roundTripNanos);
    }
}
