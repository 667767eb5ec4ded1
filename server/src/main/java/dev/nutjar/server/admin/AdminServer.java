package dev.nutjar.server.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nutjar.server.proxy.Proxy;
import dev.nutjar.server.reload.ReloadResult;
import dev.nutjar.server.stats.ProcessStat;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP port: {@code /metrics}, {@code /live}, {@code /ready}, {@code /drain},
 * {@code /reload}, {@code /stats}. The JDK's HTTP server on one thread of its own: nothing here
 * runs on an event loop, and a scrape only reads the loops' counters.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final Proxy proxy;
    private final HttpServer http;
    private final ExecutorService thread;

    private AdminServer(Proxy proxy, HttpServer http, ExecutorService thread) {
        this.proxy = proxy;
        this.http = http;
        this.thread = thread;
    }

    /**
     * Binds {@code host:port} and serves it on a thread of its own.
     *
     * @param port 0 for any free port; {@link #address()} tells which
     */
    public static AdminServer start(Proxy proxy, String host, int port) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 64);
        ExecutorService thread = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "nutjar-admin");
            t.setDaemon(true);
            return t;
        });
        AdminServer admin = new AdminServer(proxy, http, thread);
        http.createContext("/", admin::handle);
        http.setExecutor(thread);
        http.start();
        return admin;
    }

    /** The address bound. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            switch (path) {
                case "/metrics" -> {
                    if (allow(exchange, method, "GET")) {
                        metrics(exchange);
                    }
                }
                case "/live" -> {
                    if (allow(exchange, method, "GET")) {
                        reply(exchange, 200, "text/plain; charset=utf-8", "live\n");
                    }
                }
                case "/ready" -> {
                    if (allow(exchange, method, "GET")) {
                        boolean ready = proxy.ready();
                        reply(exchange, ready ? 200 : 503, "text/plain; charset=utf-8",
                                ready ? "ready\n" : proxy.draining() ? "draining\n" : "starting\n");
                    }
                }
                case "/drain" -> {
                    if (allow(exchange, method, "POST")) {
                        log.warn("drain requested from {}", exchange.getRemoteAddress());
                        proxy.drain();
                        reply(exchange, 200, "text/plain; charset=utf-8",
                                "draining: listeners closed; each client closes after its last reply\n");
                    }
                }
                case "/reload" -> {
                    if (allow(exchange, method, "POST")) {
                        String query = exchange.getRequestURI().getQuery();
                        boolean force = query != null && query.matches("(.*&)?force(=(1|true))?(&.*)?");
                        log.warn("reload requested from {}{}", exchange.getRemoteAddress(), force ? " (forced)" : "");
                        ReloadResult result = proxy.reload(force);
                        reply(exchange, result.applied() ? 200 : 409, "text/plain; charset=utf-8",
                                String.join("\n", result.lines()) + "\n");
                    }
                }
                case "/stats" -> {
                    if (allow(exchange, method, "GET")) {
                        reply(exchange, 200, "application/json", proxy.statsDocument());
                    }
                }
                default -> reply(exchange, 404, "text/plain; charset=utf-8",
                        "not found: try /metrics, /live, /ready, /stats, POST /drain, POST /reload\n");
            }
        } catch (RuntimeException e) {
            log.warn("admin request {} failed: {}", exchange.getRequestURI(), e.toString());
            throw e;
        }
    }

    private void metrics(HttpExchange exchange) throws IOException {
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        boolean openMetrics = accept != null && accept.contains("application/openmetrics-text");
        String body = new PrometheusText(openMetrics).write(proxy.metrics(), ProcessMetrics.read(), proxy.ready(),
                proxy.processStat(ProcessStat.RELOADS), proxy.processStat(ProcessStat.RELOAD_FAILURES));
        reply(exchange, 200, openMetrics ? OPENMETRICS_TYPE : PROMETHEUS_TYPE, body);
    }

    private static boolean allow(HttpExchange exchange, String method, String allowed) throws IOException {
        if (method.equals(allowed) || (allowed.equals("GET") && method.equals("HEAD"))) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", allowed);
        reply(exchange, 405, "text/plain; charset=utf-8", "use " + allowed + "\n");
        return false;
    }

    private static void reply(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
        thread.shutdownNow();
    }
}
