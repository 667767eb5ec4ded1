package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.hash.HashFunctions;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.server.config.ConfigLoader;
import dev.nutjar.server.config.PoolConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * A migration, rehearsed: one configuration served by the real nutcracker and by Nutjar in front of
 * the same redis-servers. What one proxy writes, the other reads back, key for key, and the
 * configuration file's routing (what {@code nutjar locate} prints) names the server both of them used.
 */
@ExtendWith(NoLeaks.class)
class TwemproxySideBySideIT {
    private static final int KEYS = 10_000;
    /** Two pools on the same backends: twemproxy's default routing, and modula over weights and names. */
    private static final List<String> POOLS = List.of("ketama", "modula");

    @TempDir
    static Path dir;

    private static RedisShards shards;
    private static BackendProcess nutcracker;
    private static TestProxy nutjar;
    private static Path configFile;
    private static final Map<String, int[]> ports = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        shards = RedisShards.start(3);
        int[] nutcrackerPorts = {BackendProcess.freePort(), BackendProcess.freePort()};
        int[] nutjarPorts = {BackendProcess.freePort(), BackendProcess.freePort()};
        ports.put("nutcracker", nutcrackerPorts);
        ports.put("nutjar", nutjarPorts);
        String s0 = shards.get(0).address();
        String s1 = shards.get(1).address();
        String s2 = shards.get(2).address();
        String template = """
                ketama:
                  listen: 127.0.0.1:%d
                  hash: fnv1a_64
                  distribution: ketama
                  hash_tag: "{}"
                  redis: true
                  servers:
                   - %s:1
                   - %s:1
                   - %s:1
                modula:
                  listen: 127.0.0.1:%d
                  hash: murmur
                  distribution: modula
                  redis: true
                  servers:
                   - %s:1 red
                   - %s:2 green
                   - %s:1 blue
                """;
        configFile = Files.writeString(dir.resolve("nutcracker.yml"), template.formatted(
                nutcrackerPorts[0], s0, s1, s2, nutcrackerPorts[1], s0, s1, s2));
        String nutjarYaml = template.formatted(nutjarPorts[0], s0, s1, s2, nutjarPorts[1], s0, s1, s2);
        nutcracker = BackendProcess.nutcracker(configFile, nutcrackerPorts[0]);
        nutjar = TestProxy.start(nutjarYaml, nutjarPorts[0], 1);
    }

    @AfterAll
    static void stop() {
        if (nutjar != null) {
            nutjar.close();
        }
        if (nutcracker != null) {
            nutcracker.close();
        }
        if (shards != null) {
            shards.close();
        }
    }

    @Test
    void keysWrittenThroughNutcrackerAreReadThroughNutjar() throws Exception {
        crossCheck(0, "nutcracker", "nutjar");
    }

    @Test
    void keysWrittenThroughNutjarAreReadThroughNutcracker() throws Exception {
        crossCheck(0, "nutjar", "nutcracker");
    }

    @Test
    void modulaKeysWrittenThroughNutcrackerAreReadThroughNutjar() throws Exception {
        crossCheck(1, "nutcracker", "nutjar");
    }

    @Test
    void modulaKeysWrittenThroughNutjarAreReadThroughNutcracker() throws Exception {
        crossCheck(1, "nutjar", "nutcracker");
    }

    private static void crossCheck(int pool, String writer, String reader) throws Exception {
        String poolName = POOLS.get(pool);
        List<String> keys = new ArrayList<>(KEYS);
        for (int i = 0; i < KEYS; i++) {
            // Keys of every shape: plain, with a hash tag, with an empty tag, binary-looking.
            String key = switch (i % 4) {
                case 0 -> "user:" + i;
                case 1 -> "{tag" + (i % 97) + "}:" + i;
                case 2 -> i + ":{}:" + writer;
                default -> "k\t" + i + "-" + writer;
            };
            keys.add(poolName + ":" + writer + ":" + key); // pools share the backends: keep their keys apart
        }
        try (Jedis in = connect(ports.get(writer)[pool]); Jedis out = connect(ports.get(reader)[pool])) {
            Pipeline pipeline = in.pipelined();
            for (String key : keys) {
                pipeline.set(key, value(key));
            }
            pipeline.sync();
            for (int from = 0; from < KEYS; from += 500) {
                List<String> chunk = keys.subList(from, from + 500);
                List<String> values = out.mget(chunk.toArray(String[]::new));
                for (int i = 0; i < chunk.size(); i++) {
                    assertThat(values.get(i)).as("%s read through %s", chunk.get(i), reader)
                            .isEqualTo(value(chunk.get(i)));
                }
            }
        }

        // The file's routing, as nutjar locate reads it, agrees with the running proxy for every key...
        Map<String, String> located = locate(poolName, keys);
        ServerPool routing = nutjar.proxy().routing().get(pool);
        for (String key : keys) {
            String address = routing.server(routing.route(key.getBytes(StandardCharsets.UTF_8))).address();
            assertThat(located.get(key)).as("locate %s", key).isEqualTo(address);
        }
        // ...and a sample read on the backends shows it is where both proxies put it.
        for (BackendProcess shard : shards.servers()) {
            try (Jedis direct = RedisShards.direct(shard)) {
                for (int i = 0; i < KEYS; i += 50) {
                    String key = keys.get(i);
                    boolean here = shard.address().equals(located.get(key));
                    assertThat(direct.get(key)).as("%s on %s", key, shard.address())
                            .isEqualTo(here ? value(key) : null);
                }
            }
        }
    }

    /** Jedis without its CLIENT SETINFO on connect: nutcracker closes the connection on an unsupported command. */
    private static Jedis connect(int port) {
        return new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder()
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED).socketTimeoutMillis(30_000).build());
    }

    private static String value(String key) {
        return "value of " + key;
    }

    /**
     * Routes the keys as {@code nutjar locate -c FILE POOL} does, from the configuration file
     * alone: key to server address.
     */
    private static Map<String, String> locate(String pool, List<String> keys) throws Exception {
        PoolConfig config = ConfigLoader.withInstalledProviders().load(configFile).pool(pool).orElseThrow();
        ServerPool routing = config.routing(HashFunctions.registry(), Distributions.registry()).build();
        Map<String, String> located = new HashMap<>();
        for (String key : keys) {
            located.put(key, routing.server(routing.route(key.getBytes(StandardCharsets.UTF_8))).address());
        }
        return located;
    }
}
