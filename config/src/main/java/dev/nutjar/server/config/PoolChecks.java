package dev.nutjar.server.config;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.routing.Distribution;
import dev.nutjar.spi.ProviderRegistry;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The checks across a pool's keys, once each key was read on its own: what every pool needs, what
 * only a Redis pool may set, and what a Sentinel or Redis Cluster pool rules out.
 */
final class PoolChecks {
    private final PoolDraft pool;
    private final Problems problems;

    PoolChecks(PoolDraft pool, Problems problems) {
        this.pool = pool;
        this.problems = problems;
    }

    /**
     * The Sentinel settings when {@code sentinels} is set, after checking that the rest of the
     * pool fits: a Redis pool, no ejection (it would move keys while Sentinel fails a master
     * over), no settings per server (not yet).
     */
    SentinelSettings sentinelSettings() {
        if (!pool.has("sentinels")) {
            if (pool.has("sentinel_poll_interval")) {
                problems.add(pool.keyNodes.get("sentinel_poll_interval"), pool.name + ".sentinel_poll_interval",
                        "only valid in a sentinel pool; set 'sentinels'");
            }
            return null;
        }
        if (!pool.redis) {
            problems.add(pool.keyNodes.get("sentinels"), pool.name + ".sentinels",
                    "only valid for a redis pool; set 'redis: true'");
        }
        if (pool.autoEjectHosts) {
            problems.add(pool.keyNodes.get("auto_eject_hosts"), pool.name + ".auto_eject_hosts", "must be false in a"
                    + " sentinel pool: ejecting a master moves its keys while Sentinel fails it over (was: 'true')");
        }
        for (String key : PoolKeys.NOT_YET_IN_SENTINEL) {
            if (pool.has(key)) {
                problems.add(pool.keyNodes.get(key), pool.name + "." + key, "not supported in a sentinel pool yet");
            }
        }
        return pool.sentinels == null || pool.sentinels.isEmpty() ? null
                : new SentinelSettings(pool.sentinels, pool.sentinelPollInterval);
    }

    /** The required keys, the providers of the defaults, the Redis-only keys and a cluster pool's keys. */
    void checkKeys(ProviderRegistry<HashFunction> hashes, ProviderRegistry<Distribution> distributions) {
        for (String required : PoolKeys.REQUIRED) {
            if (!pool.has(required)) {
                problems.add(pool.nameNode, pool.name, "missing required key '" + required + "'");
            }
        }
        // The defaults come from providers too; a class path without them fails here, not when routing.
        if (!pool.has("hash") && hashes.find(pool.hash).isEmpty()) {
            problems.add(pool.nameNode, pool.name + ".hash", "not set, and the default is missing: "
                    + hashes.unknownNameMessage(pool.hash));
        }
        if (!pool.has("distribution") && distributions.find(pool.distribution).isEmpty()) {
            problems.add(pool.nameNode, pool.name + ".distribution", "not set, and the default is missing: "
                    + distributions.unknownNameMessage(pool.distribution));
        }
        if (!pool.redis) {
            for (String redisOnly : PoolKeys.REDIS_ONLY) {
                if (pool.has(redisOnly)) {
                    problems.add(pool.keyNodes.get(redisOnly), pool.name + "." + redisOnly,
                            "only valid for a redis pool; set 'redis: true'");
                }
            }
        }
        if (pool.redisCluster) {
            checkClusterKeys();
        } else if (pool.has("read_from")) {
            Node value = pool.valueNodes.get("read_from");
            problems.add(value, pool.name + ".read_from", "only valid in a redis_cluster pool;"
                    + " set 'redis_cluster: true' (was: " + Problems.describe(value) + ")");
        }
    }

    /** A cluster pool is Redis, and has none of the keys that place keys on a ring. */
    private void checkClusterKeys() {
        if (!pool.redis) {
            problems.add(pool.valueNodes.get("redis_cluster"), pool.name + ".redis_cluster",
                    "only valid for a redis pool; set 'redis: true'");
        }
        for (String key : PoolKeys.RING_ONLY) {
            if (pool.has(key)) {
                Node value = pool.valueNodes.get(key);
                problems.add(value, pool.name + "." + key, "not used in a redis_cluster pool, where Redis Cluster"
                        + " places keys by CRC16 slot and {...} hash tag; remove it (was: " + Problems.describe(value)
                        + ")");
            }
        }
        for (String key : PoolKeys.NOT_YET_IN_CLUSTER) {
            if (pool.has(key)) {
                Node value = pool.valueNodes.get(key);
                problems.add(value, pool.name + "." + key, "not supported in a redis_cluster pool yet"
                        + " (was: " + Problems.describe(value) + ")");
            }
        }
    }
}
