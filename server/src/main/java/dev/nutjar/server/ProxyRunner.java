package dev.nutjar.server;

import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.proxy.Proxy;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one proxy from start to a graceful stop, as the {@code nutjar} command does, with nothing
 * tied to the process: no signals, pid file, log file or exit status. Whoever owns the process
 * (the command line, an application embedding the proxy) decides what asks it to stop.
 */
public final class ProxyRunner {
    /** How long in-flight requests may take to finish once a stop is requested. */
    public static final long SHUTDOWN_GRACE_MILLIS = 5_000;

    private final NutjarConfig config;
    private final Proxy.Options options;
    private final Proxy.ConfigSource source;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile Proxy proxy;

    public ProxyRunner(NutjarConfig config, Proxy.Options options) {
        this(config, options, null);
    }

    /**
     * A runner whose proxy reloads from {@code source} ({@link Proxy#reload(boolean)}).
     *
     * @param source reads the configuration anew at each reload; null when it cannot be reloaded
     */
    public ProxyRunner(NutjarConfig config, Proxy.Options options, Proxy.ConfigSource source) {
        this.config = Objects.requireNonNull(config, "config");
        this.options = Objects.requireNonNull(options, "options");
        this.source = source;
    }

    /** The running proxy, or null before {@link #start()}. */
    public Proxy proxy() {
        return proxy;
    }

    /** Event loops when none are asked for: one per two cores, at least one. */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /**
     * Starts the proxy; returns it once every listener is bound.
     *
     * @throws IOException when a listener cannot be bound
     * @throws IllegalStateException when already started
     */
    public synchronized Proxy start() throws IOException {
        if (proxy != null) {
            throw new IllegalStateException("the proxy is started already");
        }
        Proxy started = Proxy.start(config, options);
        if (source != null) {
            started.reloadFrom(source);
        }
        proxy = started;
        return started;
    }

    /** Asks {@link #awaitStopAndShutdown} to return; safe from any thread (a signal handler), more than once. */
    public void requestStop() {
        stopRequested.countDown();
    }

    /**
     * Waits for {@link #requestStop} (or an interrupt), then stops accepting and lets the
     * requests in flight finish for up to {@link #SHUTDOWN_GRACE_MILLIS} before closing.
     *
     * @throws IllegalStateException when not started
     */
    public void awaitStopAndShutdown() {
        Proxy running = proxy;
        if (running == null) {
            throw new IllegalStateException("the proxy is not started");
        }
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running.shutdown(SHUTDOWN_GRACE_MILLIS);
    }
}
