package dev.nutjar.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * TLS for a pool's clients (the pool's {@code tls:} mapping): the proxy's certificate and how it
 * checks the clients'. The files are read when the pool starts and again when they change on disk.
 *
 * @param certChain the proxy's certificate chain, PEM ({@code cert}, required)
 * @param key the private key of the chain's first certificate, PEM PKCS#8 ({@code key}, required)
 * @param clientCa the CAs client certificates must chain to, PEM ({@code ca}), or null: the JDK's
 *     trusted CAs
 * @param clientAuth whether clients must show a certificate ({@code client_auth}, default none)
 * @param protocols the TLS versions offered ({@code protocols}, default TLSv1.3 and TLSv1.2)
 * @param ciphers the cipher suites offered ({@code ciphers}), or empty for the engine's defaults
 */
public record ClientTls(
        Path certChain, Path key, Path clientCa, ClientAuth clientAuth, List<String> protocols, List<String> ciphers) {

    /** {@code client_auth}: whether a client must show a certificate. */
    public enum ClientAuth {
        /** No certificate asked for. The default. */
        NONE,
        /** Asked for; a client without one is let in, one with a bad one is refused. */
        OPTIONAL,
        /** Required: a client without a good certificate is refused. */
        REQUIRE
    }

    public ClientTls {
        Objects.requireNonNull(certChain, "certChain");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(clientAuth, "clientAuth");
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("at least one TLS protocol is needed");
        }
    }

    /** The files the context is built from, to watch for changes. */
    public List<Path> files() {
        return clientCa == null ? List.of(certChain, key) : List.of(certChain, key, clientCa);
    }
}
