package dev.nutjar.routing.internal;

import dev.nutjar.routing.ServerSpec;
import java.util.List;

/** Shared weight arithmetic of the distributions. */
final class Weights {
    private Weights() {}

    /** nutcracker sums weights in a {@code uint32_t}; a larger total cannot route as it does. */
    static final long MAX_TOTAL_WEIGHT = 0xffffffffL;

    /**
     * The number of live servers a distribution builds over; there must be one at least.
     *
     * @param distribution the distribution's name, for the message
     */
    static int requireServers(String distribution, List<ServerSpec> liveServers) {
        int count = liveServers.size();
        if (count == 0) {
            throw new IllegalArgumentException(distribution + " needs at least one live server (was: 0)");
        }
        return count;
    }

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
