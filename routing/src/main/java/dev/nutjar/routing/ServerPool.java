package dev.nutjar.routing;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctions;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.slf4j.LoggerFactory;

/**
 * The protocol-neutral routing core of one pool: which server a key goes to, and which servers
 * are live. It routes exactly as nutcracker 0.5 does.
 *
 * <p>Servers are identified by their <em>server index</em>: the position in {@link #servers()},
 * which is twemproxy's sorted order ({@link ServerSpec#TWEMPROXY_ORDER}), not the order of the
 * configuration; {@link #configIndex} and {@link #serverIndex} translate.
 *
 * <p>Routing a key: hash tag, then the hash function (an empty key hashes to 0 without calling it),
 * then the distribution over the live servers. A pool of one server does not hash at all.
 *
 * <p>Liveness, with {@code auto_eject_hosts}: {@link #recordFailure} counts consecutive failures
 * and {@link #recordSuccess} resets the count; at {@code server_failure_limit} the server leaves
 * the ring for {@code server_retry_timeout}. Servers return lazily: the first route after the
 * earliest retry time brings back every server whose time has come. Without
 * {@code auto_eject_hosts} nothing is ever ejected.
 *
 * <p>Thread-safe. The ring is an immutable snapshot in a volatile field, replaced when a server
 * leaves or returns; routing reads it without locking and allocates nothing. Only ejection and
 * return take a lock.
 */
public final class ServerPool {

    /** What {@link #route} returns when no server is live. */
    public static final int NO_SERVER = -1;

    /** twemproxy's default {@code server_failure_limit}. */
    public static final int DEFAULT_SERVER_FAILURE_LIMIT = 2;

    /** twemproxy's default {@code server_retry_timeout}, in milliseconds. */
    public static final long DEFAULT_SERVER_RETRY_TIMEOUT_MILLIS = 30_000;

    private final String name;
    private final List<ServerSpec> servers;
    private final int[] configIndexByServer;
    private final int[] serverIndexByConfig;
    private final HashFunction hashFunction;
    private final Distribution distribution;
    private final HashTag hashTag;
    private final boolean autoEjectHosts;
    private final int serverFailureLimit;
    private final long serverRetryTimeoutMillis;
    private final Ticker ticker;
    private final Clock clock;
    private final Listener listener;

    /** Written without the lock by {@link #recordSuccess}, which runs on every reply. */
    private final AtomicIntegerArray consecutiveFailures;

    // Guarded by `lock`.
    private final Object lock = new Object();
    private final boolean[] ejected;
    private final long[] retryAtNanos;
    private final long[] ejectionCounts;
    private final long[] lastEjectedAtMicros;
    private long totalEjections;

    private volatile Ring ring;

    private ServerPool(Builder b, List<ServerSpec> sortedServers, int[] configIndexByServer) {
        this.name = b.name;
        this.servers = sortedServers;
        this.configIndexByServer = configIndexByServer;
        this.serverIndexByConfig = new int[configIndexByServer.length];
        for (int s = 0; s < configIndexByServer.length; s++) {
            serverIndexByConfig[configIndexByServer[s]] = s;
        }
        this.hashFunction = b.hashFunction != null ? b.hashFunction : HashFunctions.get(HashFunctions.DEFAULT);
        this.distribution = b.distribution != null ? b.distribution : Distributions.get(Distributions.DEFAULT);
        this.hashTag = b.hashTag;
        this.autoEjectHosts = b.autoEjectHosts;
        this.serverFailureLimit = b.serverFailureLimit;
        this.serverRetryTimeoutMillis = b.serverRetryTimeoutMillis;
        this.ticker = b.ticker;
        this.clock = b.clock;
        this.listener = b.listener;
        int n = sortedServers.size();
        this.consecutiveFailures = new AtomicIntegerArray(n);
        this.ejected = new boolean[n];
        this.retryAtNanos = new long[n];
        this.ejectionCounts = new long[n];
        this.lastEjectedAtMicros = new long[n];
        synchronized (lock) {
            this.ring = buildRing(ticker.nanos(), null);
        }
    }

    /** A builder for a pool called {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    // ---------------------------------------------------------------- routing

    /**
     * The server for the key {@code key[offset, offset + length)}.
     *
     * @return a server index, or {@link #NO_SERVER} when every server is ejected
     */
    public int route(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        Ring ring = currentRing();
        if (ring.selector == null) {
            return NO_SERVER;
        }
        if (configIndexByServer.length == 1) {
            return 0;
        }
        return ring.liveServers[ring.selector.select(hashChecked(key, offset, length))];
    }

    /** The server for the whole of {@code key}; see {@link #route(byte[], int, int)}. */
    public int route(byte[] key) {
        return route(key, 0, key.length);
    }

