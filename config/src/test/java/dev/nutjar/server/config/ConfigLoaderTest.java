package dev.nutjar.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.spi.ProviderRegistry;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    private static final String ONE_POOL = """
            alpha:
              listen: 127.0.0.1:22121
              hash: murmur
              servers:
               - 127.0.0.1:6379:1
               - 127.0.0.1:6380:1
            """;

    private final ConfigLoader loader = StubProviders.loader();

    private static NutjarConfig fixture(String name) throws Exception {
        return StubProviders.loader().load(
                Path.of(ConfigLoaderTest.class.getResource("/config/valid/" + name).toURI()));
    }

    @Test
    void readsTheAdminPortFromTextAndAPoolOfThatNameStaysAPool() throws Exception {
        NutjarConfig config = loader.parse("nutjar_admin: 127.0.0.1:9151\n" + ONE_POOL, "admin.yml");
        assertThat(config.adminAddress()).hasValueSatisfying(admin -> {
            assertThat(admin.host()).isEqualTo("127.0.0.1");
            assertThat(admin.port()).isEqualTo(9151);
        });
        assertThat(config.poolNames()).containsExactly("alpha");

        NutjarConfig poolCalledSo = loader.parse(ONE_POOL.replace("alpha:", "nutjar_admin:"), "pool.yml");
        assertThat(poolCalledSo.poolNames()).containsExactly("nutjar_admin");
        assertThat(poolCalledSo.adminAddress()).isEmpty();
        assertThat(loader.parse(ONE_POOL, "plain.yml").adminAddress()).isEmpty();
    }

    @Test
    void rejectsAnAdminPortOnAUnixSocket() {
        ConfigException thrown = catchThrowableOfType(ConfigException.class,
                () -> loader.parse(ONE_POOL + "nutjar_admin: /tmp/admin.sock\n", "admin.yml"));
        assertThat(thrown.errors()).containsExactly(
                "line 7: nutjar_admin: must be \"host:port\": the admin port is HTTP over TCP (was: '/tmp/admin.sock')");
    }

    @Test
    void fillsInTwemproxyDefaults() throws Exception {
        PoolConfig pool = fixture("defaults.yml").pool("minimal").orElseThrow();

        assertThat(pool.listen().host()).isEqualTo("127.0.0.1");
        assertThat(pool.listen().port()).isEqualTo(22121);
        assertThat(pool.clientConnections()).isZero();
        assertThat(pool.hash()).isEqualTo("fnv1a_64");
        assertThat(pool.hashTag()).isNull();
        assertThat(pool.distribution()).isEqualTo("ketama");
        assertThat(pool.timeoutMillis()).isEqualTo(PoolConfig.NO_TIMEOUT);
        assertThat(pool.hasTimeout()).isFalse();
        assertThat(pool.backlog()).isEqualTo(512);
        assertThat(pool.tcpKeepalive()).isFalse();
        assertThat(pool.preconnect()).isFalse();
        assertThat(pool.redis()).isFalse();
        assertThat(pool.redisAuth()).isNull();
        assertThat(pool.redisDb()).isZero();
        assertThat(pool.serverConnections()).isEqualTo(1);
        assertThat(pool.autoEjectHosts()).isFalse();
        assertThat(pool.serverRetryTimeoutMillis()).isEqualTo(30_000);
        assertThat(pool.serverFailureLimit()).isEqualTo(2);
        assertThat(pool.servers()).containsExactly(ServerSpec.parse("127.0.0.1:11211:1"));
    }

    @Test
    void readsEveryKey() throws Exception {
        PoolConfig pool = fixture("every-key.yml").pool("everything").orElseThrow();

        assertThat(pool.listen().host()).isEqualTo("0.0.0.0");
        assertThat(pool.hash()).isEqualTo("murmur");
        assertThat(pool.hashTag()).isEqualTo("::");
        assertThat(pool.distribution()).isEqualTo("modula");
        assertThat(pool.timeoutMillis()).isEqualTo(250);
        assertThat(pool.hasTimeout()).isTrue();
        assertThat(pool.backlog()).isEqualTo(128);
        assertThat(pool.clientConnections()).isEqualTo(100);
        assertThat(pool.redis()).isTrue();
        assertThat(pool.tcpKeepalive()).isTrue();
        assertThat(pool.redisAuth()).isEqualTo("s3cret");
        assertThat(pool.redisDb()).isEqualTo(3);
        assertThat(pool.preconnect()).isTrue();
        assertThat(pool.autoEjectHosts()).isTrue();
        assertThat(pool.serverConnections()).isEqualTo(4);
        assertThat(pool.serverRetryTimeoutMillis()).isEqualTo(5000);
        assertThat(pool.serverFailureLimit()).isEqualTo(5);
        assertThat(pool.servers()).extracting(ServerSpec::name)
                .containsExactly("zeta", "b", "alpha", "/var/run/redis.sock:", "redis.example:6380");
        assertThat(pool.sortedServers()).extracting(ServerSpec::name)
                .containsExactly("b", "zeta", "alpha", "redis.example:6380", "/var/run/redis.sock:");
    }

    @Test
    void neverPrintsTheRedisPassword() throws Exception {
        NutjarConfig config = fixture("every-key.yml");

        assertThat(config.toString()).doesNotContain("s3cret").contains("redisAuth=(set)");
    }

    @Test
    void acceptsWhatTwemproxyAcceptsAndAFewHarmlessExtras() throws Exception {
        NutjarConfig config = fixture("liberal.yml");

        PoolConfig quoted = config.pool("quoted").orElseThrow();
        assertThat(quoted.timeoutMillis()).as("-1: no timeout").isEqualTo(PoolConfig.NO_TIMEOUT);
        assertThat(quoted.redis()).isTrue();
        assertThat(quoted.hashTag()).isEqualTo("$$");
        assertThat(quoted.servers()).extracting(ServerSpec::name).containsExactly("127.0.0.1:6379", "named");

        PoolConfig bracketed = config.pool("bracketed").orElseThrow();
        assertThat(bracketed.timeoutMillis()).as("0: no timeout").isEqualTo(PoolConfig.NO_TIMEOUT);
        assertThat(bracketed.listen().host()).isEqualTo("::1");
        assertThat(bracketed.listen().text()).isEqualTo("[::1]:22122");

        PoolConfig ipv6 = config.pool("ipv6").orElseThrow();
        assertThat(ipv6.listen().host()).isEqualTo("::1");
        assertThat(ipv6.servers()).isEqualTo(bracketed.servers());

        PoolConfig sock = config.pool("sock").orElseThrow();
        assertThat(sock.listen().unixPath()).isEqualTo("/tmp/nutjar-liberal.sock");
        assertThat(sock.listen().permissions()).as("non-octal text is 0, as strtol reads it").isZero();
    }

    @Test
    void ordersPoolsAsTwemproxyDoesAndKeepsFileOrder() throws Exception {
        NutjarConfig config = loader.parse("""
                alpha:
                  listen: 127.0.0.1:1
                  servers: [ "h:1:1" ]
                beta:
                  listen: 127.0.0.1:2
                  servers: [ "h:1:1" ]
                zz:
                  listen: 127.0.0.1:3
                  servers: [ "h:1:1" ]
                ab:
                  listen: 127.0.0.1:4
                  servers: [ "h:1:1" ]
                """, "order.yml");

        assertThat(config.poolNames()).containsExactly("ab", "zz", "beta", "alpha");
        assertThat(config.poolsInFileOrder()).extracting(PoolConfig::name).containsExactly("alpha", "beta", "zz", "ab");
        assertThat(config.source()).isEqualTo("order.yml");
    }

    @Test
    void loadsAFileWithCrLfLineEnds() throws Exception {
        NutjarConfig config = loader.parse(ONE_POOL.replace("\n", "\r\n"), "crlf.yml");

        PoolConfig pool = config.pool("alpha").orElseThrow();
        assertThat(pool.hash()).isEqualTo("murmur");
        assertThat(pool.servers()).extracting(ServerSpec::name).containsExactly("127.0.0.1:6379", "127.0.0.1:6380");
    }

    @Test
    void loadsAFileWithASingleCrLfAmongLfLines(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mixed.yml");
        Files.writeString(file, ONE_POOL.replaceFirst("murmur\n", "murmur\r\n"));

        assertThat(loader.load(file).pool("alpha").orElseThrow().hash()).isEqualTo("murmur");
    }

    @Test
    void loadsAFileWithOldMacLineEndsAndAByteOrderMark() throws Exception {
        NutjarConfig config = loader.parse("\uFEFF" + ONE_POOL.replace("\n", "\r"), "cr.yml");

        assertThat(config.pool("alpha").orElseThrow().servers()).hasSize(2);
    }

    @Test
    void keepsEveryValueAsText() {
        ConfigException thrown = catchThrowableOfType(ConfigException.class, () -> loader.parse("""
                alpha:
                  listen: 127.0.0.1:22121
                  redis: on
                  preconnect: TRUE
                  timeout: 1e3
                  backlog: 0x10
                  redis_db: 1.0
                  hash_tag: {}
                  servers:
                   - 127.0.0.1:6379:1
                """, "text.yml"));

        assertThat(thrown.errors()).containsExactly(
                "line 3: alpha.redis: must be true or false (was: 'on')",
                "line 4: alpha.preconnect: must be true or false (was: 'TRUE')",
                "line 5: alpha.timeout: must be a non-negative integer (was: '1e3')",
                "line 6: alpha.backlog: must be a non-negative integer (was: '0x10')",
                "line 7: alpha.redis_db: must be a non-negative integer (was: '1.0')",
                "line 8: alpha.hash_tag: must be a single value, not a mapping");
    }

    @Test
    void acceptsNumbersWithLeadingZerosAsDecimal() throws Exception {
        NutjarConfig config = loader.parse(ONE_POOL + "  timeout: 0100\n  redis_db: 00\n", "zeros.yml");

        assertThat(config.pool("alpha").orElseThrow().timeoutMillis()).isEqualTo(100);
        assertThat(config.pool("alpha").orElseThrow().redisDb()).isZero();
    }

    @Test
    void rejectsNegativeTimeoutsOtherThanMinusOne() {
        ConfigException thrown = catchThrowableOfType(ConfigException.class,
                () -> loader.parse(ONE_POOL + "  timeout: -2\n", "t.yml"));

        assertThat(thrown.errors()).containsExactly("line 7: alpha.timeout: must be a non-negative integer (was: '-2')");
    }

    @Test
    void readsAClusterPool() throws Exception {
        NutjarConfig config = loader.parse("""
                alpha:
                  listen: 127.0.0.1:22121
                  redis: true
                  redis_cluster: true
                  servers:
                   - 127.0.0.1:7000:1
                """, "cluster.yml");

        assertThat(config.pools().get(0).redisCluster()).isTrue();
        assertThat(config.pools().get(0).readFrom()).isEqualTo(ReadFrom.MASTER);
    }

    @Test
    void readsWhereAClusterPoolReadsFrom() throws Exception {
        for (ReadFrom readFrom : ReadFrom.values()) {
            NutjarConfig config = loader.parse("""
                    alpha:
                      listen: 127.0.0.1:22121
                      redis: true
                      redis_cluster: true
                      read_from: %s
                      servers:
                       - 127.0.0.1:7000:1
                    """.formatted(readFrom.configName()), "cluster.yml");

            assertThat(config.pools().get(0).readFrom()).isEqualTo(readFrom);
        }
    }

    @Test
    void refusesRingKeysInAClusterPool() {
        ConfigException thrown = catchThrowableOfType(ConfigException.class,
                () -> loader.parse(ONE_POOL + "  redis: true\n  redis_cluster: true\n  distribution: modula\n", "c.yml"));

        assertThat(thrown.errors()).containsExactly(
                "line 3: alpha.hash: not used in a redis_cluster pool, where Redis Cluster places keys by CRC16"
                        + " slot and {...} hash tag; remove it (was: 'murmur')",
                "line 9: alpha.distribution: not used in a redis_cluster pool, where Redis Cluster places keys by"
                        + " CRC16 slot and {...} hash tag; remove it (was: 'modula')");
    }

    @Test
    void refusesAClusterPoolThatIsNotRedis() {
        ConfigException thrown = catchThrowableOfType(ConfigException.class,
                () -> loader.parse(ONE_POOL.replace("  hash: murmur\n", "") + "  redis_cluster: true\n", "c.yml"));

        assertThat(thrown.errors()).containsExactly("line 6: alpha.redis_cluster: only valid for a redis pool; set 'redis: true'");
    }

    @Test
    void doesNotRepeatTheRedisPasswordInErrors() {
        ConfigException thrown = catchThrowableOfType(ConfigException.class,
                () -> loader.parse(ONE_POOL + "  redis_auth: hunter2\n", "auth.yml"));

        assertThat(thrown.errors()).containsExactly("line 7: alpha.redis_auth: only valid for a redis pool; set 'redis: true'");
        assertThat(thrown.getMessage()).doesNotContain("hunter2");
    }

    @Test
    void checksNamesAgainstTheRegistriesItWasGiven() throws Exception {
        List<HashFunction> hashes = new ArrayList<>(StubProviders.hashes().providers());
        hashes.add(new StubProviders.StubHash("my_hash"));
        ConfigLoader withPlugin = new ConfigLoader(
                ProviderRegistry.of("hash function", hashes), StubProviders.distributions());

        String yaml = ONE_POOL.replace("murmur", "my_hash");

        assertThat(withPlugin.parse(yaml, "plugin.yml").pool("alpha").orElseThrow().hash()).isEqualTo("my_hash");
        assertThat(catchThrowableOfType(ConfigException.class, () -> loader.parse(yaml, "plugin.yml")).errors())
                .singleElement().asString()
                .startsWith("line 3: alpha.hash: unknown hash function 'my_hash'; valid names: crc16, crc32,");
    }

    @Test
    void reportsUnknownNamesWhenNoProviderIsInstalled() {
        ConfigLoader empty = new ConfigLoader(
                ProviderRegistry.of("hash function", List.of()), ProviderRegistry.of("distribution", List.of()));

        ConfigException thrown = catchThrowableOfType(ConfigException.class, () -> empty.parse(ONE_POOL, "none.yml"));

        assertThat(thrown.errors()).containsExactly(
                "line 1: alpha.distribution: not set, and the default is missing: "
                        + "unknown distribution 'ketama'; none is installed: is the class path complete?",
                "line 3: alpha.hash: unknown hash function 'murmur'; none is installed: is the class path complete?");
    }

    @Test
    void checksThatTheDefaultsAreInstalledToo() {
        ConfigLoader empty = new ConfigLoader(
                ProviderRegistry.of("hash function", List.of()), ProviderRegistry.of("distribution", List.of()));

        ConfigException thrown = catchThrowableOfType(ConfigException.class,
                () -> empty.parse(ONE_POOL.replace("  hash: murmur\n", ""), "defaults.yml"));

        assertThat(thrown.errors()).containsExactly(
                "line 1: alpha.hash: not set, and the default is missing: unknown hash function 'fnv1a_64'; "
                        + "none is installed: is the class path complete?",
                "line 1: alpha.distribution: not set, and the default is missing: unknown distribution 'ketama'; "
                        + "none is installed: is the class path complete?");
    }

    @Test
    void resolvesListenHostsOnlyWhenAsked() throws Exception {
        String yaml = ONE_POOL.replace("127.0.0.1:22121", "no-such-host.invalid:22121");
        List<String> asked = new ArrayList<>();
        ConfigLoader resolving = loader.resolvingListenHosts(host -> {
            asked.add(host);
            throw new UnknownHostException(host);
        });

        assertThat(loader.parse(yaml, "r.yml").pool("alpha")).isPresent();
        assertThat(catchThrowableOfType(ConfigException.class, () -> resolving.parse(yaml, "r.yml")).errors())
                .containsExactly("line 2: alpha.listen: cannot resolve host 'no-such-host.invalid' "
                        + "(was: 'no-such-host.invalid:22121')");
        assertThat(asked).containsExactly("no-such-host.invalid");
    }

    @Test
    void doesNotResolveUnixSocketPaths() throws Exception {
        ConfigLoader failing = loader.resolvingListenHosts(host -> {
            throw new UnknownHostException(host);
        });

        NutjarConfig config = failing.parse(ONE_POOL.replace("127.0.0.1:22121", "/tmp/x.sock 0600"), "u.yml");

        assertThat(config.pool("alpha").orElseThrow().listen().permissions()).isEqualTo(0600);
    }

    @Test
    void resolvesLocalhostWithTheSystemResolver() throws Exception {
        NutjarConfig config = loader.resolvingListenHosts().parse(ONE_POOL.replace("127.0.0.1", "localhost"), "l.yml");

        assertThat(config.pool("alpha").orElseThrow().listen().host()).isEqualTo("localhost");
    }

    @Test
    void saysWhenTheFileIsMissing(@TempDir Path dir) {
        Path missing = dir.resolve("missing.yml");

        assertThat(catchThrowableOfType(ConfigException.class, () -> loader.load(missing)).errors())
                .containsExactly(missing + ": cannot read the file: no such file");
    }

    @Test
    void saysWhenTheFileIsADirectory(@TempDir Path dir) {
        assertThat(catchThrowableOfType(ConfigException.class, () -> loader.load(dir)).errors())
                .singleElement().asString().startsWith(dir + ": cannot read the file: ");
    }

    @Test
    void saysWhenTheFileIsNotUtf8(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("latin1.yml");
        Files.write(file, ONE_POOL.replace("alpha", "caf\u00e9").getBytes(StandardCharsets.ISO_8859_1));

        assertThat(catchThrowableOfType(ConfigException.class, () -> loader.load(file)).errors())
                .containsExactly(file + ": is not UTF-8 text");
    }

    @Test
    void exceptionMessageCarriesEveryError() {
        ConfigException thrown = catchThrowableOfType(ConfigException.class,
                () -> loader.parse(ONE_POOL + "  backlog: x\n  redis: no\n", "two.yml"));

        assertThat(thrown).hasMessage("configuration 'two.yml' is invalid: "
                + "line 7: alpha.backlog: must be a non-negative integer (was: 'x'); "
                + "line 8: alpha.redis: must be true or false (was: 'no')");
    }

    @Test
    void poolRecordGuardsItsInvariants() {
        ListenAddress listen = ListenAddress.parse("127.0.0.1:1");
        List<ServerSpec> servers = List.of(ServerSpec.parse("h:1:1"));

        assertThatThrownBy(() -> new PoolConfig("p", listen, 0, "h", null, "d", -1, 512, false, false, false,
                null, 0, 1, false, 0, 0, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pool 'p' needs at least one server");
        assertThatThrownBy(() -> new PoolConfig("p", listen, 0, "h", null, "d", -1, 512, false, false, false,
                null, 0, 0, false, 0, 0, servers))
                .hasMessage("server connections must be > 0 (was: 0)");
        assertThatThrownBy(() -> new PoolConfig("p", listen, 0, "h", null, "d", -1, 512, false, false, false,
                "pw", 0, 1, false, 0, 0, servers))
                .hasMessage("redis_auth is only valid for a redis pool");
        assertThat(new PoolConfig("p", listen, 0, "h", null, "d", 0, 512, false, false, false,
                null, 0, 1, false, 0, 0, servers).timeoutMillis()).isEqualTo(PoolConfig.NO_TIMEOUT);
    }
}
