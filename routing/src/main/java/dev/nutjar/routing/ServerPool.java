package dev.nutjar.routing;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctions;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
 * <p>Which servers are live is its {@link ServerLiveness} ({@link #liveness()}): the ring holds
 * the live servers only, and is rebuilt when they change. The liveness methods here delegate to it.
 *
 * <p>Thread-safe. The ring is an immutable snapshot in a volatile field, replaced when the live
 * set changes; routing reads it without locking and allocates nothing.
 *
 * <p>Over 350 lines because it is the library's entry point: a third of it is the
 * {@link Builder} and the configuration's accessors.
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
    private final ServerLiveness liveness;

    /** Built for the live set it holds; rebuilt by the first route that sees another. */
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
        this.liveness = new ServerLiveness(sortedServers.size(), autoEjectHosts, serverFailureLimit,
                serverRetryTimeoutMillis, b.ticker, b.clock, new ListenerOfPool(b.listener));
        if (b.previous != null) {
            liveness.inherit(b.previous.liveness, previousIndexes(b.previous));
        }
        this.ring = buildRing(liveness.current());
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
        return ring.live.liveServers[ring.selector.select(hashChecked(key, offset, length))];
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

    /** The ring of the live servers now (bringing back servers whose retry time has passed). */
    private Ring currentRing() {
        ServerLiveness.LiveSet live = liveness.current();
        Ring ring = this.ring;
        if (ring.live != live) {
            // Two threads may both build it; either ring is right for the live set it holds.
            ring = buildRing(live);
            this.ring = ring;
        }
        return ring;
    }

    private Ring buildRing(ServerLiveness.LiveSet live) {
        List<ServerSpec> liveServers = new ArrayList<>(live.liveServers.length);
        for (int server : live.liveServers) {
            liveServers.add(servers.get(server));
        }
        return new Ring(live, liveServers.isEmpty() ? null : distribution.newSelector(liveServers));
    }

    /**
     * Per server of this pool, the index of the same server ({@link KeySpaceDiff#sameServer}: same
     * name and address) in {@code previous}, or -1 when it is new.
     */
    public int[] previousIndexes(ServerPool previous) {
        int[] index = new int[servers.size()];
        for (int s = 0; s < index.length; s++) {
            index[s] = -1;
            for (int o = 0; o < previous.servers.size(); o++) {
                if (KeySpaceDiff.sameServer(servers.get(s), previous.servers.get(o))) {
                    index[s] = o;
                    break;
                }
            }
        }
        return index;
    }

    /** The distribution's selector over every server, as if all were live: the configured ring. */
    Distribution.Selector configuredSelector() {
        return distribution.newSelector(servers);
    }

    // ---------------------------------------------------------------- liveness

    /** Which servers are live: failures, ejections, returns. */
    public ServerLiveness liveness() {
        return liveness;
    }

    /** See {@link ServerLiveness#recordFailure}. */
    public void recordFailure(int server) {
        liveness.recordFailure(server);
    }

    /** See {@link ServerLiveness#recordSuccess}. */
    public void recordSuccess(int server) {
        liveness.recordSuccess(server);
    }

    /** Whether {@code server} is off the ring now. A server whose retry time passed stays out until the next route. */
    public boolean isEjected(int server) {
        return liveness.isEjected(server);
    }

    /** The number of servers on the ring now. */
    public int liveServerCount() {
        return liveness.liveServerCount();
    }

    /** The current count of consecutive failures of {@code server}. */
    public int consecutiveFailures(int server) {
        return liveness.consecutiveFailures(server);
    }

    /** How many times any server of this pool was ejected: twemproxy's pool stat {@code server_ejects}. */
    public long ejectionCount() {
        return liveness.ejectionCount();
    }

    /** How many times {@code server} was ejected. */
    public long ejectionCount(int server) {
        return liveness.ejectionCount(server);
    }

    /**
     * When {@code server} was last ejected, in microseconds since the epoch, or 0 if never:
     * twemproxy's server stat {@code server_ejected_at}.
     */
    public long lastEjectedAtMicros(int server) {
        return liveness.lastEjectedAtMicros(server);
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
        return "ServerPool{" + name + ": " + servers.size() + " servers, " + liveness.liveServerCount() + " live, "
                + hashFunction.name() + ", " + distribution.name() + (hashTag != null ? ", hash_tag " + hashTag : "")
                + "}";
    }

    /** An immutable routing snapshot: a live set and the distribution's selector over it. */
    private static final class Ring {
        final ServerLiveness.LiveSet live;
        /** Null when no server is live. */
        final Distribution.Selector selector;

        Ring(ServerLiveness.LiveSet live, Distribution.Selector selector) {
            this.live = live;
            this.selector = selector;
        }
    }

    /** Tells the pool's {@link Listener}, whose failure must not fail routing. */
    private final class ListenerOfPool implements ServerLiveness.Listener {
        private final Listener listener;

        ListenerOfPool(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void serverEjected(int server) {
            tell(server, true);
        }

        @Override
        public void serverReturned(int server) {
            tell(server, false);
        }

        private void tell(int server, boolean ejected) {
            if (listener == null) {
                return;
            }
            try {
                if (ejected) {
                    listener.serverEjected(ServerPool.this, server);
                } else {
                    listener.serverReturned(ServerPool.this, server);
                }
            } catch (RuntimeException e) {
                // A listener only observes; its failure must not fail routing.
                LoggerFactory.getLogger(ServerPool.class).warn("pool '{}': ring listener {} failed", name, listener, e);
            }
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
        private ServerPool previous;

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
         * The same pool before a reload: the servers that stay (same name and address) keep their
         * liveness, ejected ones stay out until their retry time; default none, every server live.
         */
        public Builder inheritLiveness(ServerPool previous) {
            this.previous = previous;
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
