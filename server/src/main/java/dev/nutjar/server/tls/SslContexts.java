package dev.nutjar.server.tls;

import dev.nutjar.server.config.ClientTls;
import dev.nutjar.server.config.ServerTls;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Builds the SSL contexts of a pool from its configuration, on the fastest engine that loads:
 * BoringSSL (netty-tcnative) unless {@code -Dnutjar.tls.provider=jdk}, else the JDK's.
 */
public final class SslContexts {
    private SslContexts() {}

    /** The engine in use: OpenSSL (BoringSSL) where it loads, unless {@code nutjar.tls.provider=jdk}. */
    public static SslProvider provider() {
        String wanted = System.getProperty("nutjar.tls.provider", "").toLowerCase(Locale.ROOT);
        if (wanted.equals("jdk")) {
            return SslProvider.JDK;
        }
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /**
     * The context a pool's listener hands its clients.
     *
     * @throws SSLException when a file cannot be read or does not hold what it should
     * @throws IllegalArgumentException when a file is not PEM of the expected kind
     */
    public static SslContext forClients(ClientTls tls) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forServer(tls.certChain().toFile(), tls.key().toFile())
                .sslProvider(provider())
                .protocols(tls.protocols())
                .clientAuth(switch (tls.clientAuth()) {
                    case NONE -> ClientAuth.NONE;
                    case OPTIONAL -> ClientAuth.OPTIONAL;
                    case REQUIRE -> ClientAuth.REQUIRE;
                });
        if (tls.clientCa() != null) {
            builder.trustManager(tls.clientCa().toFile());
        }
        if (!tls.ciphers().isEmpty()) {
            builder.ciphers(tls.ciphers());
        }
        return builder.build();
    }

    /**
     * The context the proxy connects to servers with. With {@code verify: full}, the host name is
     * checked as HTTPS checks it; the peer host given to each new engine is what is checked.
     *
     * @throws SSLException when a file cannot be read or does not hold what it should
     */
    public static SslContext forServers(ServerTls tls) throws SSLException {
        return forServers(tls, provider());
    }

    /** {@link #forServers(ServerTls)} on the given engine: the JDK's for blocking sockets. */
    static SslContext forServers(ServerTls tls, SslProvider provider) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(provider)
                .protocols(tls.protocols())
                .endpointIdentificationAlgorithm(tls.verify() == ServerTls.Verify.FULL ? "HTTPS" : null);
        if (tls.verify() == ServerTls.Verify.NONE) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (tls.ca() != null) {
            builder.trustManager(tls.ca().toFile());
        }
        if (tls.certChain() != null) {
            builder.keyManager(tls.certChain().toFile(), tls.key().toFile());
        }
        if (!tls.ciphers().isEmpty()) {
            builder.ciphers(tls.ciphers());
        }
        return builder.build();
    }
}
