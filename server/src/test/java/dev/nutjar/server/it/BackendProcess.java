package dev.nutjar.server.it;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real backend process (redis-server, memcached, nutcracker) on a free loopback port, for
 * integration tests. A missing binary fails the test with the line that installs it: these tests
 * never skip.
 */
public final class BackendProcess implements AutoCloseable {
    private final String name;
    private final List<String> command;
    private final int port;
    private final Path logFile;
    private Process process;

    private BackendProcess(String name, int port, List<String> command) throws IOException {
        this.name = name;
        this.port = port;
        this.command = command;
        this.logFile = Files.createTempFile("nutjar-it-" + name + "-", ".log");
    }

    /** A redis-server with no persistence on a free port, started and answering PING. */
    public static BackendProcess redis(String... extraArgs) throws IOException {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(binary("redis-server", "redis-server"),
                "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--protected-mode", "no", "--daemonize", "no"));
        cmd.addAll(List.of(extraArgs));
        return new BackendProcess("redis-" + port, port, cmd).start();
    }

    /** A redis-server as {@link #redis}, that speaks only TLS: on {@link #port()}, with {@code --port 0}. */
    public static BackendProcess redisOnTls(String... extraArgs) throws IOException {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(binary("redis-server", "redis-server"),
                "--port", "0", "--tls-port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no"));
        cmd.addAll(List.of(extraArgs));
        return new BackendProcess("redis-tls-" + port, port, cmd).start();
    }

    /**
     * Debian's redis-sentinel on a free port, its configuration file (which it rewrites) in
     * {@code dir}, with {@code settings} after its port, such as
     * {@code sentinel monitor m 127.0.0.1 6379 2}.
     */
    public static BackendProcess sentinel(Path dir, List<String> settings) throws IOException {
        int port = freePort();
        Path config = dir.resolve("sentinel-" + port + ".conf");
        List<String> lines = new ArrayList<>(List.of("port " + port, "bind 127.0.0.1", "protected-mode no",
                "daemonize no", "dir " + dir));
        lines.addAll(settings);
        Files.write(config, lines);
        return new BackendProcess("sentinel-" + port, port,
                List.of(binary("redis-sentinel", "redis-sentinel"), config.toString())).start();
    }

    /** A memcached on a free port, started and accepting connections. */
    public static BackendProcess memcached(String... extraArgs) throws IOException {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(binary("memcached", "memcached"), "-p", String.valueOf(port),
                "-U", "0", "-l", "127.0.0.1", "-m", "64", "-u", "root"));
        cmd.addAll(List.of(extraArgs));
        return new BackendProcess("memcached-" + port, port, cmd).start();
    }

    /** Debian's nutcracker on {@code config}, with its stats on a free port. */
    public static BackendProcess nutcracker(Path config, int listenPort) throws IOException {
        int statsPort = freePort();
        List<String> cmd = List.of(binary("nutcracker", "nutcracker"), "-c", config.toString(), "-s",
                String.valueOf(statsPort), "-a", "127.0.0.1", "-o", "");
        return new BackendProcess("nutcracker-" + listenPort, listenPort, cmd).start();
    }

    /**
     * Debian's Prometheus server on a free loopback port, with {@code config} and its database in
     * {@code storage}.
     */
    public static BackendProcess prometheus(Path config, Path storage) throws IOException {
        int port = freePort();
        List<String> cmd = List.of(binary("prometheus", "prometheus"), "--config.file=" + config,
                "--storage.tsdb.path=" + storage, "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.retention.time=1h");
        return new BackendProcess("prometheus-" + port, port, cmd).start();
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    private BackendProcess start() throws IOException {
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .start();
        awaitListening();
        return this;
    }

    private void awaitListening() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited at start: " + Files.readString(logFile));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                sleep(20);
            }
        }
        throw new IOException(name + " did not listen on port " + port + " within 10 s: " + Files.readString(logFile));
    }

    /** Stops the process for good (SIGKILL). */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts the same command on the same port again, after {@link #kill}. */
    public void restart() throws IOException {
        kill();
        start();
    }

    /** Sends a signal by name (STOP, CONT, TERM...). */
    public void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " failed");
        }
    }

    /** Sends one raw command line and returns the raw answer read until the socket is quiet. */
    public String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[65536];
            int n = in.read(buffer);
            return n < 0 ? "" : new String(buffer, 0, n, StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(logFile);
        } catch (IOException ignored) {
            // a temp file; the OS cleans it up
        }
    }

    /** A port nothing listens on right now. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    static String binary(String name, String debianPackage) {
        for (String dir : List.of("/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin")) {
            File file = new File(dir, name);
            if (file.canExecute()) {
                return file.getPath();
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                File file = new File(dir, name);
                if (file.canExecute()) {
                    return file.getPath();
                }
            }
        }
        throw new IllegalStateException(name + " is not installed; these integration tests need it: "
                + "apt-get install -y " + debianPackage);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
