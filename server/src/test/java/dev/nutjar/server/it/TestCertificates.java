package dev.nutjar.server.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificate authorities and certificates made at test time with the {@code openssl} command
 * (P-256 keys, PKCS#8 PEM), so no key is ever committed.
 */
final class TestCertificates {
    /** A certificate and its key, PEM files. */
    record Pair(Path cert, Path key) {}

    private final Path dir;

    TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** A self-signed CA named {@code name}. */
    Pair authority(String name) throws IOException {
        Pair ca = new Pair(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", ca.key().toString(), "-out", ca.cert().toString(), "-days", "2", "-subj", "/CN=" + name);
        return ca;
    }

    /**
     * A certificate signed by {@code ca} for {@code localhost} and {@code 127.0.0.1} (or the names
     * given), valid for {@code days} (-1: expired).
     */
    Pair issue(Pair ca, String name, int days, String... dnsNames) throws IOException {
        Pair leaf = new Pair(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
        Path request = dir.resolve(name + ".csr");
        Path extensions = dir.resolve(name + ".ext");
        List<String> names = new ArrayList<>();
        for (String dns : dnsNames.length == 0 ? new String[] {"localhost"} : dnsNames) {
            names.add("DNS:" + dns);
        }
        names.add("IP:127.0.0.1");
        Files.writeString(extensions, "subjectAltName=" + String.join(",", names) + "\n");
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", leaf.key().toString(), "-out", request.toString(), "-subj", "/CN=" + name);
        openssl("x509", "-req", "-in", request.toString(), "-CA", ca.cert().toString(), "-CAkey", ca.key().toString(),
                "-CAcreateserial", "-out", leaf.cert().toString(), "-days", String.valueOf(days),
                "-extfile", extensions.toString());
        return leaf;
    }

    /** A socket factory that trusts {@code ca} and shows {@code client} (or no certificate when null). */
    SSLSocketFactory socketFactory(Pair ca, Pair client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(ca.cert())) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        KeyManagerFactory keyManagers = null;
        if (client != null) {
            Path p12 = dir.resolve(client.cert().getFileName() + ".p12");
            openssl("pkcs12", "-export", "-in", client.cert().toString(), "-inkey", client.key().toString(),
                    "-out", p12.toString(), "-passout", "pass:test");
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(p12)) {
                keys.load(in, "test".toCharArray());
            }
            keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, "test".toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    private void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(BackendProcess.binary("openssl", "openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("openssl " + String.join(" ", args) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
