package dev.nutjar.server.config;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctions;
import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.Distributions;
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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

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
 * <p>This class reads the file and its top level (pool names, {@value #ADMIN_KEY}, listen addresses
 * shared by two pools); {@code YamlReader} turns the text into nodes that keep their lines,
 * {@code PoolReader} reads each pool key by key (values through {@code ValueReader}, TLS through
 * {@code TlsReader}, {@code server_options} through {@code ServerOptionsReader}), {@code PoolChecks}
 * checks a pool's keys against each other, and {@code Problems} words every error.
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
        ValueReader values = new ValueReader(problems, environment);
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
            PoolReader reader = new PoolReader(name, keyNode, entry.getValueNode(), problems, values, hashes,
                    distributions, hostResolver);
            PoolConfig pool = reader.read();
            if (reader.listen() != null) {
                listeners.add(new Listener(name, reader.listen(), reader.listenNode()));
            }
            if (pool != null) {
                pools.add(pool);
            }
        }
        checkListenersDiffer(listeners, problems);
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

    /** Two pools cannot listen on one socket: the later one is reported. */
    private static void checkListenersDiffer(List<Listener> listeners, Problems problems) {
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
    }

    /** The keys a pool may have, in twemproxy's order. */
    public static List<String> poolKeys() {
        return PoolKeys.ALL;
    }
}
