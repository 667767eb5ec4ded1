package dev.nutjar.server.config;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctions;
import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.spi.ProviderRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a twemproxy 0.5 configuration ({@code nutcracker.yml}) into a {@link NutjarConfig}.
 *
 * <p>Every file twemproxy 0.5 accepts loads unchanged, and every value is read as text, as
 * twemproxy reads it: {@code redis: yes} is an error, {@code timeout: "400"} is fine. Where
 * twemproxy rejects a file it is fair to accept, this loader is more liberal:
 *
 * <ul>
 *   <li>{@code timeout: -1} means "no timeout", twemproxy's own default, which twemproxy rejects
 *       only because its number parser takes no sign;
 *   <li>YAML that twemproxy's token filter refuses but that means the same thing (flow lists such
 *       as {@code servers: [...]}, anchors, an explicit {@code ---}) is read normally.
 * </ul>
 *
 * <p>Every problem in a file is reported, not only the first, each with its line, YAML path and
 * bad value: {@code line 7: alpha.servers[2]: weight must be > 0 (was: 0)}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ConfigLoader {

    /** Resolves a host name, as {@code nutcracker -t} resolves every {@code listen} host. */
    @FunctionalInterface
    public interface HostResolver {
        /** @throws UnknownHostException when {@code host} does not resolve */
        void resolve(String host) throws UnknownHostException;
    }

    /** The pool keys of twemproxy 0.5, in its own order, then Nutjar's own. */
    private static final List<String> KEYS = List.of(
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
            "dedicated_connections");

    /** The keys that choose or tune placement on a ring: Redis Cluster places keys itself. */
    private static final List<String> RING_ONLY_KEYS = List.of("hash", "hash_tag", "distribution",
            "auto_eject_hosts", "server_retry_timeout", "server_failure_limit", "max_move_fraction", "redis_db",
            "sentinels", "sentinel_poll_interval");

    /** Keys a cluster pool does not support yet: its nodes are found at run time and spoken to in plain text. */
    private static final List<String> NOT_YET_IN_CLUSTER_KEYS = List.of("server_tls", "server_options");

    /** The keys that hold a mapping rather than a single value. */
    private static final List<String> MAPPING_KEYS = List.of("tls", "server_tls", "server_options");

    private static final String VALID_KEYS = String.join(", ", new TreeSet<>(KEYS));

    private final ProviderRegistry<HashFunction> hashes;
    private final ProviderRegistry<Distribution> distributions;
    private final HostResolver hostResolver;
    private final Function<String, String> environment;

    /**
     * A loader that checks {@code hash} and {@code distribution} names against these registries and
     * does not resolve listen hosts.
     */
    public ConfigLoader(ProviderRegistry<HashFunction> hashes, ProviderRegistry<Distribution> distributions) {
        this(hashes, distributions, null, System::getenv);
    }

    private ConfigLoader(
            ProviderRegistry<HashFunction> hashes,
            ProviderRegistry<Distribution> distributions,
            HostResolver hostResolver,
            Function<String, String> environment) {
        this.hashes = Objects.requireNonNull(hashes, "hashes");
        this.distributions = Objects.requireNonNull(distributions, "distributions");
        this.hostResolver = hostResolver;
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /**
     * This loader, reading the {@code ${env:NAME}} secrets from {@code environment} instead of the
     * process's environment.
     */
    public ConfigLoader withEnvironment(Function<String, String> environment) {
        return new ConfigLoader(hashes, distributions, hostResolver, environment);
    }

    /**
     * A loader for the hash functions and distributions on the class path
     * ({@link HashFunctions#registry()}, {@link Distributions#registry()}), plugins included.
     *
     * @throws IllegalStateException when a provider on the class path fails to load
     */
    public static ConfigLoader withInstalledProviders() {
        return new ConfigLoader(HashFunctions.registry(), Distributions.registry());
    }

    /** This loader, also checking that every TCP {@code listen} host resolves, as {@code nutcracker -t} does. */
    public ConfigLoader resolvingListenHosts() {
        return resolvingListenHosts(InetAddress::getByName);
    }

    /** This loader, also checking every TCP {@code listen} host with {@code resolver}. */
    public ConfigLoader resolvingListenHosts(HostResolver resolver) {
        return new ConfigLoader(hashes, distributions, Objects.requireNonNull(resolver, "resolver"), environment);
    }

    /**
     * Loads a configuration file (UTF-8).
     *
     * @throws ConfigException listing every problem, or saying why the file cannot be read
     */
    public NutjarConfig load(Path file) throws ConfigException {
        String source = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(source, List.of(source + ": cannot read the file: no such file"));
        } catch (AccessDeniedException e) {
            throw new ConfigException(source, List.of(source + ": cannot read the file: permission denied"));
        } catch (IOException e) {
            throw new ConfigException(source, List.of(source + ": cannot read the file: " + Problems.describe(e)));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(source, List.of(source + ": is not UTF-8 text"));
        }
        return parse(text, source);
    }

    /**
     * Parses configuration text.
     *
     * @param sourceName what to call the text in messages, usually its file name
     * @throws ConfigException listing every problem
     */
    public NutjarConfig parse(String yaml, String sourceName) throws ConfigException {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(sourceName, "sourceName");
        if (yaml.startsWith("\uFEFF")) {
            yaml = yaml.substring(1);
        }
        Node root = YamlReader.compose(yaml, sourceName);
        Problems problems = new Problems();
        if (root == null) {
            problems.add(null, sourceName, "the file is empty; expected a mapping of pool names to pool settings");
        } else if (!(root instanceof MappingNode rootMapping)) {
            problems.add(root, sourceName,
                    "the top level must be a mapping of pool names to pool settings (was: " + Problems.describe(root) + ")");
        } else {
            return parsePools(rootMapping, sourceName, problems);
        }
        throw new ConfigException(sourceName, problems.errors());
    }

    private NutjarConfig parsePools(MappingNode root, String sourceName, Problems problems) throws ConfigException {
        List<PoolConfig> pools = new ArrayList<>();
        List<Listener> listeners = new ArrayList<>();
        Map<String, Node> poolNames = new HashMap<>();
        ListenAddress admin = null;
        for (NodeTuple entry : root.getValue()) {
            Node keyNode = entry.getKeyNode();
            if (!(keyNode instanceof ScalarNode key)) {
                problems.add(keyNode, sourceName, "a pool name must be plain text (was: " + Problems.describe(keyNode) + ")");
                continue;
            }
            String name = key.getValue();
            if (name.isEmpty()) {
                problems.add(keyNode, sourceName, "a pool name must not be empty");
                continue;
            }
            Node first = poolNames.putIfAbsent(name, keyNode);
            if (first != null) {
                problems.add(keyNode, name, "duplicate pool name; the first pool '" + name + "' is at line " + Problems.line(first));
                continue;
            }
            if (name.equals(ADMIN_KEY) && entry.getValueNode() instanceof ScalarNode value) {
                // A pool is a mapping, a process setting is text: a pool called so stays a pool.
                admin = readAdmin(value, problems);
                continue;
            }
            PoolConfig pool = new PoolParser(name, keyNode, entry.getValueNode(), problems, listeners).parse();
            if (pool != null) {
                pools.add(pool);
            }
        }
        for (int i = 0; i < listeners.size(); i++) {
            for (int j = 0; j < i; j++) {
                Listener earlier = listeners.get(j);
                Listener later = listeners.get(i);
                if (earlier.address.sameSocketAs(later.address)) {
                    problems.add(later.node, later.pool + ".listen", "pools '" + earlier.pool + "' and '" + later.pool
                            + "' have the same listen address '" + later.address + "'");
                    break;
                }
            }
        }
        if (problems.any()) {
            throw new ConfigException(sourceName, problems.errors());
        }
        if (pools.isEmpty()) {
            throw new ConfigException(sourceName, List.of(sourceName + ": no pool; '" + ADMIN_KEY
                    + "' alone configures nothing to serve"));
        }
        return NutjarConfig.of(sourceName, pools).withAdmin(admin);
    }

    /**
     * The top-level key of the admin port's address ({@code nutjar_admin: 127.0.0.1:9151}). Told
     * from a pool by its value: text, where a pool is a mapping; nutcracker, which refuses a
     * top-level value that is not a mapping, never loads such a file with another meaning.
     */
    public static final String ADMIN_KEY = "nutjar_admin";

    private static ListenAddress readAdmin(ScalarNode value, Problems problems) {
        try {
            ListenAddress address = ListenAddress.parse(value.getValue());
            if (!address.isUnix()) {
                return address;
            }
            problems.add(value, ADMIN_KEY, "must be \"host:port\": the admin port is HTTP over TCP (was: '"
                    + value.getValue() + "')");
        } catch (IllegalArgumentException e) {
            problems.add(value, ADMIN_KEY, e.getMessage());
        }
        return null;
    }

    private record Listener(String pool, ListenAddress address, Node node) {}

    private record ServerItem(int index, String path, Node node, String entry) {}

    /** Reads one pool's settings, reporting every bad one; builds the pool only when all are good. */
    private final class PoolParser {
        private final String pool;
        private final Node poolKey;
        private final Node body;
        private final Problems problems;
        private final List<Listener> listeners;
        private final int problemsBefore;
        private final ValueReader valueReader;

        private ListenAddress listen;
        private int clientConnections = PoolConfig.DEFAULT_CLIENT_CONNECTIONS;
        private String hash = PoolConfig.DEFAULT_HASH;
        private String hashTag;
        private String distribution = PoolConfig.DEFAULT_DISTRIBUTION;
        private int timeout = PoolConfig.NO_TIMEOUT;
        private int backlog = PoolConfig.DEFAULT_BACKLOG;
        private boolean tcpKeepalive;
        private boolean preconnect;
        private boolean redis;
        private String redisAuth;
        private int redisDb = PoolConfig.DEFAULT_REDIS_DB;
        private int serverConnections = PoolConfig.DEFAULT_SERVER_CONNECTIONS;
        private boolean autoEjectHosts;
        private int serverRetryTimeout = PoolConfig.DEFAULT_SERVER_RETRY_TIMEOUT_MILLIS;
        private int serverFailureLimit = PoolConfig.DEFAULT_SERVER_FAILURE_LIMIT;
        private double maxMoveFraction = PoolConfig.NO_MOVE_LIMIT;
        private boolean redisCluster;
        private final Map<String, Node> values = new HashMap<>();
        private int dedicatedConnections = PoolConfig.DEFAULT_DEDICATED_CONNECTIONS;
        private final List<ServerSpec> servers = new ArrayList<>();
        private String redisUsername;
        private String redisServerAuth;
        private final Map<String, Node> mappings = new HashMap<>();
        private ClientTls tls;
        private ServerTls serverTls;
        private final Map<String, ServerOptions> serverOptions = new HashMap<>();
        /** The {@code servers} entries, parsed once it is known whether the pool is a Sentinel pool. */
        private final List<ServerItem> serverItems = new ArrayList<>();
        private List<String> sentinels;
        private int sentinelPollInterval = SentinelSettings.DEFAULT_POLL_INTERVAL_MILLIS;
        private final Set<String> allowCommands = new TreeSet<>();

        PoolParser(String pool, Node poolKey, Node body, Problems problems, List<Listener> listeners) {
            this.pool = pool;
            this.poolKey = poolKey;
            this.body = body;
            this.problems = problems;
            this.listeners = listeners;
            this.problemsBefore = problems.count();
            this.valueReader = new ValueReader(problems, environment);
        }

        PoolConfig parse() {
            if (!(body instanceof MappingNode settings)) {
                String was = body instanceof ScalarNode s && s.getValue().isEmpty()
                        ? "it has none; a pool needs at least 'listen' and 'servers'"
                        : "was: " + Problems.describe(body);
                problems.add(body, pool, "must be a mapping of pool settings (" + was + ")");
                return null;
            }
            Map<String, Node> seen = new LinkedHashMap<>();
            for (NodeTuple setting : settings.getValue()) {
                if (!(setting.getKeyNode() instanceof ScalarNode keyNode)) {
                    problems.add(setting.getKeyNode(), pool,
                            "a setting name must be plain text (was: " + Problems.describe(setting.getKeyNode()) + ")");
                    continue;
                }
                String key = keyNode.getValue();
                String path = pool + "." + key;
                if (!KEYS.contains(key)) {
                    problems.add(keyNode, path, "unknown key; valid keys: " + VALID_KEYS);
                    continue;
                }
                Node first = seen.putIfAbsent(key, keyNode);
                if (first != null) {
                    problems.add(keyNode, path, "duplicate key; it is already set at line " + Problems.line(first));
                    continue;
                }
                values.put(key, setting.getValueNode());
                read(key, path, setting.getValueNode());
            }
            parseServers(seen.containsKey("sentinels"));
            SentinelSettings sentinel = sentinelSettings(seen);
            for (String required : List.of("listen", "servers")) {
                if (!seen.containsKey(required)) {
                    problems.add(poolKey, pool, "missing required key '" + required + "'");
                }
            }
            // The defaults come from providers too; a class path without them fails here, not when routing.
            if (!seen.containsKey("hash") && hashes.find(hash).isEmpty()) {
                problems.add(poolKey, pool + ".hash", "not set, and the default is missing: "
                        + hashes.unknownNameMessage(hash));
            }
            if (!seen.containsKey("distribution") && distributions.find(distribution).isEmpty()) {
                problems.add(poolKey, pool + ".distribution", "not set, and the default is missing: "
                        + distributions.unknownNameMessage(distribution));
            }
            if (!redis) {
                for (String redisOnly : List.of("redis_auth", "redis_username", "redis_server_auth", "allow_commands")) {
                    if (seen.containsKey(redisOnly)) {
                        problems.add(seen.get(redisOnly), pool + "." + redisOnly,
                                "only valid for a redis pool; set 'redis: true'");
                    }
                }
            }
            if (redisCluster) {
                checkClusterKeys(seen);
            }
            TlsReader tlsReader = new TlsReader(problems);
            if (mappings.containsKey("tls")) {
                tls = tlsReader.clientTls(pool + ".tls", mappings.get("tls"));
            }
            TlsReader.Fields poolServerTls = null;
            if (mappings.containsKey("server_tls")) {
                poolServerTls = tlsReader.fields(pool + ".server_tls", mappings.get("server_tls"), TlsReader.SERVER_KEYS);
                if (poolServerTls != null) {
                    serverTls = tlsReader.serverTls(pool + ".server_tls", mappings.get("server_tls"), poolServerTls, null);
                }
            }
            if (mappings.containsKey("server_options")) {
                readServerOptions(pool + ".server_options", mappings.get("server_options"), tlsReader, poolServerTls);
            }
            if (problems.count() > problemsBefore) {
                return null;
            }
            return new PoolConfig(pool, listen, clientConnections, hash, hashTag, distribution, timeout, backlog,
                    tcpKeepalive, preconnect, redis, redisAuth, redisDb, serverConnections, autoEjectHosts,
                    serverRetryTimeout, serverFailureLimit, servers, maxMoveFraction, redisUsername, redisServerAuth, tls, serverTls,
                    serverOptions, redisCluster, sentinel, allowCommands, dedicatedConnections);
        }

        /** A cluster pool is Redis, and has none of the keys that place keys on a ring. */
        private void checkClusterKeys(Map<String, Node> seen) {
            if (!redis) {
                problems.add(values.get("redis_cluster"), pool + ".redis_cluster",
                        "only valid for a redis pool; set 'redis: true'");
            }
            for (String key : RING_ONLY_KEYS) {
                if (seen.containsKey(key)) {
                    Node value = values.get(key);
                    problems.add(value, pool + "." + key, "not used in a redis_cluster pool, where Redis Cluster"
                            + " places keys by CRC16 slot and {...} hash tag; remove it (was: " + Problems.describe(value) + ")");
                }
            }
            for (String key : NOT_YET_IN_CLUSTER_KEYS) {
                if (seen.containsKey(key)) {
                    problems.add(values.get(key), pool + "." + key, "not supported in a redis_cluster pool yet"
                            + " (was: " + Problems.describe(values.get(key)) + ")");
                }
            }
        }

        /** {@code server_options}: server name or host:port to its own TLS and credentials. */
        private void readServerOptions(String path, Node value, TlsReader tlsReader, TlsReader.Fields poolTls) {
            if (!(value instanceof MappingNode entries)) {
                problems.add(value, path, "must be a mapping of server names to their settings (was: "
                        + Problems.describe(value) + ")");
                return;
            }
            for (NodeTuple entry : entries.getValue()) {
                String key = entry.getKeyNode() instanceof ScalarNode s ? s.getValue() : Problems.describe(entry.getKeyNode());
                String entryPath = path + "." + key;
                ServerSpec server = servers.stream()
                        .filter(spec -> spec.name().equals(key)
                                || (!spec.isUnix() && (spec.host() + ":" + spec.port()).equals(key)))
                        .findFirst().orElse(null);
                if (server == null) {
                    problems.add(entry.getKeyNode(), entryPath, "no server of the pool has this name or host:port;"
                            + " servers: " + String.join(", ", servers.stream().map(ServerSpec::name).toList()));
                    continue;
                }
                if (serverOptions.containsKey(server.name())) {
                    problems.add(entry.getKeyNode(), entryPath, "server '" + server.name() + "' already has options");
                    continue;
                }
                if (!(entry.getValueNode() instanceof MappingNode settings)) {
                    problems.add(entry.getValueNode(), entryPath,
                            "must be a mapping with tls, redis_username or redis_auth (was: "
                                    + Problems.describe(entry.getValueNode()) + ")");
                    continue;
                }
                ServerTls tlsOfServer = null;
                String username = null;
                String password = null;
                for (NodeTuple setting : settings.getValue()) {
                    String name = setting.getKeyNode() instanceof ScalarNode s ? s.getValue() : "";
                    String settingPath = entryPath + "." + name;
                    Node settingValue = setting.getValueNode();
                    switch (name) {
                        case "tls" -> {
                            TlsReader.Fields fields = tlsReader.fields(settingPath, settingValue, TlsReader.SERVER_KEYS);
                            if (fields != null) {
                                tlsOfServer = tlsReader.serverTls(settingPath, settingValue, fields, poolTls);
                            }
                        }
                        case "redis_username", "redis_auth" -> {
                            if (!redis) {
                                problems.add(settingValue, settingPath, "only valid for a redis pool; set 'redis: true'");
                                continue;
                            }
                            String text = valueReader.scalar(settingPath, settingValue);
                            if (text == null) {
                                continue;
                            }
                            if (name.equals("redis_username")) {
                                username = text;
                            } else {
                                password = valueReader.secret(settingPath, settingValue, text);
                            }
                        }
                        default -> problems.add(setting.getKeyNode(), settingPath,
                                "unknown key; valid keys: redis_auth, redis_username, tls");
                    }
                }
                serverOptions.put(server.name(), new ServerOptions(tlsOfServer, username, password));
            }
        }

        /**
         * The Sentinel settings when {@code sentinels} is set, after checking that the rest of the
         * pool fits: a Redis pool, no ejection (it would move keys while Sentinel fails a master
         * over), no TLS to servers (not yet).
         */
        private SentinelSettings sentinelSettings(Map<String, Node> seen) {
            if (!seen.containsKey("sentinels")) {
                if (seen.containsKey("sentinel_poll_interval")) {
                    problems.add(seen.get("sentinel_poll_interval"), pool + ".sentinel_poll_interval",
                            "only valid in a sentinel pool; set 'sentinels'");
                }
                return null;
            }
            Node at = seen.get("sentinels");
            if (!redis) {
                problems.add(at, pool + ".sentinels", "only valid for a redis pool; set 'redis: true'");
            }
            if (autoEjectHosts) {
                problems.add(seen.get("auto_eject_hosts"), pool + ".auto_eject_hosts", "must be false in a sentinel"
                        + " pool: ejecting a master moves its keys while Sentinel fails it over (was: 'true')");
            }
            for (String key : List.of("server_tls", "server_options")) {
                if (seen.containsKey(key)) {
                    problems.add(seen.get(key), pool + "." + key, "not supported in a sentinel pool yet");
                }
            }
            return sentinels == null || sentinels.isEmpty() ? null
                    : new SentinelSettings(sentinels, sentinelPollInterval);
        }

        /** {@code sentinels}: a list of {@code host:port}. */
        private void readSentinels(String path, Node value) {
            if (!(value instanceof SequenceNode list) || list.getValue().isEmpty()) {
                problems.add(value, path, "must be a list of \"host:port\" entries, at least one (was: "
                        + Problems.describe(value) + ")");
                return;
            }
            sentinels = new ArrayList<>();
            List<Node> items = list.getValue();
            for (int i = 0; i < items.size(); i++) {
                String itemPath = path + "[" + i + "]";
                String entry = valueReader.scalar(itemPath, items.get(i));
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
            if (MAPPING_KEYS.contains(key)) {
                mappings.put(key, value);
                return;
            }
            String text = valueReader.scalar(path, value);
            if (text == null) {
                return;
            }
            switch (key) {
                case "listen" -> readListen(path, value, text);
                case "hash" -> {
                    if (hashes.find(text).isPresent()) {
                        hash = text;
                    } else {
                        problems.add(value, path, hashes.unknownNameMessage(text));
                    }
                }
                case "hash_tag" -> {
                    if (text.getBytes(StandardCharsets.UTF_8).length == 2) {
                        hashTag = text;
                    } else {
                        problems.add(value, path, "must be exactly two characters, such as \"{}\" (was: '" + text + "')");
                    }
                }
                case "distribution" -> {
                    if (distributions.find(text).isPresent()) {
                        distribution = text;
                    } else {
                        problems.add(value, path, distributions.unknownNameMessage(text));
                    }
                }
                case "timeout" -> timeout = text.equals("-1") ? PoolConfig.NO_TIMEOUT : valueReader.number(path, value, text, timeout);
                case "backlog" -> backlog = valueReader.number(path, value, text, backlog);
                case "client_connections" -> clientConnections = valueReader.number(path, value, text, clientConnections);
                case "redis" -> redis = valueReader.bool(path, value, text, redis);
                case "tcpkeepalive" -> tcpKeepalive = valueReader.bool(path, value, text, tcpKeepalive);
                case "redis_auth" -> redisAuth = valueReader.secret(path, value, text);
                case "redis_server_auth" -> redisServerAuth = valueReader.secret(path, value, text);
                case "redis_username" -> redisUsername = text;
                case "redis_db" -> redisDb = valueReader.number(path, value, text, redisDb);
                case "preconnect" -> preconnect = valueReader.bool(path, value, text, preconnect);
                case "auto_eject_hosts" -> autoEjectHosts = valueReader.bool(path, value, text, autoEjectHosts);
                case "server_connections" -> {
                    int connections = valueReader.number(path, value, text, serverConnections);
                    if (connections == 0) {
                        problems.add(value, path, "must be > 0 (was: 0)");
                    } else {
                        serverConnections = connections;
                    }
                }
                case "server_retry_timeout" -> serverRetryTimeout = valueReader.number(path, value, text, serverRetryTimeout);
                case "server_failure_limit" -> serverFailureLimit = valueReader.number(path, value, text, serverFailureLimit);
                case "max_move_fraction" -> maxMoveFraction = valueReader.fraction(path, value, text);
                case "redis_cluster" -> redisCluster = valueReader.bool(path, value, text, redisCluster);
                case "sentinel_poll_interval" -> sentinelPollInterval = valueReader.number(path, value, text, sentinelPollInterval);
                case "dedicated_connections" -> dedicatedConnections = valueReader.number(path, value, text, dedicatedConnections);
                default -> throw new AssertionError("key without a reader: " + key);
            }
        }

        private void readListen(String path, Node value, String text) {
            try {
                listen = ListenAddress.parse(text);
            } catch (IllegalArgumentException e) {
                problems.add(value, path, e.getMessage());
                return;
            }
            listeners.add(new Listener(pool, listen, value));
            if (hostResolver != null && !listen.isUnix()) {
                try {
                    hostResolver.resolve(listen.host());
                } catch (UnknownHostException | SecurityException e) {
                    problems.add(value, path, "cannot resolve host '" + listen.host() + "' (was: '" + text + "')");
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
                String entry = valueReader.scalar(itemPath, items.get(i));
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
                servers.add(server);
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
                String name = valueReader.scalar(itemPath, items.get(i));
                if (name == null) {
                    continue;
                }
                String command = name.toLowerCase(java.util.Locale.ROOT);
                if (PoolConfig.OPT_IN_COMMANDS.contains(command)) {
                    allowCommands.add(command);
                } else {
                    problems.add(items.get(i), itemPath, "not a command to enable; valid: "
                            + String.join(", ", PoolConfig.OPT_IN_COMMANDS) + " (was: '" + name + "')");
                }
            }
        }
    }

    /** The keys a pool may have, in twemproxy's order. */
    public static List<String> poolKeys() {
        return KEYS;
    }
}
