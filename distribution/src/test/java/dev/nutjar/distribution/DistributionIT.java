package dev.nutjar.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.server.it.Await;
import dev.nutjar.server.it.BackendProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The release archive as an operator gets it: unpacked with {@code tar} into a directory outside
 * the source tree, its {@code bin/nutjar} run with no {@code mvn} on the PATH, checking a
 * configuration, printing its version and serving a real redis-server.
 */
class DistributionIT {
    private static final Path TARBALL = Path.of(System.getProperty("nutjar.tarball", "target/nutjar.tar.gz"));
    private static final String VERSION = System.getProperty("nutjar.version", "unknown");

    @TempDir
    static Path dir;
    private static Path home;
    /** Links to programs: outside the JUnit temporary directory, which warns of each link it deletes. */
    private static Path shadows;
    private static String pathWithoutMaven;

    @BeforeAll
    static void unpack() throws Exception {
        assertThat(TARBALL).as("the archive is built in the package phase").isRegularFile();
        Path target = Files.createDirectories(dir.resolve("install"));
        assertThat(run(List.of("tar", "-xzf", TARBALL.toString(), "-C", target.toString()), Map.of(), target).status())
                .isZero();
        home = target.resolve("nutjar-" + VERSION);
        shadows = Files.createTempDirectory("nutjar-dist-path-");
        pathWithoutMaven = pathWithout("mvn", shadows);
    }

