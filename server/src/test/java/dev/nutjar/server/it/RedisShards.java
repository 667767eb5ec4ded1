package dev.nutjar.server.it;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;

/** A few real redis-server processes: the shards behind a proxy under test. */
final class RedisShards implements AutoCloseable {
    private final List<BackendProcess> servers;

    private RedisShards(List<BackendProcess> servers) {
        this.servers = servers;
    }

    static RedisShards start(int count, String... extraArgs) throws IOException {
        List<BackendProcess> servers = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                servers.add(BackendProcess.redis(extraArgs));
            }
        } catch (IOException | RuntimeException e) {
            servers.forEach(BackendProcess::close);
            throw e;
        }
        return new RedisShards(servers);
    }

    List<BackendProcess> servers() {
        return servers;
    }

    BackendProcess get(int i) {
        return servers.get(i);
    }

    /** The process listening on {@code port}. */
    BackendProcess byPort(int port) {
        return servers.stream().filter(s -> s.port() == port).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no shard on port " + port));
    }

    /** The YAML {@code servers:} entries, weight 1 each, indented for a pool. */
    String serversYaml() {
        StringBuilder yaml = new StringBuilder();
        for (BackendProcess server : servers) {
            yaml.append("   - ").append(server.address()).append(":1\n");
        }
        return yaml.toString();
    }

    /** A direct connection to one shard, bypassing the proxy. */
    static Jedis direct(BackendProcess server) {
        return new Jedis("127.0.0.1", server.port(), 10_000);
    }

    /** Empties every shard. */
    void flushAll() {
        for (BackendProcess server : servers) {
            try (Jedis jedis = direct(server)) {
                jedis.flushAll();
            }
        }
    }

    @Override
    public void close() {
        servers.forEach(BackendProcess::close);
    }
}
