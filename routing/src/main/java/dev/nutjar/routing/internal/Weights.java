package dev.nutjar.routing.internal;

import dev.nutjar.routing.ServerSpec;
import java.util.List;

/** Shared weight arithmetic of the distributions. */
final class Weights {
    private Weights() {}

    /** nutcracker sums weights in a {@code uint32_t}; a larger total cannot route as it does. */
    static final long MAX_TOTAL_WEIGHT = 0xffffffffL;

    static long total(List<ServerSpec> servers) {
        long total = 0;
        for (ServerSpec server : servers) {
            total += server.weight();
        }
        if (total > MAX_TOTAL_WEIGHT) {
            throw new IllegalArgumentException(
                    "the servers' weights must add up to at most " + MAX_TOTAL_WEIGHT + " (was: " + total + ")");
        }
        return total;
    }
}
