package dev.nutjar.server.config;

import java.util.List;
import java.util.TreeSet;

/** The keys a pool may have, and the groups of them the cross-checks treat alike. */
final class PoolKeys {
    /** The pool keys of twemproxy 0.5, in its own order, then Nutjar's own. */
    static final List<String> ALL = List.of(
            "listen", "hash", "hash_tag", "distribution", "timeout", "backlog", "client_connections",
            "redis", "tcpkeepalive", "redis_auth", "redis_db", "preconnect", "auto_eject_hosts",
            "server_connections", "server_retry_timeout", "server_failure_limit", "servers",
            "redis_username", "redis_server_auth", "tls", "server_tls", "server_options",
            // Nutjar's own: the most of the key space a reload may move to other servers.
            "max_move_fraction",
            // Nutjar's own: the servers are seed nodes of a Redis Cluster, which places the keys.
            "redis_cluster",
            // Nutjar's own: the sentinels that say where a Sentinel pool's masters are.
            "sentinels", "sentinel_poll_interval",
            // Nutjar's own: Redis commands over every server that stay refused unless listed.
            "allow_commands",
            // Nutjar's own: the most backend connections of clients' own (pub/sub, MULTI, BLPOP).
            "dedicated_connections",
            // Nutjar's own: which node of a cluster slot answers read-only commands.
            "read_from");

    /** The valid keys as an error lists them, sorted. */
    static final String VALID = String.join(", ", new TreeSet<>(ALL));

    /** The keys every pool sets. */
    static final List<String> REQUIRED = List.of("listen", "servers");

    /** The keys only a Redis pool may set. */
    static final List<String> REDIS_ONLY = List.of("redis_auth", "redis_username", "redis_server_auth", "allow_commands");

    /** The keys that choose or tune placement on a ring: Redis Cluster places keys itself. */
    static final List<String> RING_ONLY = List.of("hash", "hash_tag", "distribution",
            "auto_eject_hosts", "server_retry_timeout", "server_failure_limit", "max_move_fraction", "redis_db",
            "sentinels", "sentinel_poll_interval");

    /**
     * Keys a cluster pool does not support yet: its nodes are found at run time, so settings per
     * server have nothing to name (every node gets the pool's {@code server_tls}).
     */
    static final List<String> NOT_YET_IN_CLUSTER = List.of("server_options");

    /** Keys a Sentinel pool does not support yet (its masters get the pool's {@code server_tls}). */
    static final List<String> NOT_YET_IN_SENTINEL = List.of("server_options");

    /** The keys that hold a mapping rather than a single value. */
    static final List<String> MAPPINGS = List.of("tls", "server_tls", "server_options");

    private PoolKeys() {}
}
