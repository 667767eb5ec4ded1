package com.example.sharding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.server.EmbeddedProxy;
import dev.nutjar.server.Nutjar;
import dev.nutjar.server.it.BackendProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Keys written by the sharded Jedis client straight to three real redis-servers are read back
 * through a real Nutjar proxy started from the same {@code nutcracker.yml}, and the other way
 * round: the two agree key for key, hash tags included.
 */
class ShardedRedisIT {
    private static final int KEYS = 2_000;
    private static final List<BackendProcess> servers = new ArrayList<>();

    @TempDir
    static Path dir;
    private static Path config;

    @BeforeAll
    static void startServersAndWriteTheConfiguration() throws Exception {
        List<String> lines = new ArrayList<>(List.of(
                "shop:", "  listen: 127.0.0.1:0", "  redis: true", "  hash: murmur", "  hash_tag: \"{}\"",
                "  distribution: ketama", "  servers:"));
        String[] names = {"red", "green", "blue"};
        for (int i = 0; i < names.length; i++) {
            BackendProcess server = BackendProcess.redis();
            servers.add(server);
            lines.add("   - " + server.address() + ":" + (i + 1) + " " + names[i]);
        }
        config = dir.resolve("nutcracker.yml");
        Files.writeString(config, String.join("\n", lines) + "\n");
    }

    @AfterAll
    static void stopServers() {
        servers.forEach(BackendProcess::close);
    }

    @Test
    void theProxyReadsEveryKeyTheShardedClientWrote() throws Exception {
        try (ShardedRedis sharded = ShardedRedis.fromConfig(config, "shop")) {
            for (int i = 0; i < KEYS; i++) {
                sharded.set(key(i), "client " + i);
            }
        }
        try (EmbeddedProxy proxy = Nutjar.builder().config(config).threads(1).start();
                Jedis viaProxy = new Jedis(proxy.address("shop").getHostString(), proxy.address("shop").getPort())) {
            for (int i = 0; i < KEYS; i++) {
                assertThat(viaProxy.get(key(i))).as(key(i)).isEqualTo("client " + i);
            }
        }
    }

    @Test
    void theShardedClientReadsEveryKeyTheProxyWrote() throws Exception {
        try (EmbeddedProxy proxy = Nutjar.builder().config(config).threads(1).start();
                Jedis viaProxy = new Jedis(proxy.address("shop").getHostString(), proxy.address("shop").getPort())) {
            for (int i = 0; i < KEYS; i++) {
                viaProxy.set(key(i), "proxy " + i);
            }
        }
        int[] perServer = new int[servers.size()];
        try (ShardedRedis sharded = ShardedRedis.fromConfig(config, "shop")) {
            for (int i = 0; i < KEYS; i++) {
                assertThat(sharded.get(key(i))).as(key(i)).isEqualTo("proxy " + i);
                perServer[List.of("red", "green", "blue").indexOf(sharded.serverOf(key(i)).name())]++;
            }
        }
        assertThat(perServer).doesNotContain(0);
    }

    /** Plain keys, and keys whose hash tag puts a user's keys together. */
    private static String key(int i) {
        return i % 2 == 0 ? "item:" + i : "user:{" + i / 10 + "}:field" + i;
    }
}
