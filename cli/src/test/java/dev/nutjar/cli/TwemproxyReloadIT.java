package dev.nutjar.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nutjar.server.it.Await;
import dev.nutjar.server.it.BackendProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * twemproxy's own reload tests ({@code tests/test_system/test_reload.py}: {@code test_new_port},
 * {@code test_pool_add_del}), done the same way against a real {@code bin/nutjar} process: the
 * configuration file is rewritten, SIGUSR1 is sent, and the ports, keys and the process's sockets
 * are checked. {@code nutjar reload -p} is checked too. twemproxy's third test,
 * {@code test_reload_with_old_conf}, expects the process to be replaced and old connections closed;
 * Nutjar keeps both on purpose (the README's compatibility notes).
 */
class TwemproxyReloadIT {
    private static final Path PROJECT =
            Path.of(System.getProperty("nutjar.project.dir", "..")).toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private BackendProcess redis2100;
    private BackendProcess redis2101;
    private Process nutjar;
    private Path config;
    private Path pidFile;
    private int port4100;

    @BeforeEach
    void start() throws Exception {
        redis2100 = BackendProcess.redis();
        redis2101 = BackendProcess.redis();
        port4100 = BackendProcess.freePort();
        config = dir.resolve("nutcracker.yml");
        pidFile = dir.resolve("nutjar.pid");
        Files.writeString(config, """
                ntest:
                  listen: 127.0.0.1:%d
                  hash: fnv1a_64
                  distribution: modula
                  redis: true
                  servers:
                    %s
                """.formatted(port4100, servers()));
        List<String> command = new ArrayList<>(List.of(PROJECT.resolve("bin/nutjar").toString(), "-c",
                config.toString(), "-s", String.valueOf(BackendProcess.freePort()), "-a", "127.0.0.1",
                "-p", pidFile.toString(), "-o", dir.resolve("nutjar.log").toString(), "--threads", "1"));
        nutjar = new ProcessBuilder(command).directory(PROJECT.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
        Await.until("bin/nutjar listens", Duration.ofSeconds(60), () -> answers(port4100));
    }

    @AfterEach
    void stop() throws Exception {
        if (nutjar != null) {
            nutjar.destroy();
            nutjar.waitFor(30, TimeUnit.SECONDS);
            nutjar.destroyForcibly();
        }
        for (BackendProcess redis : new BackendProcess[] {redis2100, redis2101}) {
            if (redis != null) {
                redis.close();
            }
        }
    }

    private String servers() {
        return "- " + redis2100.address() + ":1 redis-2100\n    - " + redis2101.address() + ":1 redis-2101";
    }

    private static String pool(String name, int port, String extra) {
        return name + ":\n  listen: 127.0.0.1:" + port + "\n  hash: fnv1a_64\n  distribution: modula\n"
                + "  redis: true\n" + extra + "  servers:\n    %s\n";
    }

    /** Rewrites the configuration and sends SIGUSR1, as twemproxy's {@code nc.set_config} does. */
    private void setConfig(String yaml) throws Exception {
        Files.writeString(config, yaml.replace("%s", servers()));
        Process kill = new ProcessBuilder("kill", "-USR1", String.valueOf(nutjar.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    private static boolean answers(int port) {
        try (Jedis jedis = new Jedis("127.0.0.1", port, 2_000)) {
            return "PONG".equals(jedis.ping());
        } catch (JedisConnectionException e) {
            return false;
        }
    }

    private String log() throws IOException {
        return Files.readString(dir.resolve("nutjar.log"));
    }

    @Test
    void newPort() throws Exception {
        try (Jedis r = new Jedis("127.0.0.1", port4100, 10_000)) {
            r.set("k", "v");
        }
        int port4101 = BackendProcess.freePort();
        setConfig(pool("reload_test", port4101, "  timeout: 400\n"));
        Await.until("the new port answers", Duration.ofSeconds(30), () -> answers(port4101));

        assertThatThrownBy(() -> new Jedis("127.0.0.1", port4100, 2_000).get("k"))
                .isInstanceOf(JedisConnectionException.class).hasStackTraceContaining("Connection refused");
        try (Jedis r2 = new Jedis("127.0.0.1", port4101, 10_000)) {
            assertThat(r2.get("k")).isEqualTo("v");
        }
        assertThat(log()).contains("reload: pool 'reload_test': added").contains("reload: pool 'ntest': removed");
    }

    @Test
    void poolAddDel() throws Exception {
        Jedis r = new Jedis("127.0.0.1", port4100, 10_000);
        r.set("k", "v");
        r.close();
        int port4101 = BackendProcess.freePort();
        setConfig(pool("ntest", port4100, "") + "\n" + pool("reload_test2", port4101, ""));
        Await.until("the added pool answers", Duration.ofSeconds(30), () -> answers(port4101));

        Jedis r1 = new Jedis("127.0.0.1", port4100, 10_000);
        Jedis r2 = new Jedis("127.0.0.1", port4101, 10_000);
        assertThat(r1.get("k")).isEqualTo("v");
        assertThat(r2.get("k")).isEqualTo("v");

        int port4102 = BackendProcess.freePort();
        setConfig(pool("ntest", port4102, "  preconnect: true\n"));
        Await.until("the moved pool answers", Duration.ofSeconds(30), () -> answers(port4102));

        try (Jedis r3 = new Jedis("127.0.0.1", port4102, 10_000)) {
            // Clients of the address the pool left, and of the removed pool, are closed once answered;
            // their reconnection is refused.
            assertClosedSoon(r1);
            assertClosedSoon(r2);
            for (int old : new int[] {port4100, port4101}) {
                assertThatThrownBy(() -> new Jedis("127.0.0.1", old, 2_000).get("k"))
                        .isInstanceOf(JedisConnectionException.class).hasStackTraceContaining("Connection refused");
            }
            assertThat(r3.get("k")).isEqualTo("v");
            // twemproxy's count: the pool's listener, the stats listener, 2 backends, 1 client.
            Await.until("5 TCP sockets: listener, stats, 2 backends, 1 client", Duration.ofSeconds(10),
                    () -> sockets(nutjar.pid()) == 5);
        }
        r1.close();
        r2.close();
    }

    @Test
    void nutjarReloadPrintsWhatChangedAndFindsTheProcessByItsConfigFile() throws Exception {
        Files.writeString(config, Files.readString(config).replace("redis: true", "redis: true\n  timeout: 500"));
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int status = Main.run(new String[] {"reload", "-p", pidFile.toString()},
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        assertThat(status).as("stderr: %s", err).isZero();
        assertThat(out.toString()).contains("timeout -1 -> 500").contains("reload done: 1 pool(s) changed");

        Files.writeString(config, Files.readString(config).replace("timeout: 500", "timeout: 500\n  bogus: 1"));
        out.reset();
        err.reset();
        status = Main.run(new String[] {"reload", "-c", config.toString()},
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        assertThat(status).isEqualTo(Main.EXIT_FAILURE);
        assertThat(err.toString()).contains("ntest.bogus: unknown key").contains("reload refused");
        assertThat(answers(port4100)).isTrue();
    }

    /** The proxy closes {@code client} once it has answered it. */
    private static void assertClosedSoon(Jedis client) {
        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                client.get("k");
                Thread.sleep(20);
            }
        }).isInstanceOf(JedisConnectionException.class);
    }

    /**
     * The process's TCP sockets (twemproxy's test counts every socket; a JVM holds one more of its
     * own, not TCP, from its start).
     */
    private static long sockets(long pid) throws IOException {
        java.util.Set<String> tcp = new java.util.HashSet<>();
        for (String table : new String[] {"tcp", "tcp6"}) {
            Path file = Path.of("/proc/" + pid + "/net/" + table);
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file).subList(1, Files.readAllLines(file).size())) {
                    String[] columns = line.trim().split("\\s+");
                    tcp.add(columns[9]);
                }
            }
        }
        long count = 0;
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("socket:[") && tcp.contains(link.substring(8, link.length() - 1))) {
                        count++;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return count;
    }
}
