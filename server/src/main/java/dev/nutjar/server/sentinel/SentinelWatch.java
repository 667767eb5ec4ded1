package dev.nutjar.server.sentinel;

import dev.nutjar.server.config.SentinelSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the masters of one Sentinel pool are, as its sentinels say: asked at start
 * ({@code SENTINEL get-master-addr-by-name}, any sentinel that answers), told by every sentinel's
 * {@code +switch-master} messages (one subscribed connection each, reconnecting), asked again
 * every poll interval and whenever {@link #askAgain} is called (a server found not to be a master,
 * a {@code -READONLY} reply, a failed connection). A change of address is logged and reported to
 * the {@link #onChange} listener, which closes the connections to the old one.
 *
 * <p>Runs on threads of its own, never on an event loop: the loops only read {@link #address}
 * when they open a connection. A dead sentinel delays nothing but its own thread.
 */
public final class SentinelWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SentinelWatch.class);

    /** How long a sentinel has to accept a connection or answer. */
    static final int TIMEOUT_MILLIS = 1_000;
    /** How long a subscribed connection stays quiet before it is pinged, and then given up. */
    static final int QUIET_MILLIS = 5_000;
    /** The wait before connecting again to a sentinel that failed. */
    static final long RECONNECT_DELAY_MILLIS = 500;
    /** The least time between two rounds of asking: many connections failing at once ask once. */
    static final long MIN_ASK_INTERVAL_MILLIS = 50;
    static final String SWITCH_MASTER = "+switch-master";

    private final String pool;
    private final List<String> sentinels;
    private final List<String> masters;
    private final int pollIntervalMillis;
    private final Map<String, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    private final Set<SentinelConnection> open = ConcurrentHashMap.newKeySet();
    /** The masters no sentinel knew at the last round, warned about once. */
    private final Set<String> unknownWarned = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new ArrayList<>();
    private final Object asks = new Object();
    private boolean askPending;
    private volatile Runnable onChange = () -> { };
    private volatile boolean closed;
    /** The sentinel asked first: the last one that answered. */
    private volatile int preferred;

    private SentinelWatch(String pool, SentinelSettings settings, List<String> masters) {
        this.pool = pool;
        this.sentinels = settings.sentinels();
        this.masters = List.copyOf(masters);
        this.pollIntervalMillis = settings.pollIntervalMillis();
    }

    /**
     * Asks the sentinels where every master is, then keeps watching. Returns once every master
     * is known or every sentinel was tried; a master no sentinel knows yet is asked for again.
     *
     * @param masters the masters' Sentinel names: the pool's server names
     * @param previous the watch of the pool's previous generation, whose addresses are known
     *     until asked again; null for none
     */
    public static SentinelWatch start(String pool, SentinelSettings settings, List<String> masters,
            SentinelWatch previous) {
        SentinelWatch watch = new SentinelWatch(pool, settings, masters);
        if (previous != null) {
            for (String master : watch.masters) {
                InetSocketAddress known = previous.addresses.get(master);
                if (known != null) {
                    watch.addresses.put(master, known);
                }
            }
        }
        watch.askAll();
        for (String sentinel : watch.sentinels) {
            watch.thread("nutjar-sentinel-" + pool + "-" + sentinel, () -> watch.subscribe(sentinel));
        }
        watch.thread("nutjar-sentinel-" + pool + "-poll", watch::poll);
        return watch;
    }

    private void thread(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    /** The master's address as last heard, or null when no sentinel has said yet. */
    public SocketAddress address(String master) {
        return addresses.get(master);
    }

    /** The masters' addresses as last heard, {@code host:port} by name; for the log and the admin port. */
    public Map<String, String> addresses() {
        Map<String, String> out = new java.util.TreeMap<>();
        addresses.forEach((master, address) -> out.put(master, describe(address)));
        return out;
    }

    /**
     * Calls {@code listener}, on a thread of this watch, after a master's address changed; and once
     * now, for the changes heard before it was set.
     */
    public void onChange(Runnable listener) {
        this.onChange = listener;
        changed();
    }

    private void changed() {
        try {
            onChange.run();
        } catch (RuntimeException e) {
            // The proxy is stopping: its loops take no more tasks.
            log.debug("pool '{}': a change of master could not be passed on: {}", pool, e.toString());
        }
    }

    /** Asks every master's address again soon, on the watch's thread; returns at once. */
    public void askAgain() {
        synchronized (asks) {
            askPending = true;
            asks.notifyAll();
        }
    }

    // ---------------------------------------------------------------- asking

    private void poll() {
        while (!closed) {
            synchronized (asks) {
                long waitUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pollIntervalMillis);
                while (!askPending && !closed) {
                    long left = TimeUnit.NANOSECONDS.toMillis(waitUntil - System.nanoTime());
                    if (pollIntervalMillis > 0 && left <= 0) {
                        break;
                    }
                    try {
                        asks.wait(pollIntervalMillis > 0 ? left : 0);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                askPending = false;
            }
            if (closed) {
                return;
            }
            askAll();
            sleep(MIN_ASK_INTERVAL_MILLIS);
        }
    }

    /**
     * Asks the sentinels in turn, from the last one that answered, for every master, until one has
     * answered for each; one connection per sentinel per round.
     */
    private void askAll() {
        boolean changed = false;
        List<String> unknown = new ArrayList<>(masters);
        int first = preferred;
        for (int i = 0; i < sentinels.size() && !unknown.isEmpty() && !closed; i++) {
            int index = (first + i) % sentinels.size();
            String sentinel = sentinels.get(index);
            SentinelConnection connection = null;
            try {
                connection = opened(new SentinelConnection(sentinel, TIMEOUT_MILLIS));
                for (var it = unknown.iterator(); it.hasNext(); ) {
                    String master = it.next();
                    Object reply = connection.call("SENTINEL", "get-master-addr-by-name", master);
                    if (reply instanceof List<?> hostPort && hostPort.size() == 2) {
                        it.remove();
                        changed |= moved(master, (String) hostPort.get(0), (String) hostPort.get(1), sentinel);
                    } else {
                        log.debug("pool '{}': sentinel {} does not know master '{}': {}", pool, sentinel, master,
                                reply);
                    }
                }
                preferred = index;
            } catch (IOException | RuntimeException e) {
                log.debug("pool '{}': sentinel {} did not answer: {}", pool, sentinel, e.toString());
            } finally {
                release(connection);
            }
        }
        unknownWarned.retainAll(unknown);
        for (String master : unknown) {
            if (!addresses.containsKey(master) && !closed && unknownWarned.add(master)) {
                log.warn("pool '{}': no sentinel knows where master '{}' is; its requests fail until one does",
                        pool, master);
            }
        }
        if (changed) {
            changed();
        }
    }

    /** Records the master's address; whether it changed. */
    private boolean moved(String master, String host, String port, String sentinel) {
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(host, Integer.parseInt(port));
        } catch (IllegalArgumentException e) {
            log.warn("pool '{}': sentinel {} gave a bad address for master '{}': {}:{}", pool, sentinel, master, host,
                    port);
            return false;
        }
        InetSocketAddress before = addresses.put(master, address);
        if (address.equals(before)) {
            return false;
        }
        if (before == null) {
            log.info("pool '{}': master '{}' is at {} (sentinel {})", pool, master, describe(address), sentinel);
        } else {
            log.info("pool '{}': master '{}' moved from {} to {} (sentinel {})", pool, master, describe(before),
                    describe(address), sentinel);
        }
        return true;
    }

    private static String describe(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    // ---------------------------------------------------------------- +switch-master

    /** Listens to one sentinel's {@code +switch-master} messages, connecting again when cut off. */
    private void subscribe(String sentinel) {
        while (!closed) {
            SentinelConnection connection = null;
            try {
                connection = opened(new SentinelConnection(sentinel, TIMEOUT_MILLIS));
                connection.send("SUBSCRIBE", SWITCH_MASTER);
                connection.read();
                log.debug("pool '{}': subscribed to {} on sentinel {}", pool, SWITCH_MASTER, sentinel);
                // A switch may have happened while not subscribed.
                askAgain();
                listen(connection);
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    log.debug("pool '{}': sentinel {}: {}; connecting again", pool, sentinel, e.toString());
                }
            } finally {
                release(connection);
            }
            sleep(RECONNECT_DELAY_MILLIS);
        }
    }

    private void listen(SentinelConnection connection) throws IOException {
        connection.readTimeout(QUIET_MILLIS);
        boolean pinged = false;
        while (!closed) {
            Object message;
            try {
                message = connection.read();
            } catch (SocketTimeoutException e) {
                if (pinged) {
                    throw e;
                }
                connection.send("PING");
                pinged = true;
                continue;
            }
            pinged = false;
            if (message instanceof List<?> parts && parts.size() == 3 && "message".equals(parts.get(0))
                    && SWITCH_MASTER.equals(parts.get(1)) && parts.get(2) instanceof String text) {
                switchMaster(text, connection.sentinel());
            }
        }
    }

    /** {@code <master> <old host> <old port> <new host> <new port>}. */
    private void switchMaster(String text, String sentinel) {
        String[] words = text.split(" ");
        if (words.length != 5 || !masters.contains(words[0])) {
            return;
        }
        if (moved(words[0], words[3], words[4], sentinel)) {
            changed();
        }
    }

    private SentinelConnection opened(SentinelConnection connection) {
        open.add(connection);
        if (closed) {
            connection.close();
        }
        return connection;
    }

    private void release(SentinelConnection connection) {
        if (connection != null) {
            open.remove(connection);
            connection.close();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops watching: closes every connection to the sentinels and ends the threads. */
    @Override
    public void close() {
        closed = true;
        askAgain();
        for (Thread thread : threads) {
            thread.interrupt();
        }
        for (SentinelConnection connection : open) {
            connection.close();
        }
    }
}
