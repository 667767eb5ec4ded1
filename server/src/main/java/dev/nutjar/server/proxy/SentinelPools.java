package dev.nutjar.server.proxy;

import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.config.PoolConfig;
import dev.nutjar.server.sentinel.SentinelWatch;

/**
 * How the proxy runs a Sentinel pool's generations: each gets a {@link SentinelWatch}, whose news
 * of a moved master reach every event loop, and which stops when the generation is replaced or
 * removed. Nothing for the other pools.
 */
final class SentinelPools {
    private SentinelPools() {}

    /**
     * Starts watching the masters of {@code runtime}, a new generation of {@code pool}, from the
     * addresses {@code previous} (the generation it replaces, or null) knows.
     */
    static void watch(PoolRuntime runtime, PoolConfig pool, PoolRuntime previous) {
        if (pool.isSentinel()) {
            runtime.sentinels = SentinelWatch.start(pool.name(), pool.sentinel(),
                    runtime.servers().stream().map(ServerSpec::name).toList(),
                    previous == null ? null : previous.sentinels);
        }
    }

    /**
     * A change of the pool's master closes every loop's connections to its old address. Set once
     * the loops serve {@code pool}: it closes at once the connections a reload kept that go to a
     * master which moved meanwhile.
     */
    static void follow(ProxyServer server, PoolRuntime pool) {
        if (pool.sentinels != null) {
            pool.sentinels.onChange(() -> {
                for (LoopState state : server.loops()) {
                    state.loop.execute(() -> state.upstream(pool).dropMovedConnections());
                }
            });
        }
    }

    /** Stops watching the sentinels of a generation no longer served. */
    static void stop(PoolRuntime pool) {
        if (pool != null && pool.sentinels != null) {
            pool.sentinels.close();
        }
    }
}
