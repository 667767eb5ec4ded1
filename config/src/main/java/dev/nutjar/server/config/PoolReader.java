package dev.nutjar.server.config;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.spi.ProviderRegistry;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads one pool's settings key by key, reporting every bad one, then runs the pool's cross-checks
 * ({@link PoolChecks}); builds the pool only when all are good. One reader per pool.
 */
final class PoolReader {
    private final ProviderRegistry<HashFunction> hashes;
    private final ProviderRegistry<Distribution> distributions;
    /** Checks a TCP listen host resolves; null when hosts are not checked. */
    private final ConfigLoader.HostResolver hostResolver;
    private final Problems problems;
    private final ValueReader values;
    private final PoolDraft pool;
    private final Node body;
    private final int problemsBefore;
    /** The {@code servers} entries, parsed once it is known whether the pool is a Sentinel pool. */
    private final List<ServerItem> serverItems = new ArrayList<>();

    private record ServerItem(int index, String path, Node node, String entry) {}

    PoolReader(String name, Node nameNode, Node body, Problems problems, ValueReader values,
            ProviderRegistry<HashFunction> hashes, ProviderRegistry<Distribution> distributions,
            ConfigLoader.HostResolver hostResolver) {
        this.pool = new PoolDraft(name, nameNode);
        this.body = body;
        this.problems = problems;
        this.values = values;
        this.hashes = hashes;
        this.distributions = distributions;
        this.hostResolver = hostResolver;
        this.problemsBefore = problems.count();
    }

    /** The pool; null when it has a problem (reported). */
    PoolConfig read() {
        if (!(body instanceof MappingNode settings)) {
            String was = body instanceof ScalarNode s && s.getValue().isEmpty()
                    ? "it has none; a pool needs at least 'listen' and 'servers'"
                    : "was: " + Problems.describe(body);
            problems.add(body, pool.name, "must be a mapping of pool settings (" + was + ")");
            return null;
        }
        for (NodeTuple setting : settings.getValue()) {
            if (!(setting.getKeyNode() instanceof ScalarNode keyNode)) {
                problems.add(setting.getKeyNode(), pool.name,
                        "a setting name must be plain text (was: " + Problems.describe(setting.getKeyNode()) + ")");
                continue;
            }
            String key = keyNode.getValue();
            String path = pool.name + "." + key;
            if (!PoolKeys.ALL.contains(key)) {
                problems.add(keyNode, path, "unknown key; valid keys: " + PoolKeys.VALID);
                continue;
            }
            Node first = pool.keyNodes.putIfAbsent(key, keyNode);
            if (first != null) {
                problems.add(keyNode, path, "duplicate key; it is already set at line " + Problems.line(first));
                continue;
            }
            pool.valueNodes.put(key, setting.getValueNode());
            read(key, path, setting.getValueNode());
        }
        parseServers(pool.has("sentinels"));
        PoolChecks checks = new PoolChecks(pool, problems);
        pool.sentinel = checks.sentinelSettings();
        checks.checkKeys(hashes, distributions);
        readTls();
        if (problems.count() > problemsBefore) {
            return null;
        }
        return pool.build();
    }

    /** Where the pool listens, when its {@code listen} was read; null otherwise. */
    ListenAddress listen() {
        return pool.listen;
    }

    /** The node of the pool's {@code listen} value, for the errors about it. */
    Node listenNode() {
        return pool.valueNodes.get("listen");
    }

