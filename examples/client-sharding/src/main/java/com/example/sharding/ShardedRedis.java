package com.example.sharding;

import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.config.ConfigException;
import dev.nutjar.server.config.ConfigLoader;
import dev.nutjar.server.config.PoolConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import redis.clients.jedis.JedisPooled;

/**
 * Client-side sharding with Jedis that places every key where a Nutjar (or nutcracker) proxy
 * reading the same {@code nutcracker.yml} would: the application talks to the Redis servers
 * directly, without the proxy's hop, and can switch to the proxy or back without moving a key.
 *
 * <p>It reads the pool with {@code nutjar-config} (no Netty) and routes with
 * {@code nutjar-routing}'s {@link ServerPool#serverFor(String)}. Every server stays on the ring:
 * use it with pools that do not set {@code auto_eject_hosts}, whose placement never changes.
 */
public final class ShardedRedis implements AutoCloseable {
    private final ServerPool pool;
    private final Map<ServerSpec, JedisPooled> clients = new HashMap<>();

    private ShardedRedis(ServerPool pool) {
        this.pool = pool;
        for (ServerSpec server : pool.servers()) {
            clients.put(server, new JedisPooled(server.host(), server.port()));
        }
    }

    /**
     * Connects to the servers of pool {@code poolName} of a {@code nutcracker.yml}.
     *
     * @param nutcrackerYml the proxy's configuration file
     * @param poolName the pool to shard over; a Redis pool
     * @return the sharded client; close it to close every connection
     * @throws ConfigException when the file has errors, each with its line, YAML path and value
     */
    public static ShardedRedis fromConfig(Path nutcrackerYml, String poolName) throws ConfigException {
        PoolConfig config = ConfigLoader.withInstalledProviders().load(nutcrackerYml).pool(poolName)
                .orElseThrow(() -> new IllegalArgumentException("no pool '" + poolName + "' in " + nutcrackerYml));
        if (!config.redis()) {
            throw new IllegalArgumentException("pool '" + poolName + "' is not a Redis pool (redis: false)");
        }
        return new ShardedRedis(config.serverPool());
    }

    /**
     * The server {@code key} lives on.
     *
     * @param key the key
     * @return the server, as the configuration names it
     */
    public ServerSpec serverOf(String key) {
        return pool.serverFor(key).orElseThrow(() -> new IllegalStateException("no live server in pool '"
                + pool.name() + "'"));
    }

    /**
     * {@code SET key value} on the key's server.
     *
     * @param key the key
     * @param value the value
     */
    public void set(String key, String value) {
        clients.get(serverOf(key)).set(key, value);
    }

    /**
     * {@code GET key} from the key's server.
     *
     * @param key the key
     * @return the value, or null when the key is absent
     */
    public String get(String key) {
        return clients.get(serverOf(key)).get(key);
    }

    @Override
    public void close() {
        clients.values().forEach(JedisPooled::close);
    }
}
