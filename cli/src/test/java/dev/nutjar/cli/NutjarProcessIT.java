package dev.nutjar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.server.it.Await;
import dev.nutjar.server.it.BackendProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * {@code bin/nutjar} as an operator runs it: a real process on the shaded jar, serving a real
 * redis-server, with its pid file, log file, signals and daemon mode.
 */
class NutjarProcessIT {
    private static final Path PROJECT =
            Path.of(System.getProperty("nutjar.project.dir", "..")).toAbsolutePath().normalize();
    private static final Path LAUNCHER = PROJECT.resolve("bin/nutjar");

    private static BackendProcess redis;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws IOException {
        assertThat(PROJECT.resolve("cli/target/nutjar.jar"))
                .as("the jar is built in the package phase, before the integration tests").isRegularFile();
        redis = BackendProcess.redis();
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
    }

    private record Setup(Path config, int port, int statsPort, Path pidFile, Path logFile) {
        List<String> command(String... extra) {
            List<String> command = new ArrayList<>(List.of(LAUNCHER.toString(), "-c", config.toString(),
                    "-s", String.valueOf(statsPort), "-a", "127.0.0.1", "-p", pidFile.toString(),
                    "-o", logFile.toString()));
            command.addAll(List.of(extra));
            return command;
        }
    }

    private Setup setup() throws IOException {
        int port = BackendProcess.freePort();
        Path config = Files.writeString(dir.resolve("nutjar.yml"), """
                proc:
                  listen: 127.0.0.1:%d
                  redis: true
                  servers:
                   - %s:1
                """.formatted(port, redis.address()));
        return new Setup(config, port, BackendProcess.freePort(), dir.resolve("nutjar.pid"), dir.resolve("nutjar.log"));
    }

