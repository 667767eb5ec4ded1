package dev.nutjar.server;

import dev.nutjar.routing.ServerPool;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.config.PoolConfig;
import dev.nutjar.server.proxy.Proxy;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A proxy running in this JVM, started by {@link Nutjar#builder()} through the same
 * {@link ProxyRunner} as the {@code nutjar} command: where each pool and the stats port are bound,
 * and each pool's routing. {@link #close()} stops accepting, lets the requests in flight finish
 * (up to {@link ProxyRunner#SHUTDOWN_GRACE_MILLIS}) and closes every connection. Thread-safe.
 */
public final class EmbeddedProxy implements AutoCloseable {
    private final ProxyRunner runner;
    private final Proxy proxy;
    private final Map<String, SocketAddress> addresses = new LinkedHashMap<>();
    private final Map<String, ServerPool> routing = new LinkedHashMap<>();
    private final InetSocketAddress statsAddress;
    private final AtomicBoolean closed = new AtomicBoolean();

    EmbeddedProxy(NutjarConfig config, ProxyRunner runner, Proxy proxy, String statsHost) {
        this.runner = runner;
        this.proxy = proxy;
        List<PoolConfig> pools = config.poolsInFileOrder();
        List<SocketAddress> bound = proxy.listenAddresses();
        for (int i = 0; i < pools.size(); i++) {
            addresses.put(pools.get(i).name(), bound.get(i));
            routing.put(pools.get(i).name(), proxy.routing().get(i));
        }
        this.statsAddress = proxy.statsPort() < 0 ? null : new InetSocketAddress(statsHost, proxy.statsPort());
    }

    /**
     * Where pool {@code pool} listens, as bound: for {@code listen: 127.0.0.1:0}, the port the
     * system chose.
     *
     * @param pool the pool's name
     * @return the TCP address clients connect to
     * @throws IllegalArgumentException when there is no such pool, or it listens on a unix socket
     */
    public InetSocketAddress address(String pool) {
        SocketAddress address = listenAddress(pool);
        if (!(address instanceof InetSocketAddress inet)) {
            throw new IllegalArgumentException("pool '" + pool + "' listens on a unix socket: " + address);
        }
        return inet;
    }

    /**
     * Where pool {@code pool} listens, as bound: an {@link InetSocketAddress}, or Netty's
     * {@code DomainSocketAddress} for a unix socket.
     *
     * @param pool the pool's name
     * @return the address clients connect to
     * @throws IllegalArgumentException when there is no such pool
     */
    public SocketAddress listenAddress(String pool) {
        SocketAddress address = addresses.get(pool);
        if (address == null) {
            throw new IllegalArgumentException("no pool '" + pool + "' (pools: " + addresses.keySet() + ")");
        }
        return address;
    }

    /**
     * Every pool's bound address, by pool name in file order.
     *
     * @return an unmodifiable map
     */
    public Map<String, SocketAddress> listenAddresses() {
        return java.util.Collections.unmodifiableMap(addresses);
    }

    /**
     * Where the stats document is served, when {@link Nutjar.Builder#stats} asked for it.
     *
     * @return the stats listener's address, or empty
     */
    public Optional<InetSocketAddress> statsAddress() {
        return Optional.ofNullable(statsAddress);
    }

    /**
     * Where the admin HTTP port listens, when {@link Nutjar.Builder#admin} asked for it: for port 0,
     * the port the system chose.
     *
     * @return the admin port's address, or empty
     */
    public Optional<InetSocketAddress> adminAddress() {
        return Optional.ofNullable(proxy.adminAddress());
    }

    /**
     * Whether every listener is bound and the proxy is not draining, as {@code GET /ready} answers.
     *
     * @return true when ready
     */
    public boolean ready() {
        return proxy.ready();
    }

    /**
     * As {@code POST /drain}: stops accepting, and closes each client once what it sent is
     * answered. Returns at once; {@link #close()} then stops the proxy.
     */
    public void drain() {
        proxy.drain();
    }

    /**
     * The stats document as the stats port would serve it now (twemproxy's JSON).
     *
     * @return the document
     */
    public String stats() {
        return proxy.statsDocument();
    }

    /**
     * The routing of pool {@code pool}: where the proxy sends a key now, which servers are ejected.
     *
     * @param pool the pool's name
     * @return the pool's routing
     * @throws IllegalArgumentException when there is no such pool
     */
    public ServerPool routing(String pool) {
        listenAddress(pool);
        return routing.get(pool);
    }

    /** Stops accepting, lets requests in flight finish, then closes every connection; once. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        runner.requestStop();
        runner.awaitStopAndShutdown();
    }
}
