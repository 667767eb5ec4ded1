package dev.nutjar.server.config;

import dev.nutjar.routing.ServerSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.nodes.Node;

/**
 * What one pool's keys said so far, with twemproxy's defaults where a key is absent, and the YAML
 * nodes of the keys that were set, for the cross-checks' errors. Mutable while its pool is read.
 */
final class PoolDraft {
    final String name;
    /** The pool's name in the file: errors about a key that is missing point here. */
    final Node nameNode;
    /** By key, in file order: the key's node, for each key set once. */
    final Map<String, Node> keyNodes = new LinkedHashMap<>();
    /** By key: the value's node, for each key set once. */
    final Map<String, Node> valueNodes = new HashMap<>();

    ListenAddress listen;
    int clientConnections = PoolConfig.DEFAULT_CLIENT_CONNECTIONS;
    String hash = PoolConfig.DEFAULT_HASH;
    String hashTag;
    String distribution = PoolConfig.DEFAULT_DISTRIBUTION;
    int timeout = PoolConfig.NO_TIMEOUT;
    int backlog = PoolConfig.DEFAULT_BACKLOG;
    boolean tcpKeepalive;
    boolean preconnect;
    boolean redis;
    String redisAuth;
    int redisDb = PoolConfig.DEFAULT_REDIS_DB;
    int serverConnections = PoolConfig.DEFAULT_SERVER_CONNECTIONS;
    boolean autoEjectHosts;
    int serverRetryTimeout = PoolConfig.DEFAULT_SERVER_RETRY_TIMEOUT_MILLIS;
    int serverFailureLimit = PoolConfig.DEFAULT_SERVER_FAILURE_LIMIT;
    double maxMoveFraction = PoolConfig.NO_MOVE_LIMIT;
    boolean redisCluster;
    int dedicatedConnections = PoolConfig.DEFAULT_DEDICATED_CONNECTIONS;
    ReadFrom readFrom = ReadFrom.MASTER;
    final List<ServerSpec> servers = new ArrayList<>();
    String redisUsername;
    String redisServerAuth;
    ClientTls tls;
    ServerTls serverTls;
    final Map<String, ServerOptions> serverOptions = new HashMap<>();
    List<String> sentinels;
    int sentinelPollInterval = SentinelSettings.DEFAULT_POLL_INTERVAL_MILLIS;
    SentinelSettings sentinel;
    final Set<String> allowCommands = new TreeSet<>();

    PoolDraft(String name, Node nameNode) {
        this.name = name;
        this.nameNode = nameNode;
    }

    /** Whether the pool sets {@code key}. */
    boolean has(String key) {
        return keyNodes.containsKey(key);
    }

    /** The pool, once every key and cross-check passed. */
    PoolConfig build() {
        return new PoolConfig(name, listen, clientConnections, hash, hashTag, distribution, timeout, backlog,
                tcpKeepalive, preconnect, redis, redisAuth, redisDb, serverConnections, autoEjectHosts,
                serverRetryTimeout, serverFailureLimit, servers, maxMoveFraction, redisUsername, redisServerAuth, tls,
                serverTls, serverOptions, redisCluster, sentinel, allowCommands, dedicatedConnections,
                readFrom);
    }
}