    @AfterAll
    static void removeLinks() throws IOException {
        if (shadows != null) {
            try (Stream<Path> files = Files.walk(shadows)) {
                for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(file);
                }
            }
        }
    }

    private record Outcome(int status, String out, String err) {}

    private static Outcome run(List<String> command, Map<String, String> environment, Path workingDir)
            throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("NUTJAR_") || name.startsWith("MAVEN"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish");
        }
        return new Outcome(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Runs the unpacked {@code bin/nutjar}, from its home, with no Maven on the PATH. */
    private static Outcome nutjar(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/nutjar").toString()));
        command.addAll(List.of(args));
        return run(command, environment(), home);
    }

    private static Map<String, String> environment() {
        return Map.of("PATH", pathWithoutMaven, "JAVA_HOME", System.getProperty("java.home"));
    }

    /**
     * This PATH with every directory holding {@code program} replaced by a directory of links to
     * everything else in it.
     */
    private static String pathWithout(String program, Path shadows) throws IOException {
        List<String> entries = new ArrayList<>();
        int shadow = 0;
        for (String entry : System.getenv("PATH").split(File.pathSeparator)) {
            Path original = Path.of(entry);
            if (!Files.isExecutable(original.resolve(program))) {
                entries.add(entry);
                continue;
            }
            Path copy = Files.createDirectories(shadows.resolve(String.valueOf(shadow++)));
            try (Stream<Path> files = Files.list(original)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    String name = file.getFileName().toString();
                    if (!name.equals(program) && !name.startsWith(program + ".")) {
                        Files.createSymbolicLink(copy.resolve(name), file);
                    }
                }
            }
            entries.add(copy.toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    @Test
    void holdsTheLauncherJarsConfigurationPluginsLicenseAndHostFiles() throws IOException {
        assertThat(home.resolve("bin/nutjar")).isRegularFile();
        assertThat(Files.getPosixFilePermissions(home.resolve("bin/nutjar"))).contains(PosixFilePermission.OWNER_EXECUTE,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            assertThat(lib.map(jar -> jar.getFileName().toString()).toList())
                    .contains("nutjar-cli-" + VERSION + ".jar", "nutjar-server-" + VERSION + ".jar",
                            "nutjar-routing-" + VERSION + ".jar", "nutjar-hash-spi-" + VERSION + ".jar")
                    .anyMatch(jar -> jar.startsWith("netty-transport-native-epoll-"))
                    .anyMatch(jar -> jar.startsWith("snakeyaml-"))
                    .noneMatch(jar -> jar.startsWith("jedis-") || jar.startsWith("junit") || jar.startsWith("slf4j-simple"));
        }
        assertThat(home.resolve("conf/nutcracker.yml")).isRegularFile();
        assertThat(home.resolve("conf/nutjar.yml")).isRegularFile();
        assertThat(home.resolve("plugins/README")).isRegularFile();
        assertThat(home.resolve("LICENSE")).content().contains("Apache License", "Version 2.0, January 2004");
        assertThat(home.resolve("README.md")).isRegularFile();
        assertThat(home.resolve("packaging/nutjar.service")).content()
                .contains("Type=simple", "ExecReload=/bin/kill -HUP $MAINPID", "EnvironmentFile=-/etc/default/nutjar");
        assertThat(home.resolve("packaging/nutjar.default")).content().contains("NUTJAR_CONF=", "NUTJAR_OPTS=");
        assertThat(home.resolve("packaging/nutjar.logrotate")).content().contains("systemctl reload nutjar");
    }

    @Test
    void mavenIsNotOnTheTestsPath() throws Exception {
        Outcome outcome = run(List.of("bash", "-c", "command -v mvn"), environment(), home);

        assertThat(outcome.status()).as("mvn found at %s", outcome.out()).isNotZero();
    }

    @Test
    void printsItsVersion() throws Exception {
        Outcome outcome = nutjar("-V");

        assertThat(outcome.err()).isEmpty();
        assertThat(outcome.status()).isZero();
        assertThat(outcome.out()).startsWith("This is nutjar-" + VERSION + " (twemproxy 0.5.0 compatible)");
    }

    @Test
    void checksTheShippedConfigurations() throws Exception {
        for (String file : List.of("conf/nutcracker.yml", "conf/nutjar.yml")) {
            Outcome outcome = nutjar("-t", "-c", file);

            assertThat(outcome.err()).isEqualTo("nutjar: configuration file '" + file + "' syntax is ok\n");
            assertThat(outcome.status()).isZero();
        }
    }

    @Test
    void servesARealRedisAndStopsOnSigterm() throws Exception {
        try (BackendProcess redis = BackendProcess.redis()) {
            int port = BackendProcess.freePort();
            Path config = Files.writeString(dir.resolve("serve.yml"), """
                    shards:
                      listen: 127.0.0.1:%d
                      redis: true
                      servers:
                       - %s:1
                    """.formatted(port, redis.address()));
            Path log = dir.resolve("nutjar.log");
            ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/nutjar").toString(), "-c", config.toString(),
                    "-s", String.valueOf(BackendProcess.freePort()), "-a", "127.0.0.1", "-o", log.toString())
                    .directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(dir.resolve("serve.out").toFile())
                    .redirectError(dir.resolve("serve.err").toFile());
            builder.environment().keySet().removeIf(name -> name.startsWith("NUTJAR_"));
            builder.environment().putAll(environment());
            Process proxy = builder.start();
            try {
                Await.until("the unpacked nutjar serves", Duration.ofSeconds(60), () -> {
                    if (!proxy.isAlive()) {
                        throw new AssertionError("bin/nutjar exited with " + proxy.exitValue() + ": "
                                + Files.readString(dir.resolve("serve.err")));
                    }
                    try (Jedis jedis = new Jedis("127.0.0.1", port, 2000)) {
                        return "PONG".equals(jedis.ping());
                    } catch (RuntimeException notYet) {
                        return false;
                    }
                });
                try (Jedis client = new Jedis("127.0.0.1", port, 10_000);
                        Jedis direct = new Jedis("127.0.0.1", redis.port(), 10_000)) {
                    assertThat(client.set("dist:key", "from the archive")).isEqualTo("OK");
                    assertThat(client.get("dist:key")).isEqualTo("from the archive");
                    assertThat(direct.get("dist:key")).as("stored on the backend").isEqualTo("from the archive");
                }
                new ProcessBuilder("kill", "-TERM", String.valueOf(proxy.pid())).inheritIO().start().waitFor();
                assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
                assertThat(proxy.exitValue()).isZero();
                assertThat(log).content().contains("signal 15 (SIGTERM) received, exiting");
            } finally {
                proxy.destroyForcibly();
            }
        }
    }
}
