package dev.nutjar.server.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * TLS from the proxy to one server: the pool's {@code server_tls:} mapping with that server's
 * {@code server_options} laid over it.
 *
 * @param ca the CAs the server's certificate must chain to, PEM ({@code ca}), or null: the JDK's
 *     trusted CAs
 * @param certChain the proxy's client certificate chain, PEM ({@code cert}), or null for none
 * @param key the private key of that chain, PEM PKCS#8 ({@code key}); set exactly when
 *     {@code certChain} is
 * @param verify how the server's certificate is checked ({@code verify}, default full)
 * @param sni the name sent as SNI and checked against the certificate ({@code sni}), or null: the
 *     server's host when it is a name, no SNI when it is an address
 * @param protocols the TLS versions offered ({@code protocols}, default TLSv1.3 and TLSv1.2)
 * @param ciphers the cipher suites offered ({@code ciphers}), or empty for the engine's defaults
 */
public record ServerTls(
        Path ca, Path certChain, Path key, Verify verify, String sni, List<String> protocols, List<String> ciphers) {

    /** {@code verify}: how much of the server's certificate is checked. */
    public enum Verify {
        /** The chain to a trusted CA, and the host name (or {@code sni}) in the certificate. The default. */
        FULL,
        /** The chain only: for certificates that name something other than the address dialled. */
        CA,
        /** Nothing: the connection is encrypted but the server is not authenticated. */
        NONE
    }

    public ServerTls {
        Objects.requireNonNull(verify, "verify");
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
        if ((certChain == null) != (key == null)) {
            throw new IllegalArgumentException("a client certificate needs both cert and key");
        }
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("at least one TLS protocol is needed");
        }
    }

    /** The files the context is built from, to watch for changes. */
    public List<Path> files() {
        List<Path> files = new ArrayList<>(3);
        if (ca != null) {
            files.add(ca);
        }
        if (certChain != null) {
            files.add(certChain);
            files.add(key);
        }
        return files;
    }
}