    private Process launch(List<String> command) throws IOException {
        return new ProcessBuilder(command)
                .directory(PROJECT.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
    }

    private static void assertServes(int port) {
        try (Jedis jedis = new Jedis("127.0.0.1", port, 10_000)) {
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat(jedis.set("process:key", "served")).isEqualTo("OK");
            assertThat(jedis.get("process:key")).isEqualTo("served");
        }
    }

    private static boolean serving(int port) {
        try (Jedis jedis = new Jedis("127.0.0.1", port, 2000)) {
            return "PONG".equals(jedis.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void awaitListening(Process process, Setup setup) throws Exception {
        Await.until("bin/nutjar listens", Duration.ofSeconds(60), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("bin/nutjar exited with " + process.exitValue() + diagnostics(setup));
            }
            return serving(setup.port());
        });
    }

    private String diagnostics(Setup setup) throws IOException {
        StringBuilder text = new StringBuilder();
        for (Path file : List.of(dir.resolve("stdout.txt"), dir.resolve("stderr.txt"), setup.logFile())) {
            if (Files.exists(file)) {
                text.append("\n--- ").append(file.getFileName()).append('\n').append(Files.readString(file));
            }
        }
        return text.toString();
    }

    private static void signal(long pid, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -%s %d", signal, pid).isZero();
    }

    @Test
    void runsInTheForegroundWritesItsPidLogsSignalsAndStopsCleanlyOnSigterm() throws Exception {
        Setup setup = setup();
        Process process = launch(setup.command("-m", "512"));
        try {
            awaitListening(process, setup);
            assertServes(setup.port());
            try (Jedis jedis = new Jedis("127.0.0.1", setup.port(), 10_000)) {
                // With -m 512, this value is read in pieces of at most 4 KiB and passes through uncopied.
                String value = "v".repeat(100_000);
                assertThat(jedis.set("process:large", value)).isEqualTo("OK");
                assertThat(jedis.get("process:large")).isEqualTo(value);
            }
            assertThat(Files.readString(setup.pidFile())).isEqualTo(Long.toString(process.pid()));

            signal(process.pid(), "HUP");
            signal(process.pid(), "TTIN");
            signal(process.pid(), "TTOU");
            // nutcracker ignores these; a JVM left with its own use of SIGUSR2 would crash.
            signal(process.pid(), "USR1");
            signal(process.pid(), "USR2");
            for (String line : List.of("signal 1 (SIGHUP) received", "signal 21 (SIGTTIN) received",
                    "signal 22 (SIGTTOU) received", "signal 10 (SIGUSR1) received", "signal 12 (SIGUSR2) received")) {
                Await.until("the log says '" + line + "'", Duration.ofSeconds(10),
                        () -> Files.readString(setup.logFile()).contains(line));
            }
            assertServes(setup.port());

            signal(process.pid(), "TERM");
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            assertThat(process.exitValue()).as("exit status" + diagnostics(setup)).isZero();
            assertThat(setup.pidFile()).doesNotExist();
            assertThat(serving(setup.port())).isFalse();
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * At the highest level the log shows each connection, client and server, with its addresses,
     * and none of Netty's internals; the admin port answers from the command line's flags.
     */
    @Test
    void logsConnectionsWithAddressesAndServesTheAdminPort() throws Exception {
        Setup setup = setup();
        int adminPort = BackendProcess.freePort();
        Process process = launch(setup.command("-v", "11", "--admin-port", String.valueOf(adminPort)));
        try {
            awaitListening(process, setup);
            assertServes(setup.port());
            java.net.http.HttpResponse<String> ready = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + adminPort + "/ready"))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
            try (java.net.Socket client = new java.net.Socket("127.0.0.1", setup.port())) {
                client.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                assertThat(client.getInputStream().readNBytes(7)).asString().isEqualTo("+PONG\r\n");
            } // Jedis says QUIT, which the proxy closes; this client just goes.

            Await.until("the log has every connection and its close" + diagnostics(setup), Duration.ofSeconds(10), () -> {
                String log = Files.readString(setup.logFile());
                return log.contains("(" + redis.address() + ") of pool 'proc' from /127.0.0.1:")
                        && log.matches("(?s).*client /127\\.0\\.0\\.1:\\d+ connected to pool 'proc' on /127\\.0\\.0\\.1:"
                                + setup.port() + ".*")
                        && log.matches("(?s).*client /127\\.0\\.0\\.1:\\d+ of pool 'proc' closed by the client.*");
            });
            assertThat(Files.readString(setup.logFile())).as("Netty's debug lines stay out")
                    .doesNotContain("-Dio.netty").doesNotContain("io.netty.util.internal");
            signal(process.pid(), "TERM");
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void daemonizesReturnsOnceListeningAndStopsOnSigterm() throws Exception {
        Setup setup = setup();
        Process launcher = launch(setup.command("-d"));
        Optional<ProcessHandle> daemon = Optional.empty();
        try {
            assertThat(launcher.waitFor(60, TimeUnit.SECONDS)).as("bin/nutjar -d returns").isTrue();
            assertThat(launcher.exitValue()).as("exit status" + diagnostics(setup)).isZero();
            // Listening already: no waiting.
            assertServes(setup.port());

            long pid = Long.parseLong(Files.readString(setup.pidFile()));
            daemon = ProcessHandle.of(pid);
            assertThat(daemon).isPresent();
            assertThat(pid).isNotEqualTo(launcher.pid());
            assertThat(daemon.get().isAlive()).isTrue();

            signal(pid, "TERM");
            ProcessHandle handle = daemon.get();
            Await.until("the daemon exits", Duration.ofSeconds(30), () -> !handle.isAlive());
            Await.until("the pid file is removed", Duration.ofSeconds(5), () -> !Files.exists(setup.pidFile()));
            assertThat(serving(setup.port())).isFalse();
        } finally {
            launcher.destroyForcibly();
            daemon.ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Started in the background by a script (a shell without job control, which starts it with
     * SIGINT ignored), the proxy still stops on SIGINT as nutcracker does: logged, exit status 0.
     */
    @Test
    void stopsOnSigintWhenStartedInTheBackgroundOfAScript() throws Exception {
        Setup setup = setup();
        List<String> command = new ArrayList<>(List.of("bash", "-c", "\"$@\" & echo $! > launched.pid; wait $!", "script"));
        command.addAll(setup.command());
        Process script = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
        try {
            Await.until("bin/nutjar listens", Duration.ofSeconds(60), () -> {
                if (!script.isAlive()) {
                    throw new AssertionError("the script exited with " + script.exitValue() + diagnostics(setup));
                }
                return serving(setup.port());
            });
            long pid = Long.parseLong(Files.readString(dir.resolve("launched.pid")).trim());

            signal(pid, "INT");

            assertThat(script.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGINT" + diagnostics(setup)).isTrue();
            assertThat(script.exitValue()).as("exit status" + diagnostics(setup)).isZero();
            assertThat(Files.readString(setup.logFile())).contains("signal 2 (SIGINT) received, exiting")
                    .doesNotContain("cannot handle SIGINT");
            assertThat(serving(setup.port())).isFalse();
        } finally {
            script.destroyForcibly();
        }
    }

    /** {@code nutjar demo} stops like the proxy: the signal logged, everything it started stopped, exit 0. */
    @Test
    void demoLogsItsSignalAndExitsZero() throws Exception {
        Process demo = new ProcessBuilder(LAUNCHER.toString(), "demo")
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("demo.out").toFile())
                .redirectError(dir.resolve("demo.err").toFile())
                .start();
        try {
            Await.until("the demo runs", Duration.ofSeconds(90), () -> {
                if (!demo.isAlive()) {
                    throw new AssertionError("the demo exited with " + demo.exitValue() + ": "
                            + Files.readString(dir.resolve("demo.err")));
                }
                return Files.readString(dir.resolve("demo.out")).contains("Press Ctrl-C");
            });

            signal(demo.pid(), "INT");

            assertThat(demo.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGINT").isTrue();
            String log = Files.readString(dir.resolve("demo.err"));
            assertThat(demo.exitValue()).as(log).isZero();
            assertThat(log).contains("signal 2 (SIGINT) received, exiting");
        } finally {
            demo.destroyForcibly();
        }
    }
}
