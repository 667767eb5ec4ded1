package dev.nutjar.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.EmbeddedProxy;
import dev.nutjar.server.Nutjar;
import dev.nutjar.server.it.BackendProcess;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** The proxy embedded on port 0 in front of real redis-servers: bound addresses reported, keys where routing says. */
class EmbeddedProxyIT {
    private static BackendProcess redisA;
    private static BackendProcess redisB;

    @RegisterExtension
    static final NutjarExtension nutjar = NutjarExtension.with(proxy -> proxy
            .redisPool("cache", redisA.address() + ":1 a", redisB.address() + ":1 b")
            .stats("127.0.0.1", 0));

    @BeforeAll
    static void startBackends() throws Exception {
        redisA = BackendProcess.redis();
        redisB = BackendProcess.redis();
    }

    @AfterAll
    static void stopBackends() {
        redisA.close();
        redisB.close();
    }

    @Test
    void listensOnAPortTheSystemChoseAndSaysWhich() {
        InetSocketAddress address = nutjar.address("cache");
        assertThat(address.getPort()).isPositive();
        assertThat(address.getAddress().isLoopbackAddress()).isTrue();
        assertThat(nutjar.proxy().listenAddresses()).containsOnlyKeys("cache");
    }

    @Test
    void everyKeyLandsOnTheServerTheRoutingNames() {
        ServerPool routing = nutjar.proxy().routing("cache");
        Map<String, BackendProcess> backends = Map.of("a", redisA, "b", redisB);
        try (Jedis proxy = new Jedis(nutjar.host("cache"), nutjar.port("cache"), 10_000)) {
            for (int i = 0; i < 200; i++) {
                proxy.set("embedded:" + i, "v" + i);
            }
        }
        int onA = 0;
        for (int i = 0; i < 200; i++) {
            String key = "embedded:" + i;
            ServerSpec server = routing.serverFor(key).orElseThrow();
            BackendProcess backend = backends.get(server.name());
            try (Jedis direct = new Jedis("127.0.0.1", backend.port(), 10_000)) {
                assertThat(direct.get(key)).as(key).isEqualTo("v" + i);
            }
            onA += backend == redisA ? 1 : 0;
        }
        assertThat(onA).isBetween(1, 199);
    }

    @Test
    void servesStatsOnAPortTheSystemChose() throws Exception {
        InetSocketAddress stats = nutjar.proxy().statsAddress().orElseThrow();
        assertThat(stats.getPort()).isPositive();
        try (Socket socket = new Socket(stats.getAddress(), stats.getPort())) {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            String document = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(document).startsWith("{").contains("\"cache\":");
        }
    }

    @Test
    void twoPoolsOfAFileOnPortZeroGetPortsOfTheirOwn(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("nutcracker.yml");
        Files.writeString(file, String.join("\n",
                "one:",
                "  listen: 127.0.0.1:0",
                "  redis: true",
                "  servers:",
                "   - " + redisA.address() + ":1",
                "two:",
                "  listen: 127.0.0.1:0",
                "  redis: true",
                "  servers:",
                "   - " + redisB.address() + ":1",
                ""));
        try (EmbeddedProxy proxy = Nutjar.builder().config(file).threads(1).start()) {
            int one = proxy.address("one").getPort();
            int two = proxy.address("two").getPort();
            assertThat(List.of(one, two)).doesNotContain(0);
            assertThat(one).isNotEqualTo(two);
            try (Jedis viaOne = new Jedis("127.0.0.1", one, 10_000);
                    Jedis viaTwo = new Jedis("127.0.0.1", two, 10_000);
                    Jedis directB = new Jedis("127.0.0.1", redisB.port(), 10_000)) {
                viaOne.set("file:k", "from one");
                viaTwo.set("file:k", "from two");
                assertThat(viaOne.get("file:k")).isEqualTo("from one");
                assertThat(directB.get("file:k")).isEqualTo("from two");
            }
        }
    }
}
