package dev.nutjar.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nutjar.routing.ServerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsAndCredentialsConfigTest {

    private final ConfigLoader loader = StubProviders.loader()
            .withEnvironment(Map.of("SHARED_PASS", "from-env")::get);

    @Test
    void readsServerTlsInAClusterPool() throws Exception {
        PoolConfig pool = loader.parse("""
                orders:
                  listen: 127.0.0.1:6390
                  redis: true
                  redis_cluster: true
                  server_tls:
                    ca: /etc/nutjar/nodes.crt
                    verify: ca
                  servers:
                   - 10.0.0.1:7000:1
                """, "cluster.yml").pool("orders").orElseThrow();

        ServerTls tls = pool.serverTls(pool.servers().get(0));
        assertThat(tls.ca()).isEqualTo(Path.of("/etc/nutjar/nodes.crt"));
        assertThat(tls.verify()).isEqualTo(ServerTls.Verify.CA);
    }

    @Test
    void readsServerTlsInASentinelPool() throws Exception {
        PoolConfig pool = loader.parse("""
                sessions:
                  listen: 127.0.0.1:6390
                  redis: true
                  sentinels: [10.0.0.5:26379]
                  server_tls:
                    ca: /etc/nutjar/masters.crt
                  servers:
                   - shard1:1
                """, "sentinel.yml").pool("sessions").orElseThrow();

        assertThat(pool.serverTls(pool.servers().get(0)).ca()).isEqualTo(Path.of("/etc/nutjar/masters.crt"));
    }

    @Test
    void refusesServerOptionsInAClusterPool() {
        ConfigException thrown = catchThrowableOfType(ConfigException.class, () -> loader.parse("""
                orders:
                  listen: 127.0.0.1:6390
                  redis: true
                  redis_cluster: true
                  server_options:
                    10.0.0.1:7000:
                      redis_auth: secret
                  servers:
                   - 10.0.0.1:7000:1
                """, "cluster.yml"));

        assertThat(thrown.errors()).singleElement().asString()
                .startsWith("line 6: orders.server_options: not supported in a redis_cluster pool yet");
    }

    @Test
    void readsClientTlsServerTlsAndPerServerOverrides() throws Exception {
        PoolConfig pool = loader.parse("""
                secure:
                  listen: 127.0.0.1:6390
                  redis: true
                  tls:
                    cert: /etc/nutjar/proxy.crt
                    key: /etc/nutjar/proxy.key
                    ca: /etc/nutjar/clients.crt
                    client_auth: require
                    protocols: [TLSv1.3]
                  server_tls:
                    ca: /etc/nutjar/servers.crt
                  server_options:
                    b:
                      tls:
                        verify: ca
                        sni: cluster.example.com
                    10.0.0.3:6380:
                      tls:
                        cert: /etc/nutjar/to-c.crt
                        key: /etc/nutjar/to-c.key
                  servers:
                   - redis-a.example.com:6380:1 a
                   - 10.0.0.2:6380:1 b
                   - 10.0.0.3:6380:1
                """, "test.yml").pool("secure").orElseThrow();

        ClientTls tls = pool.tls();
        assertThat(tls.certChain()).isEqualTo(Path.of("/etc/nutjar/proxy.crt"));
        assertThat(tls.clientAuth()).isEqualTo(ClientTls.ClientAuth.REQUIRE);
        assertThat(tls.protocols()).containsExactly("TLSv1.3");
        assertThat(tls.ciphers()).isEmpty();

        List<ServerSpec> servers = pool.servers();
        ServerTls a = pool.serverTls(servers.get(0));
        assertThat(a.verify()).isEqualTo(ServerTls.Verify.FULL);
        assertThat(a.ca()).isEqualTo(Path.of("/etc/nutjar/servers.crt"));
        assertThat(a.sni()).isNull();
        assertThat(a.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        ServerTls b = pool.serverTls(servers.get(1));
        assertThat(b.verify()).isEqualTo(ServerTls.Verify.CA);
        assertThat(b.sni()).isEqualTo("cluster.example.com");
        assertThat(b.ca()).as("laid over the pool's").isEqualTo(Path.of("/etc/nutjar/servers.crt"));
        ServerTls c = pool.serverTls(servers.get(2));
        assertThat(c.certChain()).isEqualTo(Path.of("/etc/nutjar/to-c.crt"));
        assertThat(c.verify()).isEqualTo(ServerTls.Verify.FULL);
    }

    @Test
    void twemproxysRedisAuthServesBothSidesUnlessOverridden(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("b.pass");
        Files.writeString(secret, "from-file\n");
        PoolConfig pool = loader.parse("""
                p:
                  listen: 127.0.0.1:6390
                  redis: true
                  redis_auth: clients-pass
                  redis_server_auth: ${env:SHARED_PASS}
                  redis_username: proxy
                  server_options:
                    b:
                      redis_username: other
                      redis_auth: ${file:%s}
                  servers:
                   - 127.0.0.1:6380:1 a
                   - 127.0.0.1:6381:1 b
                """.formatted(secret), "test.yml").pool("p").orElseThrow();

        assertThat(pool.redisAuth()).isEqualTo("clients-pass");
        ServerSpec a = pool.servers().get(0);
        ServerSpec b = pool.servers().get(1);
        assertThat(pool.serverPassword(a)).isEqualTo("from-env");
        assertThat(pool.serverUsername(a)).isEqualTo("proxy");
        assertThat(pool.serverPassword(b)).isEqualTo("from-file");
        assertThat(pool.serverUsername(b)).isEqualTo("other");
        assertThat(pool.serverTls(a)).isNull();
        assertThat(pool.toString()).doesNotContain("from-env", "from-file", "clients-pass");

        PoolConfig twemproxy = loader.parse("""
                p:
                  listen: 127.0.0.1:6390
                  redis: true
                  redis_auth: one
                  servers:
                   - 127.0.0.1:6380:1
                """, "test.yml").pool("p").orElseThrow();
        assertThat(twemproxy.serverPassword(twemproxy.servers().get(0))).isEqualTo("one");
        assertThat(twemproxy.serverUsername(twemproxy.servers().get(0))).isNull();
    }

    @Test
    void everyProblemNamesItsLineAndPath() {
        ConfigException thrown = catchThrowableOfType(ConfigException.class, () -> loader.parse("""
                p:
                  listen: 127.0.0.1:6390
                  redis: true
                  redis_auth: ${env:MISSING}
                  redis_server_auth: ${file:/nonexistent/secret}
                  tls:
                    cert: /x.crt
                    client_auth: sometimes
                    protocols: TLSv1.2 SSLv3
                  server_tls:
                    verify: maybe
                    key: /k.pem
                    colour: blue
                  server_options:
                    nobody:
                      redis_auth: x
                  servers:
                   - 127.0.0.1:6380:1
                """, "test.yml"));

        assertThat(thrown.errors()).containsExactly(
                "line 4: p.redis_auth: environment variable 'MISSING' is not set or empty (was: '${env:MISSING}')",
                "line 5: p.redis_server_auth: cannot read the secret file: /nonexistent/secret"
                        + " (was: '${file:/nonexistent/secret}')",
                "line 7: p.tls: missing required key 'key'",
                "line 8: p.tls.client_auth: must be one of none, optional, require (was: 'sometimes')",
                "line 9: p.tls.protocols: unknown TLS protocol 'SSLv3'; valid: TLSv1.2, TLSv1.3"
                        + " (TLSv1 and TLSv1.1 only where the engine still allows them)",
                "line 11: p.server_tls.verify: must be one of full, ca, none (was: 'maybe')",
                "line 11: p.server_tls: a client certificate needs both 'cert' and 'key' (only 'key' is set)",
                "line 13: p.server_tls.colour: unknown key; valid keys: cert, key, ca, verify, sni, protocols, ciphers",
                "line 15: p.server_options.nobody: no server of the pool has this name or host:port;"
                        + " servers: 127.0.0.1:6380");
    }
}
