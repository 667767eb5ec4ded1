package dev.nutjar.testkit;

import dev.nutjar.server.EmbeddedProxy;
import dev.nutjar.server.Nutjar;
import dev.nutjar.server.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that runs a Nutjar proxy in front of the test's backends, on free ports:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final NutjarExtension nutjar = NutjarExtension.with(proxy -> proxy
 *         .redisPool("cache", redisA.address() + ":1 a", redisB.address() + ":1 b"));
 *
 * @Test
 * void readsThroughTheProxy() {
 *     try (Jedis jedis = new Jedis(nutjar.host(), nutjar.port("cache"))) { ... }
 * }
 * }</pre>
 *
 * <p>The proxy starts the first time the test asks for it, so that backends started in
 * {@code @BeforeAll} (or by an extension registered later) are up by then, and stops after the
 * test class. Register it in a {@code static} field.
 */
public final class NutjarExtension implements AfterAllCallback {
    private final Consumer<Nutjar.Builder> configuration;
    private EmbeddedProxy proxy;

    private NutjarExtension(Consumer<Nutjar.Builder> configuration) {
        this.configuration = Objects.requireNonNull(configuration, "configuration");
    }

    /**
     * An extension whose proxy {@code configuration} describes: its pools (a configuration file,
     * YAML text or pools built in code), event loops, stats.
     *
     * @param configuration called once, with a fresh {@link Nutjar#builder()}, when the proxy starts
     * @return the extension, to register in a static field
     */
    public static NutjarExtension with(Consumer<Nutjar.Builder> configuration) {
        return new NutjarExtension(configuration);
    }

    /**
     * The running proxy, started on the first call.
     *
     * @return the proxy
     * @throws IllegalStateException when the configuration has errors (the message lists them)
     * @throws UncheckedIOException when a listener cannot be bound
     */
    public synchronized EmbeddedProxy proxy() {
        if (proxy == null) {
            Nutjar.Builder builder = Nutjar.builder().threads(1);
            configuration.accept(builder);
            try {
                proxy = builder.start();
            } catch (ConfigException e) {
                throw new IllegalStateException(e.getMessage(), e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the proxy: " + e.getMessage(), e);
            }
        }
        return proxy;
    }

    /**
     * Where pool {@code pool} listens.
     *
     * @param pool the pool's name
     * @return the bound address
     */
    public InetSocketAddress address(String pool) {
        return proxy().address(pool);
    }

    /**
     * The host clients of pool {@code pool} connect to, as a string.
     *
     * @param pool the pool's name
     * @return the bound address's host
     */
    public String host(String pool) {
        return address(pool).getHostString();
    }

    /**
     * The port pool {@code pool} listens on.
     *
     * @param pool the pool's name
     * @return the bound port
     */
    public int port(String pool) {
        return address(pool).getPort();
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
    }
}
