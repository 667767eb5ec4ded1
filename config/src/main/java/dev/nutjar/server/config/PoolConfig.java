package dev.nutjar.server.config;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctions;
import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.HashTag;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.spi.ProviderRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One pool of a twemproxy configuration: every key twemproxy 0.5 knows, with its defaults filled
 * in. Values have been validated by {@link ConfigLoader}; the compact constructor re-checks only
 * the invariants code relies on.
 *
 * @param name the pool name, the top-level key
 * @param listen where clients connect ({@code listen}, required)
 * @param clientConnections {@code client_connections}, default 0. twemproxy 0.5 parses it and
 *     then ignores it
 * @param hash the hash function name ({@code hash}, default {@code fnv1a_64}); it resolves in the
 *     registry the configuration was loaded with
 * @param hashTag the two hash tag characters ({@code hash_tag}), or null for none
 * @param distribution the distribution name ({@code distribution}, default {@code ketama})
 * @param timeoutMillis {@code timeout} in milliseconds, or {@link #NO_TIMEOUT} when absent, 0 or -1
 * @param backlog the listen backlog ({@code backlog}, default 512)
 * @param tcpKeepalive SO_KEEPALIVE on accepted client sockets ({@code tcpkeepalive}, default false)
 * @param preconnect connect to every server at startup ({@code preconnect}, default false)
 * @param redis a Redis pool when true, memcached when false ({@code redis}, default false)
 * @param redisAuth the password sent as AUTH to backends ({@code redis_auth}), or null; only for a
 *     Redis pool. Never printed
 * @param redisDb the database selected on backend connections ({@code redis_db}, default 0)
 * @param serverConnections connections to each server ({@code server_connections}, default 1)
 * @param autoEjectHosts take failing servers off the ring ({@code auto_eject_hosts}, default false)
 * @param serverRetryTimeoutMillis how long an ejected server stays out
 *     ({@code server_retry_timeout}, default 30000)
 * @param serverFailureLimit consecutive failures before ejection ({@code server_failure_limit},
 *     default 2)
 * @param servers the backends in file order; see {@link #sortedServers()}
 * @param maxMoveFraction Nutjar's {@code max_move_fraction}: the largest share of the key space a
 *     reload may move to other servers of this pool unless forced; {@link #NO_MOVE_LIMIT} (1, the
 *     default) for no limit
 * @param redisUsername the ACL user the proxy authenticates to servers as ({@code redis_username}),
 *     or null for Redis's default user
 * @param redisServerAuth the password sent to servers instead of {@code redis_auth}
 *     ({@code redis_server_auth}), or null. Never printed
 * @param tls TLS for clients ({@code tls}), or null for plain text
 * @param serverTls TLS to every server ({@code server_tls}), or null for plain text
 * @param serverOptions per-server settings ({@code server_options}) by server name
 * @param redisCluster Nutjar's {@code redis_cluster}: the servers are seed nodes of a Redis
 *     Cluster, whose slot map places the keys (default false)
 * @param sentinel the sentinels of a Sentinel pool ({@code sentinels}), whose servers are named by
 *     their masters' names; null for a pool of fixed addresses
 * @param allowCommands Nutjar's {@code allow_commands}: the commands of {@link #OPT_IN_COMMANDS}
 *     this Redis pool accepts, in lower case; empty by default
 * @param dedicatedConnections Nutjar's {@code dedicated_connections}: the most backend connections
 *     this pool's clients may hold at once for pub/sub, transactions and blocking commands, over
 *     every event loop (default {@link #DEFAULT_DEDICATED_CONNECTIONS}; 0 refuses those commands)
 * @param readFrom Nutjar's {@code read_from}: in a Redis Cluster pool, which node of a slot answers
 *     the commands that only read (default {@link ReadFrom#MASTER}, the only value elsewhere)
 */
public record PoolConfig(
        String name,
        ListenAddress listen,
        int clientConnections,
        String hash,
        String hashTag,
        String distribution,
        int timeoutMillis,
        int backlog,
        boolean tcpKeepalive,
        boolean preconnect,
        boolean redis,
        String redisAuth,
        int redisDb,
        int serverConnections,
        boolean autoEjectHosts,
        int serverRetryTimeoutMillis,
        int serverFailureLimit,
        List<ServerSpec> servers,
        double maxMoveFraction,
        String redisUsername,
        String redisServerAuth,
        ClientTls tls,
        ServerTls serverTls,
        Map<String, ServerOptions> serverOptions,
        boolean redisCluster,
        SentinelSettings sentinel,
        Set<String> allowCommands,
        int dedicatedConnections,
        ReadFrom readFrom) {

    /**
     * The Redis commands refused unless a pool lists them in {@code allow_commands}: each reaches
     * every server of the pool, and blocks them all (keys) or empties them all (flushdb, flushall).
     */
    public static final List<String> OPT_IN_COMMANDS = List.of("flushall", "flushdb", "keys");

    /** {@link #timeoutMillis()} when requests wait for their backend for ever. */
    public static final int NO_TIMEOUT = -1;

    /** {@link #maxMoveFraction()} when a reload may move any share of the keys. */
    public static final double NO_MOVE_LIMIT = 1.0;

    public static final int DEFAULT_CLIENT_CONNECTIONS = 0;
    public static final String DEFAULT_HASH = "fnv1a_64";
    public static final String DEFAULT_DISTRIBUTION = "ketama";
    public static final int DEFAULT_BACKLOG = 512;
    public static final int DEFAULT_REDIS_DB = 0;
    public static final int DEFAULT_SERVER_CONNECTIONS = 1;
    public static final int DEFAULT_SERVER_RETRY_TIMEOUT_MILLIS = 30_000;
    public static final int DEFAULT_SERVER_FAILURE_LIMIT = 2;
    public static final int DEFAULT_DEDICATED_CONNECTIONS = 1024;

    public PoolConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(distribution, "distribution");
        servers = List.copyOf(servers);
        serverOptions = Map.copyOf(serverOptions);
        allowCommands = Set.copyOf(allowCommands);
        if (!OPT_IN_COMMANDS.containsAll(allowCommands)) {
            throw new IllegalArgumentException("allow_commands takes only " + OPT_IN_COMMANDS + " (was: "
                    + allowCommands + ")");
        }
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("pool '" + name + "' needs at least one server");
        }
        if (hashTag != null && hashTag.getBytes(StandardCharsets.UTF_8).length != 2) {
            throw new IllegalArgumentException("hash tag must be exactly two bytes (was: '" + hashTag + "')");
        }
        if (timeoutMillis < NO_TIMEOUT) {
            throw new IllegalArgumentException("timeout must be >= 0 or NO_TIMEOUT (was: " + timeoutMillis + ")");
        }
        if (timeoutMillis == 0) {
            timeoutMillis = NO_TIMEOUT;
        }
        if (serverConnections < 1) {
            throw new IllegalArgumentException("server connections must be > 0 (was: " + serverConnections + ")");
        }
        if (!redis) {
            requireRedis("redis_cluster", redisCluster ? "true" : null);
            requireRedis("redis_auth", redisAuth);
            requireRedis("redis_server_auth", redisServerAuth);
            requireRedis("redis_username", redisUsername);
            if (!allowCommands.isEmpty()) {
                throw new IllegalArgumentException("allow_commands is only valid for a redis pool");
            }
        }
        if (sentinel != null) {
            if (!redis) {
                throw new IllegalArgumentException("sentinels are only valid for a redis pool");
            }
            if (servers.stream().anyMatch(ServerSpec::hasAddress)) {
                throw new IllegalArgumentException("a sentinel pool's servers are master names, not addresses");
            }
        } else if (servers.stream().anyMatch(spec -> !spec.hasAddress())) {
            throw new IllegalArgumentException("a server without an address needs sentinels");
        }
        for (String server : serverOptions.keySet()) {
            if (servers.stream().noneMatch(spec -> spec.name().equals(server))) {
                throw new IllegalArgumentException("server_options names no server of the pool: '" + server + "'");
            }
        }
        if (!(maxMoveFraction >= 0 && maxMoveFraction <= 1)) {
            throw new IllegalArgumentException("max move fraction must be in [0, 1] (was: " + maxMoveFraction + ")");
        }
        requireNonNegative("client connections", clientConnections);
        requireNonNegative("backlog", backlog);
        requireNonNegative("redis db", redisDb);
        requireNonNegative("server retry timeout", serverRetryTimeoutMillis);
        requireNonNegative("server failure limit", serverFailureLimit);
        requireNonNegative("dedicated connections", dedicatedConnections);
        Objects.requireNonNull(readFrom, "readFrom");
        if (readFrom != ReadFrom.MASTER && !redisCluster) {
            throw new IllegalArgumentException("read_from is only valid in a redis_cluster pool (was: "
                    + readFrom.configName() + ")");
        }
    }

    /**
     * A ring pool of fixed addresses (neither a cluster nor sentinels) with no opt-in command and the
     * default {@link #dedicatedConnections()}.
     */
    public PoolConfig(String name, ListenAddress listen, int clientConnections, String hash, String hashTag,
            String distribution, int timeoutMillis, int backlog, boolean tcpKeepalive, boolean preconnect,
            boolean redis, String redisAuth, int redisDb, int serverConnections, boolean autoEjectHosts,
            int serverRetryTimeoutMillis, int serverFailureLimit, List<ServerSpec> servers, double maxMoveFraction,
            String redisUsername, String redisServerAuth, ClientTls tls, ServerTls serverTls,
            Map<String, ServerOptions> serverOptions) {
        this(name, listen, clientConnections, hash, hashTag, distribution, timeoutMillis, backlog, tcpKeepalive,
                preconnect, redis, redisAuth, redisDb, serverConnections, autoEjectHosts, serverRetryTimeoutMillis,
                serverFailureLimit, servers, maxMoveFraction, redisUsername, redisServerAuth, tls, serverTls,
                serverOptions, false, null, Set.of(), DEFAULT_DEDICATED_CONNECTIONS, ReadFrom.MASTER);
    }

    /** A pool as twemproxy 0.5 knows it: plain text on both sides, one password for both, no move limit. */
    public PoolConfig(String name, ListenAddress listen, int clientConnections, String hash, String hashTag,
            String distribution, int timeoutMillis, int backlog, boolean tcpKeepalive, boolean preconnect,
            boolean redis, String redisAuth, int redisDb, int serverConnections, boolean autoEjectHosts,
            int serverRetryTimeoutMillis, int serverFailureLimit, List<ServerSpec> servers) {
        this(name, listen, clientConnections, hash, hashTag, distribution, timeoutMillis, backlog, tcpKeepalive,
                preconnect, redis, redisAuth, redisDb, serverConnections, autoEjectHosts, serverRetryTimeoutMillis,
                serverFailureLimit, servers, NO_MOVE_LIMIT, null, null, null, null, Map.of(), false, null, Set.of(), DEFAULT_DEDICATED_CONNECTIONS,
                ReadFrom.MASTER);
    }

    private static void requireRedis(String key, String value) {
        if (value != null) {
            throw new IllegalArgumentException(key + " is only valid for a redis pool");
        }
    }

    private static void requireNonNegative(String what, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " must be >= 0 (was: " + value + ")");
        }
    }

    /** TLS to {@code server}: its {@code server_options} entry's, else the pool's; null for plain text. */
    public ServerTls serverTls(ServerSpec server) {
        ServerOptions options = serverOptions.get(server.name());
        return options != null && options.tls() != null ? options.tls() : serverTls;
    }

    /** The ACL user the proxy authenticates to {@code server} as, or null for the default user. */
    public String serverUsername(ServerSpec server) {
        ServerOptions options = serverOptions.get(server.name());
        return options != null && options.username() != null ? options.username() : redisUsername;
    }

    /**
     * The password the proxy sends to {@code server}: its {@code server_options} entry's, else
     * {@code redis_server_auth}, else {@code redis_auth} (twemproxy's meaning: one password for
     * clients and servers); null for none.
     */
    public String serverPassword(ServerSpec server) {
        ServerOptions options = serverOptions.get(server.name());
        if (options != null && options.password() != null) {
            return options.password();
        }
        return redisServerAuth != null ? redisServerAuth : redisAuth;
    }

    /** Whether the sentinels say where this pool's servers are. */
    public boolean isSentinel() {
        return sentinel != null;
    }

    /** Whether requests time out: {@code timeout} was given and positive. */
    public boolean hasTimeout() {
        return timeoutMillis > 0;
    }

    /**
     * The servers in twemproxy's order (shorter name first, then bytewise), the order that modula
     * slots, ketama ties and the stats output follow.
     */
    public List<ServerSpec> sortedServers() {
        return servers.stream().sorted(ServerSpec.TWEMPROXY_ORDER).toList();
    }

    /**
     * A builder of this pool's routing: its servers, hash tag, hash function, distribution and
     * liveness settings, with the names resolved in the given registries.
     */
    public ServerPool.Builder routing(
            ProviderRegistry<HashFunction> hashes, ProviderRegistry<Distribution> distributions) {
        return ServerPool.builder(name)
                .servers(servers)
                .hashFunction(hashes.get(hash))
                .distribution(distributions.get(distribution))
                .hashTag(hashTag == null ? null : HashTag.of(hashTag))
                .autoEjectHosts(autoEjectHosts)
                .serverFailureLimit(serverFailureLimit)
                .serverRetryTimeoutMillis(serverRetryTimeoutMillis);
    }

    /**
     * This pool's routing with the hash functions and distributions found on the class path:
     * where the proxy would send each key, for a client that shards by itself.
     *
     * @return a new pool, every server live
     */
    public ServerPool serverPool() {
        return routing(HashFunctions.registry(), Distributions.registry()).build();
    }

    /** Like the generated one, but never prints the Redis password. */
    @Override
    public String toString() {
        return "PoolConfig[name=" + name + ", listen=" + listen + ", redis=" + redis
                + ", hash=" + hash + ", hashTag=" + hashTag + ", distribution=" + distribution
                + ", timeoutMillis=" + timeoutMillis + ", backlog=" + backlog
                + ", clientConnections=" + clientConnections + ", tcpKeepalive=" + tcpKeepalive
                + ", preconnect=" + preconnect + ", redisAuth=" + (redisAuth == null ? "none" : "(set)")
                + ", redisDb=" + redisDb + ", serverConnections=" + serverConnections
                + ", autoEjectHosts=" + autoEjectHosts + ", serverRetryTimeoutMillis=" + serverRetryTimeoutMillis
                + ", serverFailureLimit=" + serverFailureLimit + ", servers=" + servers
                + ", maxMoveFraction=" + maxMoveFraction
                + ", redisUsername=" + redisUsername
                + ", redisServerAuth=" + (redisServerAuth == null ? "none" : "(set)")
                + ", tls=" + tls + ", serverTls=" + serverTls + ", serverOptions=" + serverOptions
                + ", redisCluster=" + redisCluster + ", sentinel=" + sentinel + ", allowCommands=" + allowCommands
                + ", dedicatedConnections=" + dedicatedConnections + "]";
    }
}
