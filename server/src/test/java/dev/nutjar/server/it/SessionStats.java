package dev.nutjar.server.it;

import dev.nutjar.server.metrics.MetricsSnapshot;
import dev.nutjar.server.stats.PoolStat;
import dev.nutjar.server.stats.ServerStat;

/**
 * What a proxy counts of its clients' own (dedicated) backend connections: its own stats, which
 * {@code /metrics} exports and the twemproxy-shaped stats JSON leaves out.
 */
final class SessionStats {
    private SessionStats() {
    }

    private static MetricsSnapshot.Pool pool(TestProxy proxy, String pool) {
        return proxy.proxy().metrics().pools().stream().filter(p -> p.name().equals(pool)).findFirst()
                .orElseThrow();
    }

    /** {@code dedicated_connections} summed over the servers of {@code pool}. */
    static long dedicatedConnections(TestProxy proxy, String pool) {
        long sum = 0;
        for (MetricsSnapshot.Server server : pool(proxy, pool).servers()) {
            sum += server.stats()[ServerStat.DEDICATED_CONNECTIONS.ordinal()];
        }
        return sum;
    }

    /** {@code dedicated_refused} of {@code pool}. */
    static long dedicatedRefused(TestProxy proxy, String pool) {
        return pool(proxy, pool).stats()[PoolStat.DEDICATED_REFUSED.ordinal()];
    }
}
