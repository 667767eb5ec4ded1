package dev.nutjar.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.routing.ServerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The example configurations shipped in {@code conf/} load with zero errors. */
class ConfFilesTest {

    static Path confDirectory() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("conf/nutcracker.yml"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("a parent directory holding conf/nutcracker.yml").isNotNull();
        return dir.resolve("conf");
    }

    @Test
    void nutcrackerSampleLoads() throws Exception {
        NutjarConfig config = StubProviders.loader().load(confDirectory().resolve("nutcracker.yml"));

        assertThat(config.poolNames()).containsExactly("beta", "alpha", "delta", "gamma", "omega");
        assertThat(config.poolsInFileOrder()).extracting(PoolConfig::name)
                .containsExactly("alpha", "beta", "gamma", "delta", "omega");

        PoolConfig beta = config.pool("beta").orElseThrow();
        assertThat(beta.redis()).isTrue();
        assertThat(beta.hashTag()).isEqualTo("{}");
        assertThat(beta.timeoutMillis()).isEqualTo(400);
        assertThat(beta.servers()).extracting(ServerSpec::name)
                .containsExactly("server1", "server2", "server3", "server4");

        assertThat(config.pool("delta").orElseThrow().servers()).hasSize(10);
        assertThat(config.pool("gamma").orElseThrow().redis()).isFalse();
        assertThat(config.pool("gamma").orElseThrow().preconnect()).isTrue();

        PoolConfig omega = config.pool("omega").orElseThrow();
        assertThat(omega.hash()).isEqualTo("hsieh");
        assertThat(omega.listen().isUnix()).isTrue();
        assertThat(omega.listen().unixPath()).isEqualTo("/tmp/nutjar-omega.sock");
        assertThat(omega.listen().permissions()).isEqualTo(0666);
        assertThat(omega.servers().get(0).weight()).isEqualTo(100000);
    }

    @Test
    void annotatedNutjarConfigurationLoads() throws Exception {
        NutjarConfig config = StubProviders.loader().load(confDirectory().resolve("nutjar.yml"));

        assertThat(config.poolNames()).containsExactly("cache", "sessions");

        PoolConfig sessions = config.pool("sessions").orElseThrow();
        assertThat(sessions.redis()).isTrue();
        assertThat(sessions.redisAuth()).isEqualTo("change-me");
        assertThat(sessions.hashTag()).isEqualTo("{}");
        assertThat(sessions.servers()).extracting(ServerSpec::name)
                .containsExactly("session-a", "session-b", "session-c");

        PoolConfig cache = config.pool("cache").orElseThrow();
        assertThat(cache.redis()).as("a memcache pool").isFalse();
        assertThat(cache.servers()).extracting(ServerSpec::name)
                .containsExactly("127.0.0.1", "127.0.0.1:11212", "127.0.0.1:11213");
    }

    @Test
    void annotatedConfigurationDocumentsEveryKey() throws Exception {
        String text = Files.readString(confDirectory().resolve("nutjar.yml"));

        for (String key : ConfigLoader.poolKeys()) {
            assertThat(text).as("conf/nutjar.yml sets and explains '%s'", key)
                    .containsPattern("(?m)^(# )?  " + key + ":");
        }
    }

    @Test
    void commentedOutSentinelPoolLoadsOnceUncommented() throws Exception {
        String text = Files.readString(confDirectory().resolve("nutjar.yml"));
        int start = text.indexOf("\n# sessions-ha:\n") + 1;
        String pool = text.substring(start, text.indexOf("\n# A Redis pool with TLS", start))
                .replaceAll("(?m)^# ?", "");

        PoolConfig sentinel = StubProviders.loader().parse(pool, "ha.yml").pool("sessions-ha").orElseThrow();

        assertThat(sentinel.sentinel().sentinels()).hasSize(3);
        assertThat(sentinel.servers()).extracting(ServerSpec::name).containsExactly("shard1", "shard2");
    }

    @Test
    void commentedOutTlsPoolLoadsOnceUncommented() throws Exception {
        String text = Files.readString(confDirectory().resolve("nutjar.yml"));
        String pool = text.substring(text.indexOf("\n# secure:\n") + 1).replaceAll("(?m)^# ?", "");

        PoolConfig secure = StubProviders.loader().parse(pool, "secure.yml").pool("secure").orElseThrow();

        assertThat(secure.tls().clientAuth()).isEqualTo(ClientTls.ClientAuth.REQUIRE);
        assertThat(secure.serverTls(secure.servers().get(1)).sni()).isEqualTo("cluster.example.com");
        assertThat(secure.serverPassword(secure.servers().get(0))).isEqualTo("servers-password");
    }
}