    /** One key's value, read on its own. */
    private void read(String key, String path, Node value) {
        if (key.equals("servers")) {
            readServers(path, value);
            return;
        }
        if (key.equals("sentinels")) {
            readSentinels(path, value);
            return;
        }
        if (key.equals("allow_commands")) {
            readAllowCommands(path, value);
            return;
        }
        if (PoolKeys.MAPPINGS.contains(key)) {
            return; // read by readTls, once the servers are known
        }
        String text = values.scalar(path, value);
        if (text == null) {
            return;
        }
        switch (key) {
            case "listen" -> readListen(path, value, text);
            case "hash" -> {
                if (hashes.find(text).isPresent()) {
                    pool.hash = text;
                } else {
                    problems.add(value, path, hashes.unknownNameMessage(text));
                }
            }
            case "hash_tag" -> {
                if (text.getBytes(StandardCharsets.UTF_8).length == 2) {
                    pool.hashTag = text;
                } else {
                    problems.add(value, path, "must be exactly two characters, such as \"{}\" (was: '" + text + "')");
                }
            }
            case "distribution" -> {
                if (distributions.find(text).isPresent()) {
                    pool.distribution = text;
                } else {
                    problems.add(value, path, distributions.unknownNameMessage(text));
                }
            }
            case "timeout" -> pool.timeout = text.equals("-1")
                    ? PoolConfig.NO_TIMEOUT
                    : values.number(path, value, text, pool.timeout);
            case "backlog" -> pool.backlog = values.number(path, value, text, pool.backlog);
            case "client_connections" -> pool.clientConnections = values.number(path, value, text, pool.clientConnections);
            case "redis" -> pool.redis = values.bool(path, value, text, pool.redis);
            case "tcpkeepalive" -> pool.tcpKeepalive = values.bool(path, value, text, pool.tcpKeepalive);
            case "redis_auth" -> pool.redisAuth = values.secret(path, value, text);
            case "redis_server_auth" -> pool.redisServerAuth = values.secret(path, value, text);
            case "redis_username" -> pool.redisUsername = text;
            case "redis_db" -> pool.redisDb = values.number(path, value, text, pool.redisDb);
            case "preconnect" -> pool.preconnect = values.bool(path, value, text, pool.preconnect);
            case "auto_eject_hosts" -> pool.autoEjectHosts = values.bool(path, value, text, pool.autoEjectHosts);
            case "server_connections" -> {
                int connections = values.number(path, value, text, pool.serverConnections);
                if (connections == 0) {
                    problems.add(value, path, "must be > 0 (was: 0)");
                } else {
                    pool.serverConnections = connections;
                }
            }
            case "server_retry_timeout" -> pool.serverRetryTimeout = values.number(path, value, text, pool.serverRetryTimeout);
            case "server_failure_limit" -> pool.serverFailureLimit = values.number(path, value, text, pool.serverFailureLimit);
            case "max_move_fraction" -> pool.maxMoveFraction = values.fraction(path, value, text);
            case "redis_cluster" -> pool.redisCluster = values.bool(path, value, text, pool.redisCluster);
            case "sentinel_poll_interval" -> pool.sentinelPollInterval =
                    values.number(path, value, text, pool.sentinelPollInterval);
            case "dedicated_connections" -> pool.dedicatedConnections =
                    values.number(path, value, text, pool.dedicatedConnections);
            case "read_from" -> {
                try {
                    pool.readFrom = ReadFrom.parse(text);
                } catch (IllegalArgumentException e) {
                    problems.add(value, path, e.getMessage());
                }
            }
            default -> throw new AssertionError("key without a reader: " + key);
        }
    }

    private void readListen(String path, Node value, String text) {
        try {
            pool.listen = ListenAddress.parse(text);
        } catch (IllegalArgumentException e) {
            problems.add(value, path, e.getMessage());
            return;
        }
        if (hostResolver != null && !pool.listen.isUnix()) {
            try {
                hostResolver.resolve(pool.listen.host());
            } catch (UnknownHostException | SecurityException e) {
                problems.add(value, path, "cannot resolve host '" + pool.listen.host() + "' (was: '" + text + "')");
            }
        }
    }

    private void readServers(String path, Node value) {
        if (value instanceof ScalarNode scalar) {
            problems.add(value, path, scalar.getValue().isEmpty()
                    ? "a pool needs at least one server"
                    : "must be a list of \"host:port:weight [name]\" entries (was: '" + scalar.getValue() + "')");
            return;
        }
        if (!(value instanceof SequenceNode list)) {
            problems.add(value, path, "must be a list of \"host:port:weight [name]\" entries (was: a mapping)");
            return;
        }
        if (list.getValue().isEmpty()) {
            problems.add(value, path, "a pool needs at least one server");
            return;
        }
        List<Node> items = list.getValue();
        for (int i = 0; i < items.size(); i++) {
            String itemPath = path + "[" + i + "]";
            String entry = values.scalar(itemPath, items.get(i));
            if (entry != null) {
                serverItems.add(new ServerItem(i, itemPath, items.get(i), entry));
            }
        }
    }

