package dev.nutjar.server.metrics;

import java.util.List;

/**
 * Every counter of a running proxy at one moment, summed over its event loops: what the admin
 * port's {@code /metrics} writes. Immutable once made; the arrays are not copied again, so
 * whoever makes one hands them over.
 *
 * @param uptimeSeconds since the proxy started
 * @param totalConnections the stats JSON's {@code total_connections}
 * @param currentConnections the stats JSON's {@code curr_connections}
 * @param pools in the stats' pool order
 * @param loopLagNanos per event loop, how long a task waited to run when the snapshot was made;
 *     -1 when it did not run within the wait
 */
public record MetricsSnapshot(
        long uptimeSeconds, long totalConnections, long currentConnections, List<Pool> pools, long[] loopLagNanos) {

    /**
     * A pool's counters.
     *
     * @param stats by {@link dev.nutjar.server.stats.PoolStat} ordinal
     * @param commands the protocol's command names; index {@code i + 1} of the per-command arrays
     *     is command {@code i}, index 0 every request outside the list
     * @param commandRequests requests decoded, per command
     * @param commandErrors requests answered with the proxy's error (no server, timeout, lost
     *     connection), per command
     */
    public record Pool(String name, long[] stats, List<String> commands, long[] commandRequests,
            long[] commandErrors, List<Server> servers) {}

    /**
     * A server's counters.
     *
     * @param stats by {@link dev.nutjar.server.stats.ServerStat} ordinal
     * @param returns times the server came back on the ring after an ejection
     * @param queued how long replied requests waited in the proxy before being sent: counts per
     *     {@link LatencyBuckets} bucket (not cumulative)
     * @param queuedSumNanos their total
     * @param atServer how long from being sent to the reply being read: counts per bucket
     * @param atServerSumNanos their total
     */
    public record Server(String name, long[] stats, long ejections, long returns, long[] queued, long queuedSumNanos,
            long[] atServer, long atServerSumNanos) {}
}
