package dev.nutjar.cli;

import dev.nutjar.hash.HashFunctions;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.server.StatsDescription;
import dev.nutjar.server.Version;
import dev.nutjar.server.config.ConfigException;
import dev.nutjar.server.config.ConfigLoader;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.config.PoolConfig;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/**
 * The {@code nutjar} command: nutcracker's command line, plus the {@code locate} and {@code demo}
 * commands.
 *
 * <p>As in nutcracker, {@code -h}, {@code -V} and {@code -D} print and exit 0 without reading the
 * configuration; otherwise {@code -t} checks the configuration and exits; otherwise the proxy runs.
 * Unlike nutcracker, the banner, usage and stats descriptions go to stdout (so {@code nutjar -h |
 * less} works); errors and the {@code -t} verdict go to stderr, as nutcracker prints them.
 */
public final class Main {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;

    private final Supplier<ConfigLoader> configLoader;
    private final KeyLocator.Factory locators;

    /**
     * @param configLoader supplies the loader when a configuration is first read, so that {@code -h}
     *     works even when a plugin on the class path is broken
     * @param locators routes keys for {@code nutjar locate}
     */
    public Main(Supplier<ConfigLoader> configLoader, KeyLocator.Factory locators) {
        this.configLoader = Objects.requireNonNull(configLoader, "configLoader");
        this.locators = Objects.requireNonNull(locators, "locators");
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs {@code nutjar args}, reading stdin, and returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.in, out, err);
    }

    /** Runs {@code nutjar args} with the hash functions and distributions on the class path. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        Main main = new Main(() -> ConfigLoader.withInstalledProviders().resolvingListenHosts(), Main::poolRouter);
        return main.execute(List.of(args), in, out, err);
    }

    /** Runs {@code nutjar args} and returns the exit status; never calls {@link System#exit}. */
    public int execute(List<String> args, InputStream in, PrintStream out, PrintStream err) {
        try {
            if (!args.isEmpty() && !args.get(0).startsWith("-")) {
                return runCommand(args.get(0), args.subList(1, args.size()), in, out, err);
            }
            CommandLineOptions options;
            try {
                options = CommandLineOptions.parse(args);
            } catch (UsageException e) {
                err.println("nutjar: " + e.getMessage());
                printUsage(err);
                return EXIT_FAILURE;
            }
            if (options.printsAndExits()) {
                out.println(Version.banner());
                out.println();
                if (options.help()) {
                    printUsage(out);
                }
                if (options.describeStats()) {
                    StatsDescription.print(out);
                }
                return EXIT_OK;
            }
            if (options.testConf()) {
                return testConfiguration(options.confFile(), err);
            }
            NutjarConfig config = readConfiguration(options.confFile(), err);
            return config == null ? EXIT_FAILURE : runProxy(options, config, out, err);
        } catch (IllegalStateException e) {
            // A provider on the class path that fails to load, or two claiming one name.
            err.println("nutjar: " + e.getMessage());
            return EXIT_FAILURE;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int runCommand(String command, List<String> args, InputStream in, PrintStream out, PrintStream err) {
        switch (command) {
            case "locate" -> {
                LocateCommand.Arguments arguments;
                try {
                    arguments = LocateCommand.Arguments.parse(args);
                } catch (UsageException e) {
                    err.println("nutjar: " + e.getMessage());
                    err.println("Usage: " + LocateCommand.USAGE);
                    return EXIT_FAILURE;
                }
                return new LocateCommand(file -> readConfiguration(file, err), locators).run(arguments, in, out, err);
            }
            case "demo" -> {
                return runDemo(args, out, err);
            }
            default -> {
                err.println("nutjar: unknown command '" + command + "'");
                printUsage(err);
                return EXIT_FAILURE;
            }
        }
    }

    /** Runs the proxy with a valid configuration until it stops, and returns the exit status. */
    private int runProxy(CommandLineOptions options, NutjarConfig config, PrintStream out, PrintStream err) {
        return new ProxyProcess(options, config).run(err);
    }

    /**
     * Builds the router of a pool for {@code nutjar locate}: its hash tag, hash function and
     * distribution over all its servers, every one live, exactly as the proxy routes.
     */
    private static KeyLocator poolRouter(PoolConfig pool) {
        ServerPool routing = pool.routing(HashFunctions.registry(), Distributions.registry()).build();
        return key -> routing.server(routing.route(key));
    }

    /** {@code nutjar demo}: local servers behind the proxy, until Ctrl-C or SIGTERM. */
    private int runDemo(List<String> args, PrintStream out, PrintStream err) {
        if (!args.isEmpty()) {
            err.println("nutjar: demo takes no arguments");
            return EXIT_FAILURE;
        }
        CountDownLatch stop = new CountDownLatch(1);
        // Stopped like the proxy: the signal logged, everything it started stopped, exit status 0.
        Signals.handleAndLog("INT", 2, "exiting", stop::countDown);
        Signals.handleAndLog("TERM", 15, "exiting", stop::countDown);
        return new DemoCommand(out, err, stop, System.getenv("PATH")).run();
    }

    /** nutcracker's {@code -t}: the verdict on stderr, and here every error after it. */
    private int testConfiguration(String confFile, PrintStream err) {
        NutjarConfig config = readConfiguration(confFile, err);
        if (config == null) {
            return EXIT_FAILURE;
        }
        err.println("nutjar: configuration file '" + confFile + "' syntax is ok");
        return EXIT_OK;
    }

    /** Loads and validates {@code confFile}, or prints why it cannot be used and returns null. */
    private NutjarConfig readConfiguration(String confFile, PrintStream err) {
        List<String> errors;
        try {
            return configLoader.get().load(Path.of(confFile));
        } catch (ConfigException e) {
            errors = e.errors();
        } catch (InvalidPathException e) {
            errors = List.of(confFile + ": not a valid file name: " + e.getReason());
        }
        err.println("nutjar: configuration file '" + confFile + "' syntax is invalid");
        errors.forEach(error -> err.println("nutjar: " + error));
        return null;
    }

    /** nutcracker's usage text, with Nutjar's extra flag and commands. */
    static void printUsage(PrintStream out) {
        out.print(String.join(System.lineSeparator(), Arrays.asList(
                "Usage: nutjar [-?hVdDt] [-v verbosity level] [-o output file]",
                "              [-c conf file] [-s stats port] [-a stats addr]",
                "              [-i stats interval] [-p pid file] [-m mbuf size]",
                "              [--threads N] [--admin-port N] [--admin-addr S]",
                "       " + LocateCommand.USAGE,
                "       nutjar demo",
                "",
                "Options:",
                "  -h, --help             : this help",
                "  -V, --version          : show version and exit",
                "  -t, --test-conf        : test configuration for syntax errors and exit",
                "  -d, --daemonize        : run as a daemon",
                "  -D, --describe-stats   : print stats description and exit",
                "  -v, --verbose=N        : set logging level (default: " + CommandLineOptions.DEFAULT_VERBOSITY
                        + ", min: 0, max: " + CommandLineOptions.MAX_VERBOSITY + ")",
                "  -o, --output=S         : set logging file (default: stderr)",
                "  -c, --conf-file=S      : set configuration file (default: " + CommandLineOptions.DEFAULT_CONF_FILE + ")",
                "  -s, --stats-port=N     : set stats monitoring port (default: " + CommandLineOptions.DEFAULT_STATS_PORT + ")",
                "  -a, --stats-addr=S     : set stats monitoring ip (default: " + CommandLineOptions.DEFAULT_STATS_ADDR + ")",
                "  -i, --stats-interval=N : set stats aggregation interval in msec (default: "
                        + CommandLineOptions.DEFAULT_STATS_INTERVAL_MILLIS + " msec)",
                "  -p, --pid-file=S       : set pid file (default: off)",
                "  -m, --mbuf-size=N      : set size of mbuf chunk in bytes (default: "
                        + CommandLineOptions.DEFAULT_MBUF_SIZE + " bytes);",
                "                           small writes are batched into N-byte buffers, reads take up",
                "                           to max(4 x N, 4096) bytes (min: " + CommandLineOptions.MIN_MBUF_SIZE + ", max: "
                        + CommandLineOptions.MAX_MBUF_SIZE + ")",
                "      --threads=N        : set number of event loops (default: chosen at startup, max: "
                        + CommandLineOptions.MAX_THREADS + ")",
                "      --admin-port=N     : serve /metrics, /live, /ready, /stats and POST /drain over",
                "                           HTTP on port N, 0 for any free port (default: off)",
                "      --admin-addr=S     : set admin port ip (default: " + CommandLineOptions.DEFAULT_ADMIN_ADDR + ")",
                "",
                "Commands:",
                "  locate POOL [KEY ...]  : print the server each key of POOL is routed to, as",
                "                           KEY<TAB>server name<TAB>address; keys from stdin when none",
                "                           are given; -c FILE as above, --hex for hex-encoded keys",
                "  demo                   : start three local redis-servers (and two memcached) behind\n"
                        + "                           the proxy, write sample keys, stop all on Ctrl-C",
                "")));
        out.println();
    }
}
