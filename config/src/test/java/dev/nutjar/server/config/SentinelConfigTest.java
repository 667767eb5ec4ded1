package dev.nutjar.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nutjar.routing.ServerSpec;
import org.junit.jupiter.api.Test;

class SentinelConfigTest {
    private final ConfigLoader loader = StubProviders.loader();

    private static String pool(String extra) {
        return """
                cache:
                  listen: 127.0.0.1:22121
                  redis: true
                  sentinels: [127.0.0.1:26379, "sentinel-b:26380"]
                  servers:
                   - shard1:1
                   - shard2:2
                """ + extra;
    }

    @Test
    void readsSentinelsAndServersNamedByTheirMasters() throws Exception {
        PoolConfig pool = loader.parse(pool("  sentinel_poll_interval: 250\n"), "s.yml").pool("cache").orElseThrow();

        assertThat(pool.isSentinel()).isTrue();
        assertThat(pool.sentinel().sentinels()).containsExactly("127.0.0.1:26379", "sentinel-b:26380");
        assertThat(pool.sentinel().pollIntervalMillis()).isEqualTo(250);
        assertThat(pool.servers()).extracting(ServerSpec::name).containsExactly("shard1", "shard2");
        assertThat(pool.servers()).extracting(ServerSpec::weight).containsExactly(1, 2);
        assertThat(pool.servers()).noneMatch(ServerSpec::hasAddress);
    }

    @Test
    void placesKeysAsAPlainPoolWithTheSameServerNames() throws Exception {
        PoolConfig sentinel = loader.parse(pool(""), "s.yml").pool("cache").orElseThrow();
        PoolConfig plain = loader.parse("""
                cache:
                  listen: 127.0.0.1:22121
                  redis: true
                  servers:
                   - 10.0.0.1:6379:1 shard1
                   - 10.0.0.2:6379:2 shard2
                """, "p.yml").pool("cache").orElseThrow();

        var a = sentinel.routing(StubProviders.hashes(), StubProviders.distributions()).build();
        var b = plain.routing(StubProviders.hashes(), StubProviders.distributions()).build();
        for (int i = 0; i < 2000; i++) {
            byte[] key = ("key:" + i).getBytes();
            assertThat(a.server(a.route(key)).name()).isEqualTo(b.server(b.route(key)).name());
        }
    }

    @Test
    void refusesAddressesAndAmbiguousFormsInASentinelPool() {
        String yaml = """
                cache:
                  listen: 127.0.0.1:22121
                  redis: true
                  sentinels: [127.0.0.1:26379]
                  servers:
                   - 127.0.0.1:6379:1 shard1
                   - mymaster:6379:1
                   - shard3
                """;
        ConfigException thrown = catchThrowableOfType(ConfigException.class, () -> loader.parse(yaml, "s.yml"));
        String form = "in a sentinel pool a server is \"master_name:weight\", the name Sentinel monitors it by;"
                + " its address comes from the sentinels";
        assertThat(thrown.errors()).containsExactly(
                "line 6: cache.servers[0]: " + form + " (was: '127.0.0.1:6379:1 shard1')",
                "line 7: cache.servers[1]: " + form + " (was: 'mymaster:6379:1')",
                "line 8: cache.servers[2]: " + form + " (was: 'shard3')");
    }

    @Test
    void refusesBadSentinelsAndSettingsThatDoNotFitASentinelPool() {
        String yaml = """
                cache:
                  listen: 127.0.0.1:22121
                  auto_eject_hosts: true
                  sentinels:
                   - 127.0.0.1
                   - 127.0.0.1:26379
                   - 127.0.0.1:26379
                  servers:
                   - shard1:0
                plain:
                  listen: 127.0.0.1:22122
                  sentinel_poll_interval: 100
                  servers:
                   - 127.0.0.1:6379:1
                """;
        ConfigException thrown = catchThrowableOfType(ConfigException.class, () -> loader.parse(yaml, "s.yml"));
        assertThat(thrown.errors()).containsExactly(
                "line 3: cache.auto_eject_hosts: must be false in a sentinel pool: ejecting a master moves its keys"
                        + " while Sentinel fails it over (was: 'true')",
                "line 4: cache.sentinels: only valid for a redis pool; set 'redis: true'",
                "line 5: cache.sentinels[0]: must be \"host:port\" with a port 1..65535 (was: '127.0.0.1')",
                "line 7: cache.sentinels[2]: duplicate sentinel (was: '127.0.0.1:26379')",
                "line 9: cache.servers[0]: weight must be > 0 (was: 0)",
                "line 12: plain.sentinel_poll_interval: only valid in a sentinel pool; set 'sentinels'");
    }
}
