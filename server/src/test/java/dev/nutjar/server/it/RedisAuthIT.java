package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * {@code redis_auth} and {@code redis_db} against redis-servers started with
 * {@code --requirepass}: clients must AUTH to the proxy, and the proxy authenticates to the
 * backends and selects the database before any client request (twemproxy 0.5 sends SELECT first,
 * which fails there and silently leaves the data in DB 0).
 */
@ExtendWith(NoLeaks.class)
class RedisAuthIT {
    private static final String PASSWORD = "secret";

    private static RedisShards shards;
    private static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        shards = RedisShards.start(2, "--requirepass", PASSWORD);
        proxy = TestProxy.startPool("secure", """
                  redis: true
                  redis_auth: secret
                  redis_db: 3
                  servers:
                """ + shards.serversYaml(), 1);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (shards != null) {
            shards.close();
        }
    }

    @Test
    void clientsMustAuthenticateAndDataLandsInTheConfiguredDatabase() {
        try (Jedis jedis = proxy.jedis()) {
            assertThatThrownBy(() -> jedis.get("auth:1")).isInstanceOf(JedisDataException.class)
                    .hasMessage("NOAUTH Authentication required.");
            assertThatThrownBy(jedis::ping).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("NOAUTH");
            assertThatThrownBy(() -> jedis.auth("wrong")).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("WRONGPASS");
            assertThatThrownBy(() -> jedis.set("auth:1", "x")).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("NOAUTH");

            assertThat(jedis.auth(PASSWORD)).isEqualTo("OK");
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                keys.add(i + ":auth");
                assertThat(jedis.set(i + ":auth", "v" + i)).isEqualTo("OK");
            }
            assertThat(jedis.mget(keys.toArray(String[]::new))).hasSize(50).doesNotContainNull();
            assertThat(jedis.ping()).isEqualTo("PONG");

            // A wrong password later takes the authentication away again.
            assertThatThrownBy(() -> jedis.auth("wrong")).isInstanceOf(JedisDataException.class);
            assertThatThrownBy(() -> jedis.get("0:auth")).hasMessageStartingWith("NOAUTH");

            // On the backends: every key in DB 3 of the server the pool routes it to, none in DB 0.
            for (BackendProcess shard : shards.servers()) {
                try (Jedis direct = RedisShards.direct(shard)) {
                    direct.auth(PASSWORD);
                    for (int i = 0; i < keys.size(); i++) {
                        boolean here = proxy.serverOf(keys.get(i)).port() == shard.port();
                        direct.select(3);
                        assertThat(direct.get(keys.get(i))).isEqualTo(here ? "v" + i : null);
                        direct.select(0);
                        assertThat(direct.get(keys.get(i))).isNull();
                    }
                    direct.select(3);
                    assertThat(direct.dbSize()).as("keys in DB 3 of %s", shard.address()).isPositive();
                    direct.select(0);
                    assertThat(direct.dbSize()).isZero();
                }
            }
        }
    }

    @Test
    void clientsThatAuthenticateOnConnectWork() throws Exception {
        var config = DefaultJedisClientConfig.builder().password(PASSWORD).socketTimeoutMillis(10_000).build();
        try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", proxy.port()), config)) {
            assertThat(jedis.set("auth:jedis", "j")).isEqualTo("OK");
            assertThat(jedis.get("auth:jedis")).isEqualTo("j");
        }

        // Lettuce sends HELLO 3 AUTH default <password>, is refused, and falls back to AUTH <password>.
        ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(1)
                .computationThreadPoolSize(1).build();
        RedisClient client = RedisClient.create(resources, RedisURI.builder().withHost("127.0.0.1")
                .withPort(proxy.port()).withPassword(PASSWORD.toCharArray()).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().get("auth:jedis")).isEqualTo("j");
            assertThat(connection.sync().set("auth:lettuce", "l")).isEqualTo("OK");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        BackendProcess shard = shards.byPort(proxy.serverOf("auth:lettuce").port());
        try (Jedis direct = RedisShards.direct(shard)) {
            direct.auth(PASSWORD);
            direct.select(3);
            assertThat(direct.get("auth:lettuce")).isEqualTo("l");
        }
    }
}
