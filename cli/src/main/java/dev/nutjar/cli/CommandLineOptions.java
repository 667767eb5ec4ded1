package dev.nutjar.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * nutcracker 0.5's command line, with the same flags, defaults and checks, plus {@code --threads}.
 *
 * <p>{@link #parse} follows {@code getopt_long}: short flags combine ({@code -dt}) and take their
 * value attached or next ({@code -cfile}, {@code -c file}); long flags take {@code =value} or the
 * next argument and may be shortened to any unambiguous prefix ({@code --conf=file}); {@code --}
 * ends the options. Unlike nutcracker, a stray argument is an error instead of being ignored.
 *
 * @param help {@code -h}: print the banner and the usage, then exit
 * @param version {@code -V}: print the banner, then exit
 * @param testConf {@code -t}: check the configuration, then exit
 * @param daemonize {@code -d}: run in the background
 * @param describeStats {@code -D}: print the banner and the stats descriptions, then exit
 * @param verbosity {@code -v}: log level 0 (emergencies only) to 11; larger values are clamped, as
 *     nutcracker's logger does. Default 5 (notice)
 * @param outputFile {@code -o}: the log file, or null for stderr (also when given as "")
 * @param confFile {@code -c}: the configuration file, default {@code conf/nutcracker.yml}
 * @param statsPort {@code -s}: the stats port, 1..65535, default 22222
 * @param statsAddr {@code -a}: the stats address, default 0.0.0.0
 * @param statsIntervalMillis {@code -i}: the stats aggregation interval in ms, default 30000
 * @param pidFile {@code -p}: the pid file, or null for none
 * @param mbufSize {@code -m}: the buffer chunk size in bytes, 512..16777216, default 16384
 * @param threads {@code --threads}: event loops, 1..{@value #MAX_THREADS}, or {@link #AUTOMATIC_THREADS}
 *     to let the proxy choose
 * @param adminPort {@code --admin-port}: the admin HTTP port ({@code /metrics}, {@code /ready},
 *     {@code /drain}), 0 for any free port, or {@link #NO_ADMIN_PORT} (the default) for none
 * @param adminAddr {@code --admin-addr}: the admin port's address, default {@value #DEFAULT_ADMIN_ADDR}
 */
public record CommandLineOptions(
        boolean help,
        boolean version,
        boolean testConf,
        boolean daemonize,
        boolean describeStats,
        int verbosity,
        String outputFile,
        String confFile,
        int statsPort,
        String statsAddr,
        int statsIntervalMillis,
        String pidFile,
        int mbufSize,
        int threads,
        int adminPort,
        String adminAddr) {

    public static final int DEFAULT_VERBOSITY = 5;
    public static final int MAX_VERBOSITY = 11;
    public static final String DEFAULT_CONF_FILE = "conf/nutcracker.yml";
    public static final int DEFAULT_STATS_PORT = 22222;
    public static final String DEFAULT_STATS_ADDR = "0.0.0.0";
    public static final int DEFAULT_STATS_INTERVAL_MILLIS = 30_000;
    public static final int DEFAULT_MBUF_SIZE = 16384;
    public static final int MIN_MBUF_SIZE = 512;
    public static final int MAX_MBUF_SIZE = 16_777_216;
    public static final int AUTOMATIC_THREADS = 0;
    public static final int MAX_THREADS = 256;
    public static final int NO_ADMIN_PORT = -1;
    /** Loopback: {@code POST /drain} asks no credentials, so the port is not opened to the network unless asked. */
    public static final String DEFAULT_ADMIN_ADDR = "127.0.0.1";

    public CommandLineOptions {
        Objects.requireNonNull(confFile, "confFile");
        Objects.requireNonNull(statsAddr, "statsAddr");
        Objects.requireNonNull(adminAddr, "adminAddr");
    }

    /** The options nutcracker's flags give, without an admin port. */
    public CommandLineOptions(boolean help, boolean version, boolean testConf, boolean daemonize,
            boolean describeStats, int verbosity, String outputFile, String confFile, int statsPort, String statsAddr,
            int statsIntervalMillis, String pidFile, int mbufSize, int threads) {
        this(help, version, testConf, daemonize, describeStats, verbosity, outputFile, confFile, statsPort, statsAddr,
                statsIntervalMillis, pidFile, mbufSize, threads, NO_ADMIN_PORT, DEFAULT_ADMIN_ADDR);
    }

    /** Whether {@code --admin-port} asks for an admin port. */
    public boolean hasAdminPort() {
        return adminPort != NO_ADMIN_PORT;
    }

    /** The options of a bare {@code nutjar}: every default. */
    public static CommandLineOptions defaults() {
        return new CommandLineOptions(false, false, false, false, false, DEFAULT_VERBOSITY, null,
                DEFAULT_CONF_FILE, DEFAULT_STATS_PORT, DEFAULT_STATS_ADDR, DEFAULT_STATS_INTERVAL_MILLIS, null,
                DEFAULT_MBUF_SIZE, AUTOMATIC_THREADS);
    }

    /** Whether only printing is asked for ({@code -h}, {@code -V}, {@code -D}): no configuration is read. */
    public boolean printsAndExits() {
        return help || version || describeStats;
    }

    /** Every flag, with what its value must be; nutcracker's order. */
    private enum Flag {
        HELP('h', "help", null),
        VERSION('V', "version", null),
        TEST_CONF('t', "test-conf", null),
        DAEMONIZE('d', "daemonize", null),
        DESCRIBE_STATS('D', "describe-stats", null),
        VERBOSE('v', "verbose", "a number"),
        OUTPUT('o', "output", "a file name"),
        CONF_FILE('c', "conf-file", "a file name"),
        STATS_PORT('s', "stats-port", "a number"),
        STATS_INTERVAL('i', "stats-interval", "a number"),
        STATS_ADDR('a', "stats-addr", "a string"),
        PID_FILE('p', "pid-file", "a file name"),
        MBUF_SIZE('m', "mbuf-size", "a number"),
        THREADS('\0', "threads", "a number"),
        ADMIN_PORT('\0', "admin-port", "a number"),
        ADMIN_ADDR('\0', "admin-addr", "a string");

        final char shortName;
        final String longName;
        /** What the value is, for "requires ..."; null for a flag without a value. */
        final String valueKind;

        Flag(char shortName, String longName, String valueKind) {
            this.shortName = shortName;
            this.longName = longName;
            this.valueKind = valueKind;
        }

        boolean takesValue() {
            return valueKind != null;
        }

        /** How nutcracker names the flag in messages: {@code -c}, even when given as {@code --conf-file}. */
        String display() {
            return shortName != '\0' ? "-" + shortName : "--" + longName;
        }
    }

    /**
     * Parses nutcracker's flags.
     *
     * @throws UsageException with nutcracker's message, for example
     *     {@code option -s value 0 is not a valid port} or {@code invalid option -- 'x'}
     */
    public static CommandLineOptions parse(String... args) throws UsageException {
        return parse(Arrays.asList(args));
    }

    /** @see #parse(String...) */
    public static CommandLineOptions parse(List<String> args) throws UsageException {
        Builder options = new Builder();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                if (i + 1 < args.size()) {
                    throw new UsageException("unexpected argument '" + args.get(i + 1) + "'");
                }
                break;
            }
            if (arg.startsWith("--")) {
                String name = arg.substring(2);
                String value = null;
                int equals = name.indexOf('=');
                if (equals >= 0) {
                    value = name.substring(equals + 1);
                    name = name.substring(0, equals);
                }
                Flag flag = longFlag(name, arg);
                if (!flag.takesValue()) {
                    if (value != null) {
                        throw new UsageException("option '--" + flag.longName + "' doesn't allow an argument");
                    }
                    options.set(flag, null);
                } else {
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw requiresValue(flag);
                        }
                        value = args.get(++i);
                    }
                    options.set(flag, value);
                }
            } else if (arg.startsWith("-") && arg.length() > 1) {
                for (int j = 1; j < arg.length(); j++) {
                    Flag flag = shortFlag(arg.charAt(j));
                    if (!flag.takesValue()) {
                        options.set(flag, null);
                        continue;
                    }
                    String value;
                    if (j + 1 < arg.length()) {
                        value = arg.substring(j + 1);
                    } else if (i + 1 < args.size()) {
                        value = args.get(++i);
                    } else {
                        throw requiresValue(flag);
                    }
                    options.set(flag, value);
                    break;
                }
            } else {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
        }
        return options.build();
    }

    private static Flag shortFlag(char c) throws UsageException {
        if (c == '?') {
            return Flag.HELP; // nutcracker's usage lists -? but rejects it; here it means what it says
        }
        for (Flag flag : Flag.values()) {
            if (flag.shortName == c && c != '\0') {
                return flag;
            }
        }
        throw new UsageException("invalid option -- '" + c + "'");
    }

    /** An exact long name, else the one flag it is a prefix of, as getopt_long allows. */
    private static Flag longFlag(String name, String arg) throws UsageException {
        List<Flag> candidates = Arrays.stream(Flag.values())
                .filter(flag -> flag.longName.startsWith(name))
                .toList();
        for (Flag flag : candidates) {
            if (flag.longName.equals(name)) {
                return flag;
            }
        }
        if (name.isEmpty() || candidates.isEmpty()) {
            throw new UsageException("unrecognized option '" + arg + "'");
        }
        if (candidates.size() > 1) {
            throw new UsageException("option '--" + name + "' is ambiguous; possibilities: "
                    + candidates.stream().map(flag -> "'--" + flag.longName + "'").collect(Collectors.joining(" ")));
        }
        return candidates.get(0);
    }

    private static UsageException requiresValue(Flag flag) {
        return new UsageException("option " + flag.display() + " requires " + flag.valueKind);
    }

    /** Mutable state of one parse; nutcracker lets a later flag override an earlier one. */
    private static final class Builder {
        private boolean help;
        private boolean version;
        private boolean testConf;
        private boolean daemonize;
        private boolean describeStats;
        private int verbosity = DEFAULT_VERBOSITY;
        private String outputFile;
        private String confFile = DEFAULT_CONF_FILE;
        private int statsPort = DEFAULT_STATS_PORT;
        private String statsAddr = DEFAULT_STATS_ADDR;
        private int statsIntervalMillis = DEFAULT_STATS_INTERVAL_MILLIS;
        private String pidFile;
        private int mbufSize = DEFAULT_MBUF_SIZE;
        private int threads = AUTOMATIC_THREADS;
        private int adminPort = NO_ADMIN_PORT;
        private String adminAddr = DEFAULT_ADMIN_ADDR;

        void set(Flag flag, String value) throws UsageException {
            switch (flag) {
                case HELP -> help = true;
                case VERSION -> version = true;
                case TEST_CONF -> testConf = true;
                case DAEMONIZE -> daemonize = true;
                case DESCRIBE_STATS -> describeStats = true;
                case VERBOSE -> verbosity = (int) Math.min(number(flag, value), MAX_VERBOSITY);
                case OUTPUT -> outputFile = value.isEmpty() ? null : value;
                case CONF_FILE -> confFile = value;
                case STATS_PORT -> {
                    long port = number(flag, value);
                    if (port < 1 || port > 65535) {
                        throw new UsageException("option -s value " + value + " is not a valid port");
                    }
                    statsPort = (int) port;
                }
                case STATS_INTERVAL -> statsIntervalMillis = (int) Math.min(number(flag, value), Integer.MAX_VALUE);
                case STATS_ADDR -> statsAddr = value;
                case PID_FILE -> pidFile = value;
                case MBUF_SIZE -> {
                    long size = digits(value);
                    if (size <= 0) {
                        throw new UsageException("option -m requires a non-zero number");
                    }
                    if (size < MIN_MBUF_SIZE || size > MAX_MBUF_SIZE) {
                        throw new UsageException("mbuf chunk size must be between "
                                + MIN_MBUF_SIZE + " and " + MAX_MBUF_SIZE + " bytes");
                    }
                    mbufSize = (int) size;
                }
                case THREADS -> {
                    long count = number(flag, value);
                    if (count < 1 || count > MAX_THREADS) {
                        throw new UsageException("option --threads value " + value
                                + " is not between 1 and " + MAX_THREADS);
                    }
                    threads = (int) count;
                }
                case ADMIN_PORT -> {
                    long port = number(flag, value);
                    if (port > 65535) {
                        throw new UsageException("option --admin-port value " + value + " is not a valid port");
                    }
                    adminPort = (int) port;
                }
                case ADMIN_ADDR -> adminAddr = value;
            }
        }

        CommandLineOptions build() {
            return new CommandLineOptions(help, version, testConf, daemonize, describeStats, verbosity, outputFile,
                    confFile, statsPort, statsAddr, statsIntervalMillis, pidFile, mbufSize, threads, adminPort,
                    adminAddr);
        }

        private static long number(Flag flag, String value) throws UsageException {
            long number = digits(value);
            if (number < 0) {
                throw requiresValue(flag);
            }
            return number;
        }

        /** nutcracker's nc_atoi: decimal digits only, else -1; saturates instead of overflowing. */
        private static long digits(String text) {
            if (text.isEmpty()) {
                return -1;
            }
            long value = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                value = Math.min(value * 10 + (c - '0'), 1L << 40);
            }
            return value;
        }
    }
}