    /**
     * The server {@code key} goes to now, as the proxy would send it: what a client-side sharding
     * application asks.
     *
     * @param key the key's bytes
     * @return the server, or empty when every server is ejected
     */
    public Optional<ServerSpec> serverFor(byte[] key) {
        int server = route(key, 0, key.length);
        return server == NO_SERVER ? Optional.empty() : Optional.of(servers.get(server));
    }

    /**
     * The server the UTF-8 bytes of {@code key} go to now; see {@link #serverFor(byte[])}.
     *
     * @param key the key, encoded as UTF-8 as Redis and memcached clients send it
     * @return the server, or empty when every server is ejected
     */
    public Optional<ServerSpec> serverFor(String key) {
        return serverFor(key.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The hash the distribution sees for a key: of its hash tag's content when it has one,
     * 0 for the empty key. For diagnostics such as {@code nutjar locate}; note that a pool of one
     * server routes without hashing.
     *
     * @return an unsigned 32-bit value
     */
    public long hash(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        return hashChecked(key, offset, length);
    }

    /** {@link #hash(byte[], int, int)} of the whole array. */
    public long hash(byte[] key) {
        return hash(key, 0, key.length);
    }

    private long hashChecked(byte[] key, int offset, int length) {
        if (hashTag != null) {
            long span = hashTag.span(key, offset, length);
            offset = HashTag.spanOffset(span);
            length = HashTag.spanLength(span);
        }
        if (length == 0) {
            return 0;
        }
        return hashFunction.hash(key, offset, length) & 0xffffffffL;
    }

    /** The ring to route with, first bringing back servers whose retry time has passed. */
    private Ring currentRing() {
        Ring ring = this.ring;
        // The clock is read only while a server is out, as nutcracker does.
        if (ring.retryPending && ticker.nanos() - ring.earliestRetryNanos >= 0) {
            return returnServers();
        }
        return ring;
    }

    // ---------------------------------------------------------------- liveness

    /**
     * Counts one failure of {@code server}: a backend connection closed on error, EOF or timeout.
     * Only with {@code auto_eject_hosts}; the count reaching {@code server_failure_limit} ejects
     * the server, resets its count and rebuilds the ring at once.
     */
    public void recordFailure(int server) {
        Objects.checkIndex(server, configIndexByServer.length);
        if (!autoEjectHosts) {
            return;
        }
        List<Integer> returned;
        synchronized (lock) {
            // Atomic against the lock-free reset in recordSuccess.
            if (consecutiveFailures.incrementAndGet(server) < serverFailureLimit) {
                return;
            }
            consecutiveFailures.set(server, 0);
            long now = ticker.nanos();
            ejected[server] = true;
            retryAtNanos[server] = now + TimeUnit.MILLISECONDS.toNanos(serverRetryTimeoutMillis);
            ejectionCounts[server]++;
            totalEjections++;
            lastEjectedAtMicros[server] = epochMicros(clock.instant());
            returned = new ArrayList<>(0);
            ring = buildRing(now, returned);
        }
        notifyListener(server, returned);
    }

    /** Records a reply received from {@code server}: failures must be consecutive to eject. */
    public void recordSuccess(int server) {
        if (consecutiveFailures.get(server) != 0) {
            consecutiveFailures.set(server, 0);
        }
    }

    private Ring returnServers() {
        List<Integer> returned = new ArrayList<>();
        Ring current;
        synchronized (lock) {
            current = ring;
            long now = ticker.nanos();
            if (current.retryPending && now - current.earliestRetryNanos >= 0) {
                current = buildRing(now, returned);
                ring = current;
            }
        }
        notifyListener(NO_SERVER, returned);
        return current;
    }

    /** Brings back every ejected server whose retry time has passed, and builds a ring of the live. */
    private Ring buildRing(long now, List<Integer> returned) {
        int n = servers.size();
        List<ServerSpec> live = new ArrayList<>(n);
        int[] liveServers = new int[n];
        boolean[] ejectedNow = new boolean[n];
        boolean retryPending = false;
        long earliestRetry = 0;
        for (int s = 0; s < n; s++) {
            if (ejected[s] && now - retryAtNanos[s] >= 0) {
                ejected[s] = false;
                returned.add(s);
            }
            if (ejected[s]) {
                ejectedNow[s] = true;
                if (!retryPending || retryAtNanos[s] - earliestRetry < 0) {
                    earliestRetry = retryAtNanos[s];
                }
                retryPending = true;
            } else {
                liveServers[live.size()] = s;
                live.add(servers.get(s));
            }
        }
        Distribution.Selector selector = live.isEmpty() ? null : distribution.newSelector(live);
        return new Ring(Arrays.copyOf(liveServers, live.size()), ejectedNow, selector, retryPending, earliestRetry);
    }

    private void notifyListener(int ejectedServer, List<Integer> returned) {
        if (listener == null) {
            return;
        }
        try {
            if (ejectedServer != NO_SERVER) {
                listener.serverEjected(this, ejectedServer);
            }
            for (int server : returned) {
                listener.serverReturned(this, server);
            }
        } catch (RuntimeException e) {
            // A listener only observes; its failure must not fail routing.
            LoggerFactory.getLogger(ServerPool.class).warn("pool '{}': ring listener {} failed", name, listener, e);
        }
    }

    private static long epochMicros(Instant instant) {
        return TimeUnit.SECONDS.toMicros(instant.getEpochSecond()) + instant.getNano() / 1000;
    }

    // ---------------------------------------------------------------- state, for stats

    /** Whether {@code server} is off the ring now. A server whose retry time passed stays out until the next route. */
    public boolean isEjected(int server) {
        return ring.ejected[server];
    }

    /** The number of servers on the ring now. */
    public int liveServerCount() {
        return ring.liveServers.length;
    }

    /** The current count of consecutive failures of {@code server}. */
    public int consecutiveFailures(int server) {
        return consecutiveFailures.get(server);
    }

    /** How many times any server of this pool was ejected: twemproxy's pool stat {@code server_ejects}. */
    public long ejectionCount() {
        synchronized (lock) {
            return totalEjections;
        }
    }

    /** How many times {@code server} was ejected. */
    public long ejectionCount(int server) {
        Objects.checkIndex(server, ejectionCounts.length);
        synchronized (lock) {
            return ejectionCounts[server];
        }
    }

    /**
     * When {@code server} was last ejected, in microseconds since the epoch, or 0 if never:
     * twemproxy's server stat {@code server_ejected_at}.
     */
    public long lastEjectedAtMicros(int server) {
        Objects.checkIndex(server, lastEjectedAtMicros.length);
        synchronized (lock) {
            return lastEjectedAtMicros[server];
        }
    }

    // ---------------------------------------------------------------- configuration

    /** The pool's name. */
    public String name() {
        return name;
    }

    /** The servers in twemproxy's sorted order; a server index is a position in this list. */
    public List<ServerSpec> servers() {
        return servers;
    }

    /** The server at {@code server} index. */
    public ServerSpec server(int server) {
        return servers.get(server);
    }

    /** The position in the configuration's {@code servers:} list of the server at {@code server} index. */
    public int configIndex(int server) {
        return configIndexByServer[server];
    }

    /** The server index of the {@code configIndex}-th entry of the configuration's {@code servers:} list. */
    public int serverIndex(int configIndex) {
        return serverIndexByConfig[configIndex];
    }

    /** The hash function. */
    public HashFunction hashFunction() {
        return hashFunction;
    }

    /** The distribution. */
    public Distribution distribution() {
        return distribution;
    }

    /** The hash tag, if the pool has one. */
    public Optional<HashTag> hashTag() {
        return Optional.ofNullable(hashTag);
    }

    /** Whether failing servers are taken off the ring ({@code auto_eject_hosts}). */
    public boolean autoEjectHosts() {
        return autoEjectHosts;
    }

    /** Consecutive failures that eject a server ({@code server_failure_limit}); 0 acts as 1. */
    public int serverFailureLimit() {
        return serverFailureLimit;
    }

    /** How long an ejected server stays out, in milliseconds ({@code server_retry_timeout}). */
    public long serverRetryTimeoutMillis() {
        return serverRetryTimeoutMillis;
    }

    @Override
    public String toString() {
        Ring ring = this.ring;
        return "ServerPool{" + name + ": " + servers.size() + " servers, " + ring.liveServers.length + " live, "
                + hashFunction.name() + ", " + distribution.name() + (hashTag != null ? ", hash_tag " + hashTag : "")
                + "}";
    }

    /** An immutable routing snapshot. */
    private static final class Ring {
        /** Selector index to server index. */
        final int[] liveServers;
        /** By server index. */
        final boolean[] ejected;
        /** Null when no server is live. */
        final Distribution.Selector selector;
        final boolean retryPending;
        /** Ticker time at which the first ejected server may return; meaningful if retryPending. */
        final long earliestRetryNanos;

        Ring(int[] liveServers, boolean[] ejected, Distribution.Selector selector, boolean retryPending,
                long earliestRetryNanos) {
            this.liveServers = liveServers;
            this.ejected = ejected;
            this.selector = selector;
            this.retryPending = retryPending;
            this.earliestRetryNanos = earliestRetryNanos;
        }
    }

    /**
     * Told when servers leave or rejoin the ring, for logging. Called on the thread that caused the
     * change, after the new ring is in place and outside any lock; it should return quickly.
     */
    public interface Listener {
        /** {@code server} was ejected after {@code server_failure_limit} consecutive failures. */
        default void serverEjected(ServerPool pool, int server) {}

        /** {@code server} is back on the ring, its retry time having passed. */
        default void serverReturned(ServerPool pool, int server) {}
    }

    /** Builds a {@link ServerPool}; every setting but the servers has twemproxy's default. */
    public static final class Builder {
        private final String name;
        private List<ServerSpec> servers;
        private HashFunction hashFunction;
        private Distribution distribution;
        private HashTag hashTag;
        private boolean autoEjectHosts;
        private int serverFailureLimit = DEFAULT_SERVER_FAILURE_LIMIT;
        private long serverRetryTimeoutMillis = DEFAULT_SERVER_RETRY_TIMEOUT_MILLIS;
        private Ticker ticker = Ticker.system();
        private Clock clock = Clock.systemUTC();
        private Listener listener;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** The servers, in configuration order (required, at least one). */
        public Builder servers(List<ServerSpec> servers) {
            this.servers = List.copyOf(servers);
            return this;
        }

        /** The key hash function; default {@code fnv1a_64} from {@link HashFunctions#registry()}. */
        public Builder hashFunction(HashFunction hashFunction) {
            this.hashFunction = Objects.requireNonNull(hashFunction, "hashFunction");
            return this;
        }

        /** The distribution; default {@code ketama} from {@link Distributions#registry()}. */
        public Builder distribution(Distribution distribution) {
            this.distribution = Objects.requireNonNull(distribution, "distribution");
            return this;
        }

        /** The hash tag, or null for none (the default). */
        public Builder hashTag(HashTag hashTag) {
            this.hashTag = hashTag;
            return this;
        }

        /** {@code auto_eject_hosts}; default false. */
        public Builder autoEjectHosts(boolean autoEjectHosts) {
            this.autoEjectHosts = autoEjectHosts;
            return this;
        }

        /** {@code server_failure_limit}, at least 0 (0 acts as 1); default 2. */
        public Builder serverFailureLimit(int serverFailureLimit) {
            if (serverFailureLimit < 0) {
                throw new IllegalArgumentException("serverFailureLimit must be >= 0 (was: " + serverFailureLimit + ")");
            }
            this.serverFailureLimit = serverFailureLimit;
            return this;
        }

        /** {@code server_retry_timeout} in milliseconds, at least 0; default 30000. */
        public Builder serverRetryTimeoutMillis(long serverRetryTimeoutMillis) {
            if (serverRetryTimeoutMillis < 0) {
                throw new IllegalArgumentException(
                        "serverRetryTimeoutMillis must be >= 0 (was: " + serverRetryTimeoutMillis + ")");
            }
            this.serverRetryTimeoutMillis = serverRetryTimeoutMillis;
            return this;
        }

        /** The monotonic time behind ejection and retry; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** The wall clock that stamps {@link ServerPool#lastEjectedAtMicros}; default UTC system time. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Told when servers leave or rejoin the ring; default none. */
        public Builder listener(Listener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * Sorts the servers into twemproxy's order and builds the pool with every server live.
         *
         * @throws IllegalArgumentException when there is no server, when two servers have the same
         *     name, or when the distribution rejects the servers
         */
        public ServerPool build() {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("pool name must not be empty (was: '')");
            }
            if (servers == null || servers.isEmpty()) {
                throw new IllegalArgumentException("pool '" + name + "' must have at least one server (was: none)");
            }
            int n = servers.size();
            byte[][] names = new byte[n][];
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                names[i] = servers.get(i).nameBytes();
                order[i] = i;
            }
            // Stable, as glibc's qsort is: equal names keep configuration order.
            Comparator<Integer> byName = (a, b) -> ServerSpec.compareNames(names[a], names[b]);
            Arrays.sort(order, byName);
            List<ServerSpec> sorted = new ArrayList<>(n);
            int[] configIndexByServer = new int[n];
            for (int s = 0; s < n; s++) {
                if (s > 0 && byName.compare(order[s - 1], order[s]) == 0) {
                    ServerSpec first = servers.get(order[s - 1]);
                    throw new IllegalArgumentException("servers have the same name '" + first.name() + "': '"
                            + first.entry() + "' and '" + servers.get(order[s]).entry() + "'");
                }
                configIndexByServer[s] = order[s];
                sorted.add(servers.get(order[s]));
            }
            return new ServerPool(this, List.copyOf(sorted), configIndexByServer);
        }
    }
}
