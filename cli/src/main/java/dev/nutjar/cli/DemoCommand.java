package dev.nutjar.cli;

import dev.nutjar.hash.HashFunctions;
import dev.nutjar.protocol.Protocols;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.server.config.ConfigException;
import dev.nutjar.server.config.ConfigLoader;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.proxy.Proxy;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import redis.embedded.core.ExecutableProvider;

/**
 * {@code nutjar demo}: three local redis-server processes (and two memcached, when installed)
 * behind the proxy on free loopback ports, a few sample keys written through it, and what an
 * operator needs to try it. Ctrl-C stops everything it started and removes its files.
 *
 * <p>redis-server and memcached come from the PATH. Without a redis-server there, the demo runs
 * the real Redis 6.2 binary that the {@code com.github.codemonstur:embedded-redis} artifact carries
 * for Linux and macOS, and says so.
 */
final class DemoCommand {
    private static final List<String> SAMPLE_KEYS =
            List.of("user:1", "user:2", "user:3", "cart:42", "session:9f8e", "{user:1}:cart", "{user:1}:orders");

    private final PrintStream out;
    private final PrintStream err;
    private final CountDownLatch stopRequested;
    private final String searchPath;
    private final List<Process> processes = new ArrayList<>();
    private Path dir;
    private Proxy proxy;

    /**
     * @param stopRequested counted down to stop the demo; the JVM's shutdown stops it too
     * @param searchPath where redis-server and memcached are looked for, as in {@code PATH}
     */
    DemoCommand(PrintStream out, PrintStream err, CountDownLatch stopRequested, String searchPath) {
        this.out = out;
        this.err = err;
        this.stopRequested = stopRequested;
        this.searchPath = searchPath == null ? "" : searchPath;
    }

