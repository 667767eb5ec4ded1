package dev.nutjar.server.it;

import dev.nutjar.hash.HashFunctions;
import dev.nutjar.protocol.Protocols;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.server.config.ConfigException;
import dev.nutjar.server.config.ConfigLoader;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.proxy.Proxy;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Real memcached processes and a Nutjar proxy in this JVM in front of them, for the memcached
 * integration tests. The pool is called {@value #POOL}.
 */
public final class MemcacheCluster implements AutoCloseable {
    public static final String POOL = "mc";

    private final List<BackendProcess> memcached;
    private final int listenPort;
    private Proxy proxy;

    private MemcacheCluster(List<BackendProcess> memcached, int listenPort) {
        this.memcached = memcached;
        this.listenPort = listenPort;
    }

    /**
     * Starts {@code servers} memcached and Nutjar with pool {@value #POOL} over them, in that order.
     *
     * @param directives extra pool directives, one per line, without indentation (e.g. {@code timeout: 500})
     */
    public static MemcacheCluster start(int servers, String... directives) throws IOException {
        List<BackendProcess> started = new ArrayList<>();
        try {
            for (int i = 0; i < servers; i++) {
                started.add(BackendProcess.memcached());
            }
            MemcacheCluster cluster = new MemcacheCluster(started, BackendProcess.freePort());
            cluster.proxy = startNutjar(cluster.yaml(directives), 1);
            return cluster;
        } catch (IOException | RuntimeException e) {
            started.forEach(BackendProcess::close);
            throw e;
        }
    }

    /** The pool's YAML, servers unnamed, in start order. */
    public String yaml(String... directives) {
        return yaml(listenPort, directives);
    }

    /** The pool's YAML listening on {@code port}. */
    public String yaml(int port, String... directives) {
        StringBuilder yaml = new StringBuilder(POOL + ":\n  listen: 127.0.0.1:" + port + "\n");
        for (String directive : directives) {
            yaml.append("  ").append(directive).append('\n');
        }
        yaml.append("  servers:\n");
        for (BackendProcess server : memcached) {
            yaml.append("   - ").append(server.address()).append(":1\n");
        }
        return yaml.toString();
    }

    /** Nutjar from a YAML text, its stats on a free port, with {@code threads} event loops. */
    public static Proxy startNutjar(String yaml, int threads) throws IOException {
        NutjarConfig config;
        try {
            config = ConfigLoader.withInstalledProviders().parse(yaml, "memcache-it.yml");
        } catch (ConfigException e) {
            throw new IllegalArgumentException("bad test configuration:\n" + yaml, e);
        }
        return Proxy.start(config, new Proxy.Options(threads, "127.0.0.1", 0, 10, 512L * 1024 * 1024,
                HashFunctions.registry(), Distributions.registry(), Protocols.registry()));
    }

    public int port() {
        return listenPort;
    }

    public Proxy proxy() {
        return proxy;
    }

    public ServerPool routing() {
        return proxy.routing().get(0);
    }

    public List<BackendProcess> servers() {
        return memcached;
    }

    public BackendProcess server(int configIndex) {
        return memcached.get(configIndex);
    }

    /** The config-order index of the server that {@code key} routes to now. */
    public int serverOf(String key) {
        byte[] bytes = MemcacheWire.ascii(key);
        ServerPool routing = routing();
        return routing.configIndex(routing.route(bytes));
    }

    /** A new raw connection to the proxy. */
    public MemcacheWire client() throws IOException {
        return new MemcacheWire(listenPort);
    }

    /** A new raw connection straight to memcached number {@code configIndex}. */
    public MemcacheWire direct(int configIndex) throws IOException {
        return new MemcacheWire(memcached.get(configIndex).port());
    }

    /** Empties every memcached (directly, not through the proxy, which does not forward flush_all). */
    public void flushAll() throws IOException {
        for (int i = 0; i < memcached.size(); i++) {
            try (MemcacheWire direct = direct(i)) {
                direct.send("flush_all\r\n").expect("OK\r\n");
            }
        }
    }

    /** The stats document from the stats port, as an operator would read it. */
    public String stats() throws IOException {
        return stats(proxy.statsPort());
    }

    /** The one document the stats port at {@code port} serves. */
    public static String stats(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        if (proxy != null) {
            proxy.close();
        }
        memcached.forEach(BackendProcess::close);
    }
}
