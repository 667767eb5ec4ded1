package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A cluster pool with {@code server_tls} in front of a real Redis Cluster that speaks only TLS
 * (three masters, {@code --port 0}, {@code tls-cluster yes}, client certificates required): the
 * slot map is learnt over TLS from the nodes' TLS ports, and every key reaches its slot's master.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(NoLeaks.class)
class ClusterTlsIT {
    private static final int KEYS = 60;

    @TempDir
    static Path dir;

    private TestCertificates.Pair ca;
    private TestCertificates.Pair proxyCert;
    private SSLSocketFactory direct;
    private RedisClusterNodes cluster;
    private TestProxy proxy;
    private int wrongCaPort;

    @BeforeAll
    void start() throws Exception {
        TestCertificates certificates = new TestCertificates(dir);
        ca = certificates.authority("cluster-ca");
        TestCertificates.Pair nodeCert = certificates.issue(ca, "node", 2);
        proxyCert = certificates.issue(ca, "proxy", 2);
        direct = certificates.socketFactory(ca, proxyCert);
        cluster = RedisClusterNodes.startTls(3, ca, nodeCert, proxyCert);
        TestCertificates.Pair otherCa = certificates.authority("other-ca");
        int port = BackendProcess.freePort();
        wrongCaPort = BackendProcess.freePort();
        // read_from: nearest times every node's PING over TLS too; with no replica, the masters answer.
        proxy = TestProxy.start(pool("cluster", port, ca) + "  read_from: nearest\n"
                + pool("wrongca", wrongCaPort, otherCa), port, 2);
    }

    @AfterAll
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void routesKeysToTheirSlotsMastersOverTls() {
        List<String> keys = new ArrayList<>();
        try (Jedis jedis = proxy.jedis()) {
            for (int i = 0; i < KEYS; i++) {
                keys.add("key:" + i);
                assertThat(jedis.set("key:" + i, "value:" + i)).isEqualTo("OK");
            }
            for (int i = 0; i < KEYS; i++) {
                assertThat(jedis.get("key:" + i)).isEqualTo("value:" + i);
            }
            assertThat(jedis.mget("key:1", "key:2", "nokey", "key:3")).containsExactly("value:1", "value:2", null, "value:3");
            assertThat(jedis.mget(keys.toArray(String[]::new))).hasSize(KEYS).doesNotContainNull();
            assertThat(jedis.del("key:1", "key:2", "nokey")).isEqualTo(2);
        }
        // Every master holds some of the keys, and together all of them: each slot went to its owner.
        long total = 0;
        for (BackendProcess node : cluster.nodes()) {
            try (Jedis jedis = directTo(node)) {
                long held = jedis.dbSize();
                assertThat(held).as("keys on %s", node.address()).isPositive();
                total += held;
            }
        }
        assertThat(total).isEqualTo(KEYS - 2);
    }

    @Test
    void aNodeWhoseCertificateIsNotTrustedGetsNoRequest() {
        try (Jedis jedis = new Jedis("127.0.0.1", wrongCaPort, 10_000)) {
            // The handshake of the slot map's probe fails: no map, so no node to send to.
            assertThatThrownBy(() -> jedis.get("key:0")).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("ERR Connection refused");
        }
    }

    /** A cluster pool with TLS to the nodes, checked against {@code nodesCa}. */
    private String pool(String name, int port, TestCertificates.Pair nodesCa) {
        return """
                %s:
                  listen: 127.0.0.1:%d
                  redis: true
                  redis_cluster: true
                  timeout: 2000
                  server_tls:
                    ca: %s
                    cert: %s
                    key: %s
                  servers:
                   - %s:1
                """.formatted(name, port, nodesCa.cert(), proxyCert.cert(), proxyCert.key(),
                cluster.nodes().get(0).address());
    }

    private Jedis directTo(BackendProcess node) {
        return new Jedis(new HostAndPort("127.0.0.1", node.port()), DefaultJedisClientConfig.builder()
                .ssl(true).sslSocketFactory(direct).socketTimeoutMillis(10_000).build());
    }
}
