package dev.nutjar.server.it;

import dev.nutjar.hash.HashFunctions;
import dev.nutjar.protocol.Protocols;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.config.ConfigLoader;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.proxy.Proxy;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import redis.clients.jedis.Jedis;

/** A Nutjar proxy started in-process with {@link Proxy#start} from a YAML text, with stats on a free port. */
final class TestProxy implements AutoCloseable {
    private final Proxy proxy;
    private final int port;

    private TestProxy(Proxy proxy, int port) {
        this.proxy = proxy;
        this.port = port;
    }

    /**
     * Starts a proxy for one pool named {@code pool} on a free port.
     *
     * @param poolBody the pool's YAML keys after {@code listen}, indented by two spaces
     */
    static TestProxy startPool(String pool, String poolBody, int threads) throws Exception {
        int port = BackendProcess.freePort();
        String yaml = pool + ":\n  listen: 127.0.0.1:" + port + "\n" + poolBody;
        return start(yaml, port, threads);
    }

    /** As {@link #startPool(String, String, int)}, with buffers of {@code mbufSize} bytes (nutcracker's {@code -m}). */
    static TestProxy startPool(String pool, String poolBody, int threads, int mbufSize) throws Exception {
        int port = BackendProcess.freePort();
        String yaml = pool + ":\n  listen: 127.0.0.1:" + port + "\n" + poolBody;
        return start(yaml, port, threads, mbufSize);
    }

    /** Starts a proxy for a whole configuration; {@code port} is the first pool's listen port. */
    static TestProxy start(String yaml, int port, int threads) throws Exception {
        return start(yaml, port, threads, Proxy.Options.DEFAULT_MBUF_SIZE);
    }

    private static TestProxy start(String yaml, int port, int threads, int mbufSize) throws Exception {
        NutjarConfig config = ConfigLoader.withInstalledProviders().parse(yaml, "test.yml");
        Proxy proxy = Proxy.start(config, new Proxy.Options(threads, "127.0.0.1", 0, 0, 512L * 1024 * 1024,
                HashFunctions.registry(), Distributions.registry(), Protocols.registry(), mbufSize));
        return new TestProxy(proxy, port);
    }

    int port() {
        return port;
    }

    Proxy proxy() {
        return proxy;
    }

    /** The first pool's routing. */
    ServerPool routing() {
        return proxy.routing().get(0);
    }

    /** The server the first pool routes {@code key} to now. */
    ServerSpec serverOf(String key) {
        ServerPool routing = routing();
        return routing.server(routing.route(key.getBytes(StandardCharsets.UTF_8)));
    }

    /** A Jedis connection to the proxy. */
    Jedis jedis() {
        return new Jedis("127.0.0.1", port, 10_000);
    }

    /** The stats document as the stats port serves it. */
    String statsText() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", proxy.statsPort())) {
            socket.setSoTimeout(5000);
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The stats document, parsed. */
    Map<String, Object> stats() throws IOException {
        return Json.object(Json.parse(statsText()));
    }

    /** A pool's stats. */
    Map<String, Object> poolStats(String pool) throws IOException {
        return Json.object(stats().get(pool));
    }

    /** A numeric field of a pool, or of one of its servers when {@code server} is not null. */
    long stat(String pool, String server, String field) throws IOException {
        Map<String, Object> stats = poolStats(pool);
        if (server != null) {
            stats = Json.object(stats.get(server));
        }
        Object value = stats.get(field);
        if (!(value instanceof Long number)) {
            throw new AssertionError("no numeric field '" + field + "' in " + stats);
        }
        return number;
    }

    @Override
    public void close() {
        proxy.close();
    }
}
