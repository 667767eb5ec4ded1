package dev.nutjar.cli;

import dev.nutjar.routing.ClusterSlot;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.cluster.ClusterProbe;
import dev.nutjar.server.cluster.NodeAddress;
import dev.nutjar.server.cluster.ShardNodes;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.config.PoolConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code nutjar locate [-c FILE] [--hex] POOL [KEY ...]}: prints, for each key, the server of the
 * pool it lives on, as {@code KEY<TAB>server-name<TAB>address}; in a cluster pool, as
 * {@code KEY<TAB>slot<TAB>address} of the slot's master, asked of the cluster. Keys come from the
 * arguments, or one a line from stdin when there are none.
 */
final class LocateCommand {

    static final String USAGE = "nutjar locate [-c conf file] [--hex] POOL [KEY ...]";

    /**
     * @param confFile the configuration file
     * @param pool the pool to route in
     * @param keys the keys given as arguments; empty to read stdin
     * @param hex whether keys are hex-encoded bytes
     * @param help whether {@code -h} asked for the usage
     */
    record Arguments(String confFile, String pool, List<String> keys, boolean hex, boolean help) {
        Arguments {
            keys = List.copyOf(keys);
        }

        /**
         * Parses the arguments after {@code locate}. Options may come anywhere before {@code --};
         * a key starting with '-' goes after {@code --}.
         */
        static Arguments parse(List<String> args) throws UsageException {
            String confFile = CommandLineOptions.DEFAULT_CONF_FILE;
            boolean hex = false;
            boolean help = false;
            List<String> positional = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                if (arg.equals("--")) {
                    positional.addAll(args.subList(i + 1, args.size()));
                    break;
                } else if (arg.equals("--hex")) {
                    hex = true;
                } else if (arg.equals("-h") || arg.equals("--help")) {
                    help = true;
                } else if (arg.equals("-c") || arg.equals("--conf-file")) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException("locate: option -c requires a file name");
                    }
                    confFile = args.get(++i);
                } else if (arg.startsWith("--conf-file=")) {
                    confFile = arg.substring("--conf-file=".length());
                } else if (arg.startsWith("-c")) {
                    confFile = arg.substring(2);
                } else if (arg.startsWith("--")) {
                    throw new UsageException("locate: unrecognized option '" + arg + "'");
                } else if (arg.startsWith("-") && arg.length() > 1) {
                    throw new UsageException("locate: invalid option -- '" + arg.charAt(1) + "'");
                } else {
                    positional.add(arg);
                }
            }
            if (help) {
                return new Arguments(confFile, null, List.of(), hex, true);
            }
            if (positional.isEmpty()) {
                throw new UsageException("locate: missing the POOL argument");
            }
            return new Arguments(confFile, positional.get(0), positional.subList(1, positional.size()), hex, false);
        }
    }

    private final Function<String, NutjarConfig> configReader;
    private final KeyLocator.Factory locators;

    /**
     * @param configReader loads a configuration file, or reports why it cannot and returns null
     * @param locators routes keys in a pool
     */
    LocateCommand(Function<String, NutjarConfig> configReader, KeyLocator.Factory locators) {
        this.configReader = Objects.requireNonNull(configReader, "configReader");
        this.locators = Objects.requireNonNull(locators, "locators");
    }

    int run(Arguments arguments, InputStream in, PrintStream out, PrintStream err) {
        if (arguments.help()) {
            out.println("Usage: " + USAGE);
            out.println();
            out.println("Prints the server each KEY of POOL is routed to: KEY<TAB>server name<TAB>address;");
            out.println("in a redis_cluster pool, KEY<TAB>slot<TAB>address of its master, asked of the cluster.");
            out.println("With no KEY, reads keys from stdin, one a line.");
            out.println("  -c, --conf-file=S : configuration file (default: " + CommandLineOptions.DEFAULT_CONF_FILE + ")");
            out.println("      --hex         : keys are hex-encoded bytes (and are printed as given)");
            return Main.EXIT_OK;
        }
        NutjarConfig config = configReader.apply(arguments.confFile());
        if (config == null) {
            return Main.EXIT_FAILURE;
        }
        PoolConfig pool = config.pool(arguments.pool()).orElse(null);
        if (pool == null) {
            err.println("nutjar: locate: no pool '" + arguments.pool() + "' in '" + arguments.confFile() + "'; pools: "
                    + config.poolsInFileOrder().stream().map(PoolConfig::name).collect(Collectors.joining(", ")));
            return Main.EXIT_FAILURE;
        }
        Function<byte[], String> locator;
        if (pool.redisCluster()) {
            locator = clusterLocator(pool, err);
            if (locator == null) {
                return Main.EXIT_FAILURE;
            }
        } else {
            KeyLocator ring;
            try {
                ring = locators.forPool(pool);
            } catch (RuntimeException e) {
                err.println("nutjar: locate: cannot route pool '" + pool.name() + "': " + e.getMessage());
                return Main.EXIT_FAILURE;
            }
            locator = key -> {
                ServerSpec server = ring.locate(key);
                return server.name() + "\t" + server.address();
            };
        }
        boolean allLocated = true;
        if (!arguments.keys().isEmpty()) {
            for (String key : arguments.keys()) {
                allLocated &= locate(locator, key, arguments.hex(), out, err);
            }
        } else {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String key = lines.readLine(); key != null; key = lines.readLine()) {
                    allLocated &= locate(locator, key, arguments.hex(), out, err);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        out.flush();
        return allLocated ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }

    /**
     * A cluster pool's keys: {@code slot<TAB>host:port} of its master, by the slot map of the first
     * seed node that answers; null, reported, when none does.
     */
    private static Function<byte[], String> clusterLocator(PoolConfig pool, PrintStream err) {
        ClusterProbe probe = new ClusterProbe(pool.hasTimeout() ? pool.timeoutMillis() : 2000,
                pool.serverUsername(pool.servers().get(0)), pool.serverPassword(pool.servers().get(0)));
        List<String> failures = new ArrayList<>();
        for (ServerSpec seed : pool.servers()) {
            if (seed.isUnix()) {
                continue;
            }
            try {
                ShardNodes[] shape = probe.shape(new NodeAddress(seed.host(), seed.port()));
                return key -> {
                    int slot = ClusterSlot.of(key, 0, key.length);
                    return slot + "\t" + (shape[slot] == null ? "-" : shape[slot].master().toString());
                };
            } catch (IOException e) {
                failures.add(seed.address() + ": " + e.getMessage());
            }
        }
        err.println("nutjar: locate: no seed node of cluster pool '" + pool.name() + "' told its slot map: "
                + String.join("; ", failures));
        return null;
    }

    private static boolean locate(Function<byte[], String> locator, String key, boolean hex, PrintStream out,
            PrintStream err) {
        byte[] bytes;
        if (hex) {
            try {
                bytes = HexFormat.of().parseHex(key);
            } catch (IllegalArgumentException e) {
                err.println("nutjar: locate: key '" + key + "' is not hex: " + e.getMessage());
                return false;
            }
        } else {
            bytes = key.getBytes(StandardCharsets.UTF_8);
        }
        out.println(key + "\t" + locator.apply(bytes));
        return true;
    }
}
