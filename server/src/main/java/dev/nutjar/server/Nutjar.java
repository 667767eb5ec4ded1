package dev.nutjar.server;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctions;
import dev.nutjar.protocol.Protocol;
import dev.nutjar.protocol.Protocols;
import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.config.ConfigException;
import dev.nutjar.server.config.ConfigLoader;
import dev.nutjar.server.config.ListenAddress;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.config.PoolConfig;
import dev.nutjar.server.proxy.Proxy;
import dev.nutjar.spi.ProviderRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Starts the proxy inside an application or a test, from a {@code nutcracker.yml} or from code:
 *
 * <pre>{@code
 * try (EmbeddedProxy proxy = Nutjar.builder()
 *         .redisPool("cache", "127.0.0.1:6379:1 a", "127.0.0.1:6380:1 b")
 *         .start()) {
 *     InetSocketAddress address = proxy.address("cache"); // listen 127.0.0.1:0: the port bound
 *     ...
 * }
 * }</pre>
 *
 * <p>A pool may listen on port 0 ({@code listen: 127.0.0.1:0}, the default of pools made in code):
 * the system picks a free port and {@link EmbeddedProxy#address} reports it, so a test never
 * guesses one. The proxy logs through SLF4J and brings no SLF4J provider: its lines go wherever
 * the application's logging sends them.
 */
public final class Nutjar {
    private Nutjar() {}

    /** A builder with no pool yet, one event loop per two cores and no stats listener. */
    public static Builder builder() {
        return new Builder();
    }

    /** What to start; {@link #start()} starts it. Not thread-safe. */
    public static final class Builder {
        private final List<PoolConfig> pools = new ArrayList<>();
        private Path configFile;
        private String configText;
        private int threads = ProxyRunner.defaultThreads();
        private String statsHost;
        private int statsPort;
        private long statsIntervalMillis = 30_000;
        private String adminHost;
        private int adminPort;
        private int mbufSize = Proxy.Options.DEFAULT_MBUF_SIZE;
        private long maxValueLength = 512L * 1024 * 1024;
        private ProviderRegistry<HashFunction> hashes = HashFunctions.registry();
        private ProviderRegistry<Distribution> distributions = Distributions.registry();
        private ProviderRegistry<Protocol> protocols = Protocols.registry();

        private Builder() {}

        /**
         * The pools of a {@code nutcracker.yml}, loaded when the proxy starts.
         *
         * @param file the configuration file
         * @return this builder
         */
        public Builder config(Path file) {
            this.configFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * The pools of a configuration given as YAML text, as a {@code nutcracker.yml} holds it.
         *
         * @param yaml the configuration
         * @return this builder
         */
        public Builder configText(String yaml) {
            this.configText = Objects.requireNonNull(yaml, "yaml");
            return this;
        }

        /**
         * Adds a pool built in code, beside those of a configuration.
         *
         * @param pool the pool; see {@link PoolConfig} for every key
         * @return this builder
         */
        public Builder pool(PoolConfig pool) {
            pools.add(Objects.requireNonNull(pool, "pool"));
            return this;
        }

        /**
         * Adds a Redis pool on {@code 127.0.0.1:0} with twemproxy's defaults ({@code fnv1a_64},
         * {@code ketama}, no hash tag, no timeout).
         *
         * @param name the pool's name
         * @param servers the servers as a configuration writes them: {@code host:port:weight [name]}
         * @return this builder
         */
        public Builder redisPool(String name, String... servers) {
            return pool(defaultPool(name, true, servers));
        }

        /**
         * Adds a memcached pool on {@code 127.0.0.1:0} with twemproxy's defaults; see
         * {@link #redisPool}.
         *
         * @param name the pool's name
         * @param servers the servers as a configuration writes them: {@code host:port:weight [name]}
         * @return this builder
         */
        public Builder memcachePool(String name, String... servers) {
            return pool(defaultPool(name, false, servers));
        }

        /**
         * The number of event loops.
         *
         * @param threads at least 1; default one per two cores
         * @return this builder
         */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1 (was: " + threads + ")");
            }
            this.threads = threads;
            return this;
        }

        /**
         * Serves twemproxy's stats document on {@code host:port} (port 0: any free port, reported
         * by {@link EmbeddedProxy#statsAddress}). Without this call there is no stats listener.
         *
         * @param host the address to listen on
         * @param port the port, 0 for any free port
         * @return this builder
         */
        public Builder stats(String host, int port) {
            this.statsHost = Objects.requireNonNull(host, "host");
            this.statsPort = port;
            return this;
        }

        /**
         * Serves the admin HTTP port on {@code host:port}: {@code GET /metrics} (Prometheus),
         * {@code /live}, {@code /ready}, {@code /stats}, {@code POST /drain}. Port 0: any free port,
         * reported by {@link EmbeddedProxy#adminAddress}. Without this call the admin port is the
         * configuration file's {@code nutjar_admin}, if any; without either there is none, and no
         * latency or per-command metrics are recorded.
         *
         * @param host the address to listen on
         * @param port the port, 0 for any free port
         * @return this builder
         */
        public Builder admin(String host, int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535 (was: " + port + ")");
            }
            this.adminHost = Objects.requireNonNull(host, "host");
            this.adminPort = port;
            return this;
        }

        /**
         * How often the stats document is rebuilt (nutcracker's {@code -i}).
         *
         * @param millis the interval in milliseconds; default 30000
         * @return this builder
         */
        public Builder statsIntervalMillis(long millis) {
            this.statsIntervalMillis = millis;
            return this;
        }

        /**
         * The buffer unit, nutcracker's {@code -m}.
         *
         * @param bytes 512..16777216; default 16384
         * @return this builder
         */
        public Builder mbufSize(int bytes) {
            this.mbufSize = bytes;
            return this;
        }

        /**
         * The registries hash, distribution and protocol names resolve in; default the providers
         * {@link java.util.ServiceLoader} finds on the class path.
         *
         * @param hashes hash functions by name
         * @param distributions distributions by name
         * @param protocols protocols by name
         * @return this builder
         */
        public Builder providers(ProviderRegistry<HashFunction> hashes, ProviderRegistry<Distribution> distributions,
                ProviderRegistry<Protocol> protocols) {
            this.hashes = Objects.requireNonNull(hashes, "hashes");
            this.distributions = Objects.requireNonNull(distributions, "distributions");
            this.protocols = Objects.requireNonNull(protocols, "protocols");
            return this;
        }

        /**
         * Loads the configuration, binds every pool's listener and the stats port, and starts
         * serving.
         *
         * @return the running proxy; close it to stop
         * @throws ConfigException when the configuration has errors, each with its line, YAML path
         *     and value
         * @throws IOException when a listener cannot be bound
         */
        public EmbeddedProxy start() throws ConfigException, IOException {
            List<PoolConfig> all = new ArrayList<>();
            String source = "code";
            ConfigLoader loader = new ConfigLoader(hashes, distributions);
            ListenAddress fileAdmin = null;
            if (configFile != null) {
                NutjarConfig loaded = loader.load(configFile);
                all.addAll(loaded.poolsInFileOrder());
                source = loaded.source();
                fileAdmin = loaded.admin();
            }
            if (configText != null) {
                all.addAll(loader.parse(configText, "configuration text").poolsInFileOrder());
                source = configFile == null ? "configuration text" : source;
            }
            all.addAll(pools);
            if (all.isEmpty()) {
                throw new IllegalStateException("no pool: give a configuration or add a pool");
            }
            NutjarConfig config = NutjarConfig.of(source, all);
            String admin = adminHost;
            int port = adminPort;
            if (admin == null && fileAdmin != null) {
                // The file's nutjar_admin, unless admin() said otherwise.
                admin = fileAdmin.host();
                port = fileAdmin.port();
            }
            Proxy.Options options = new Proxy.Options(threads, statsHost, statsPort, statsIntervalMillis,
                    maxValueLength, hashes, distributions, protocols, mbufSize, admin, port);
            ProxyRunner runner = new ProxyRunner(config, options);
            return new EmbeddedProxy(config, runner, runner.start(), statsHost);
        }

        private static PoolConfig defaultPool(String name, boolean redis, String... servers) {
            List<ServerSpec> specs = new ArrayList<>(servers.length);
            for (String server : servers) {
                specs.add(ServerSpec.parse(server));
            }
            return new PoolConfig(name, ListenAddress.parse("127.0.0.1:0"), PoolConfig.DEFAULT_CLIENT_CONNECTIONS,
                    PoolConfig.DEFAULT_HASH, null, PoolConfig.DEFAULT_DISTRIBUTION, PoolConfig.NO_TIMEOUT,
                    PoolConfig.DEFAULT_BACKLOG, false, false, redis, null, PoolConfig.DEFAULT_REDIS_DB,
                    PoolConfig.DEFAULT_SERVER_CONNECTIONS, false, PoolConfig.DEFAULT_SERVER_RETRY_TIMEOUT_MILLIS,
                    PoolConfig.DEFAULT_SERVER_FAILURE_LIMIT, specs);
        }
    }
}