    /** The {@code servers} entries: {@code master_name:weight} in a Sentinel pool, else twemproxy's forms. */
    private void parseServers(boolean sentinelPool) {
        Map<String, Integer> indexByName = new HashMap<>();
        for (ServerItem item : serverItems) {
            ServerSpec server;
            try {
                server = sentinelPool ? ServerSpec.parseNamed(item.entry) : ServerSpec.parse(item.entry);
            } catch (IllegalArgumentException e) {
                problems.add(item.node, item.path, e.getMessage());
                continue;
            }
            Integer first = indexByName.putIfAbsent(server.name(), item.index);
            if (first != null) {
                problems.add(item.node, item.path, "duplicate server name '" + server.name()
                        + "'; servers[" + first + "] has the same name (was: '" + item.entry + "')");
                continue;
            }
            pool.servers.add(server);
        }
    }

    /** {@code sentinels}: a list of {@code host:port}. */
    private void readSentinels(String path, Node value) {
        if (!(value instanceof SequenceNode list) || list.getValue().isEmpty()) {
            problems.add(value, path, "must be a list of \"host:port\" entries, at least one (was: "
                    + Problems.describe(value) + ")");
            return;
        }
        List<String> sentinels = new ArrayList<>();
        pool.sentinels = sentinels;
        List<Node> items = list.getValue();
        for (int i = 0; i < items.size(); i++) {
            String itemPath = path + "[" + i + "]";
            String entry = values.scalar(itemPath, items.get(i));
            if (entry == null) {
                continue;
            }
            int colon = entry.lastIndexOf(':');
            String port = colon < 0 ? "" : entry.substring(colon + 1);
            if (colon <= 0 || port.isEmpty() || !port.chars().allMatch(c -> c >= '0' && c <= '9')
                    || port.length() > 5 || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                problems.add(items.get(i), itemPath, "must be \"host:port\" with a port 1..65535 (was: '"
                        + entry + "')");
            } else if (sentinels.contains(entry)) {
                problems.add(items.get(i), itemPath, "duplicate sentinel (was: '" + entry + "')");
            } else {
                sentinels.add(entry);
            }
        }
    }

    /** {@code allow_commands}: a list of the commands that stay refused unless enabled. */
    private void readAllowCommands(String path, Node value) {
        if (!(value instanceof SequenceNode list)) {
            problems.add(value, path, "must be a list such as [keys, flushdb] (was: " + Problems.describe(value) + ")");
            return;
        }
        List<Node> items = list.getValue();
        for (int i = 0; i < items.size(); i++) {
            String itemPath = path + "[" + i + "]";
            String name = values.scalar(itemPath, items.get(i));
            if (name == null) {
                continue;
            }
            String command = name.toLowerCase(Locale.ROOT);
            if (PoolConfig.OPT_IN_COMMANDS.contains(command)) {
                pool.allowCommands.add(command);
            } else {
                problems.add(items.get(i), itemPath, "not a command to enable; valid: "
                        + String.join(", ", PoolConfig.OPT_IN_COMMANDS) + " (was: '" + name + "')");
            }
        }
    }

    /** {@code tls}, {@code server_tls} and {@code server_options}: the mappings, read once the servers are known. */
    private void readTls() {
        TlsReader tlsReader = new TlsReader(problems);
        Map<String, Node> mappings = pool.valueNodes;
        if (pool.has("tls")) {
            pool.tls = tlsReader.clientTls(pool.name + ".tls", mappings.get("tls"));
        }
        TlsReader.Fields poolServerTls = null;
        if (pool.has("server_tls")) {
            String path = pool.name + ".server_tls";
            poolServerTls = tlsReader.fields(path, mappings.get("server_tls"), TlsReader.SERVER_KEYS);
            if (poolServerTls != null) {
                pool.serverTls = tlsReader.serverTls(path, mappings.get("server_tls"), poolServerTls, null);
            }
        }
        if (pool.has("server_options")) {
            new ServerOptionsReader(pool, problems, values, tlsReader)
                    .read(pool.name + ".server_options", mappings.get("server_options"), poolServerTls);
        }
    }
}