    int run() {
        String memcached = Protocols.registry().find("memcache").isPresent() ? findBinary("memcached") : null;
        Thread cleanup = new Thread(() -> {
            stop();
            stopRequested.countDown();
        }, "nutjar-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            dir = Files.createTempDirectory("nutjar-demo-");
            String redisServer = redisServer();
            if (redisServer == null) {
                return 1;
            }
            List<Integer> redisPorts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int port = freePort();
                start(List.of(redisServer, "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no"), "redis-" + port, port);
                redisPorts.add(port);
            }
            List<Integer> memcachedPorts = new ArrayList<>();
            if (memcached != null) {
                for (int i = 0; i < 2; i++) {
                    int port = freePort();
                    List<String> command = new ArrayList<>(List.of(memcached, "-p", String.valueOf(port), "-U", "0",
                            "-l", "127.0.0.1", "-m", "64"));
                    if ("root".equals(System.getProperty("user.name"))) {
                        // memcached refuses to run as root unless told which user to be.
                        command.addAll(List.of("-u", "root"));
                    }
                    start(command, "memcached-" + port, port);
                    memcachedPorts.add(port);
                }
            }
            Listening listening;
            try {
                listening = startProxy(portOr(22121), portOr(22122), portOr(22222), redisPorts, memcachedPorts);
            } catch (IOException taken) {
                // Another process took one of the usual ports between the check and the bind.
                listening = startProxy(freePort(), freePort(), freePort(), redisPorts, memcachedPorts);
            }
            describe(listening.config(), listening.redis(), redisPorts, listening.memcache(), memcachedPorts,
                    listening.stats(), memcached != null);
            out.flush();
            stopRequested.await();
            return 0;
        } catch (Exception e) {
            err.println("nutjar demo: " + e.getMessage());
            return 1;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
                stop();
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already and cleans up
            }
        }
    }

    /** Where the demo's proxy listens, and the configuration file it was started from. */
    private record Listening(Path config, int redis, int memcache, int stats) {}

    /** Writes the demo's configuration for these ports and starts the proxy on it. */
    private Listening startProxy(int redisListen, int memcacheListen, int statsPort, List<Integer> redisPorts,
            List<Integer> memcachedPorts) throws IOException, ConfigException {
        Path config = dir.resolve("nutjar.yml");
        Files.writeString(config, configuration(redisListen, redisPorts, memcacheListen, memcachedPorts));
        NutjarConfig parsed = ConfigLoader.withInstalledProviders().load(config);
        proxy = Proxy.start(parsed, new Proxy.Options(1, "127.0.0.1", statsPort, 1000, 512L * 1024 * 1024,
                HashFunctions.registry(), Distributions.registry(), Protocols.registry()));
        return new Listening(config, redisListen, memcacheListen, statsPort);
    }

    private static String configuration(int redisListen, List<Integer> redisPorts, int memcacheListen,
            List<Integer> memcachedPorts) {
        StringBuilder yaml = new StringBuilder();
        yaml.append("# Written by nutjar demo; removed when it stops.\n");
        yaml.append("demo_redis:\n  listen: 127.0.0.1:").append(redisListen).append('\n');
        yaml.append("  redis: true\n  hash: fnv1a_64\n  hash_tag: \"{}\"\n  distribution: ketama\n");
        yaml.append("  timeout: 1000\n  auto_eject_hosts: true\n  server_retry_timeout: 2000\n  server_failure_limit: 2\n");
        yaml.append("  servers:\n");
        for (int i = 0; i < redisPorts.size(); i++) {
            yaml.append("   - 127.0.0.1:").append(redisPorts.get(i)).append(":1 redis").append(i + 1).append('\n');
        }
        if (!memcachedPorts.isEmpty()) {
            yaml.append("demo_memcache:\n  listen: 127.0.0.1:").append(memcacheListen).append('\n');
            yaml.append("  hash: fnv1a_64\n  distribution: ketama\n  timeout: 1000\n  servers:\n");
            for (int i = 0; i < memcachedPorts.size(); i++) {
                yaml.append("   - 127.0.0.1:").append(memcachedPorts.get(i)).append(":1 memcached").append(i + 1).append('\n');
            }
        }
        return yaml.toString();
    }

    private void describe(Path config, int redisListen, List<Integer> redisPorts, int memcacheListen,
            List<Integer> memcachedPorts, int statsPort, boolean withMemcached) throws IOException {
        out.println("Nutjar demo is running (configuration: " + config + ").");
        out.println();
        out.println("  Redis pool 'demo_redis' on 127.0.0.1:" + redisListen + ", in front of redis-server on ports "
                + redisPorts);
        if (withMemcached) {
            out.println("  memcached pool 'demo_memcache' on 127.0.0.1:" + memcacheListen
                    + ", in front of memcached on ports " + memcachedPorts);
        } else {
            out.println("  (no memcached pool: install it with 'sudo apt-get install -y memcached')");
        }
        out.println("  Stats: 127.0.0.1:" + statsPort + " (one JSON document per connection)");
        out.println();
        out.println("Connect with:");
        out.println("  redis-cli -p " + redisListen);
        out.println();
        ServerPool routing = proxy.routing().get(0);
        out.println("Sample keys, written through the proxy, and the shard each one went to:");
        for (String key : SAMPLE_KEYS) {
            String reply = send(redisListen, "SET", key, "demo");
            String shard = routing.server(routing.route(key.getBytes(StandardCharsets.UTF_8))).name();
            out.printf("  %-18s -> %s%s%n", key, shard, reply.startsWith("+OK") ? "" : "  (write failed: " + reply.trim() + ")");
        }
        out.println("Keys sharing a {hash tag} live together. Ask 'nutjar locate -c " + config
                + " demo_redis KEY' for any key.");
        out.println();
        out.println("Press Ctrl-C to stop the proxy and the servers it started.");
    }

    /** One RESP command over a fresh connection; returns the first reply line. */
    private static String send(int port, String... args) throws IOException {
        StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            request.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
        }
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(3000);
            OutputStream o = socket.getOutputStream();
            o.write(request.toString().getBytes(StandardCharsets.UTF_8));
            o.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                line.append((char) c);
            }
            return line.toString();
        }
    }

    private void start(List<String> command, String name, int port) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
        processes.add(process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited: " + Files.readString(dir.resolve(name + ".log")));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IOException(name + " did not start listening on port " + port);
    }

    private synchronized void stop() {
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
        for (Process process : processes) {
            process.destroy();
        }
        for (Process process : processes) {
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                err.println("nutjar demo: could not remove " + dir + ": " + e.getMessage());
            }
            dir = null;
        }
    }

    /** {@code preferred} when it is free, else any free port. */
    private static int portOr(int preferred) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), preferred));
            return preferred;
        } catch (IOException taken) {
            return freePort();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * The redis-server on the search path, else embedded-redis's binary for this platform written
     * into the demo's directory; null, with why, when neither is there. Says which it uses.
     */
    private String redisServer() throws IOException {
        String installed = findBinary("redis-server");
        if (installed != null) {
            out.println("Using redis-server from the PATH: " + installed);
            return installed;
        }
        File shipped;
        try {
            shipped = ExecutableProvider.newJarResourceProvider(dir.toFile()).get();
        } catch (RuntimeException unsupported) {
            err.println("nutjar demo needs redis-server: none is on the PATH, and embedded-redis has no binary for "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ". Install it with:");
            err.println("  sudo apt-get install -y redis-server");
            return null;
        }
        out.println("No redis-server on the PATH: using " + shipped.getName()
                + ", the real Redis shipped in com.github.codemonstur:embedded-redis");
        return shipped.getPath();
    }

    /** The first executable {@code name} in the search path's directories, or null. */
    private String findBinary(String name) {
        for (String d : searchPath.split(File.pathSeparator)) {
            File file = new File(d, name);
            // An empty entry would be the working directory: not searched.
            if (!d.isEmpty() && file.isFile() && file.canExecute()) {
                return file.getPath();
            }
        }
        return null;
    }
}
