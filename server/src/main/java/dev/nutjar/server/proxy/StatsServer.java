package dev.nutjar.server.proxy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nutcracker's stats port: each connection gets one JSON document and is closed; input is
 * ignored. Served by its own thread, as in nutcracker, so it never touches the event loops.
 *
 * <p>The document is rebuilt at most once per stats interval ({@code -i}), like nutcracker's.
 */
public final class StatsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatsServer.class);

    private final ProxyServer proxy;
    private final long intervalMillis;
    private final ServerSocket socket;
    private final String source;
    private final Thread thread;
    private String cached;
    private long cachedAtMillis;
    private volatile boolean closed;

    StatsServer(ProxyServer proxy, String address, int port, long intervalMillis) throws IOException {
        this.proxy = proxy;
        this.intervalMillis = intervalMillis;
        this.source = hostname();
        this.socket = new ServerSocket();
        socket.setReuseAddress(true);
        try {
            socket.bind(new InetSocketAddress(InetAddress.getByName(address), port), 128);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot listen for stats on " + address + ":" + port + ": " + e.getMessage(), e);
        }
        this.thread = new Thread(this::serve, "nutjar-stats");
        thread.setDaemon(true);
        thread.start();
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return socket.getLocalPort();
    }

    private void serve() {
        while (!closed) {
            try (Socket client = socket.accept()) {
                OutputStream out = client.getOutputStream();
                out.write(document().getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                if (!closed) {
                    log.debug("stats client failed: {}", e.toString());
                }
            }
        }
    }

    /** The current document, rebuilt when older than the interval. */
    synchronized String document() {
        long now = System.currentTimeMillis();
        if (cached == null || now - cachedAtMillis >= intervalMillis) {
            cached = StatsReport.render(proxy, source, now);
            cachedAtMillis = now;
        }
        return cached;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("closing the stats socket: {}", e.toString());
        }
    }
}
