package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * TLS on both sides with real parts: redis-servers with {@code --tls-port} and
 * {@code tls-auth-clients yes} (one with an ACL user, one with a password of its own), a memcached
 * with {@code -Z}, and Jedis and {@code redis-cli --tls} as clients. Plain-text and TLS pools run
 * side by side in one proxy; each bad peer (wrong CA, expired certificate, wrong name, plain text
 * on a TLS port, no client certificate) is refused promptly, and the others carry on.
 */
@ExtendWith(NoLeaks.class)
class TlsIT {
    private static final String CLIENT_PASSWORD = "clients-pass";

    @TempDir
    static Path dir;

    private static TestCertificates certificates;
    private static TestCertificates.Pair ca;
    private static TestCertificates.Pair otherCa;
    private static TestCertificates.Pair proxyCert;
    private static TestCertificates.Pair clientCert;
    private static BackendProcess redisAcl;
    private static BackendProcess redisPassword;
    private static BackendProcess redisExpired;
    private static BackendProcess memcached;
    private static int redisAclTls;
    private static int redisPasswordTls;
    private static int redisExpiredTls;
    private static TestProxy proxy;
    private static int securePort;
    private static int plainPort;
    private static int memcachePort;
    private static int wrongCaPort;
    private static int wrongNamePort;
    private static int chainOnlyPort;
    private static int expiredPort;

    @BeforeAll
    static void start() throws Exception {
        certificates = new TestCertificates(dir);
        ca = certificates.authority("test-ca");
        otherCa = certificates.authority("other-ca");
        TestCertificates.Pair serverCert = certificates.issue(ca, "server", 2);
        TestCertificates.Pair expiredCert = certificates.issue(ca, "expired", -1);
        proxyCert = certificates.issue(ca, "proxy", 2);
        clientCert = certificates.issue(ca, "client", 2);

        redisAclTls = BackendProcess.freePort();
        redisAcl = BackendProcess.redis(tlsArgs(redisAclTls, serverCert, "--user", "app", "on", ">app-pass", "~*",
                "&*", "+@all", "--user", "default", "off"));
        redisPasswordTls = BackendProcess.freePort();
        redisPassword = BackendProcess.redis(tlsArgs(redisPasswordTls, serverCert, "--requirepass", "b-pass"));
        redisExpiredTls = BackendProcess.freePort();
        redisExpired = BackendProcess.redis(tlsArgs(redisExpiredTls, expiredCert));
        memcached = BackendProcess.memcached("-Z", "-o",
                "ssl_chain_cert=" + serverCert.cert() + ",ssl_key=" + serverCert.key());

        securePort = BackendProcess.freePort();
        plainPort = BackendProcess.freePort();
        memcachePort = BackendProcess.freePort();
        wrongCaPort = BackendProcess.freePort();
        wrongNamePort = BackendProcess.freePort();
        chainOnlyPort = BackendProcess.freePort();
        expiredPort = BackendProcess.freePort();
        String serverTls = """
                  server_tls:
                    ca: %s
                    cert: %s
                    key: %s
                """.formatted(ca.cert(), proxyCert.cert(), proxyCert.key());
        String twoServers = """
                  server_options:
                    acl:
                      redis_username: app
                      redis_auth: app-pass
                    pw:
                      redis_auth: b-pass
                  servers:
                   - 127.0.0.1:%d:1 acl
                   - localhost:%d:1 pw
                """.formatted(redisAclTls, redisPasswordTls);
        String yaml = """
                secure:
                  listen: 127.0.0.1:%d
                  redis: true
                  redis_auth: %s
                  tls:
                    cert: %s
                    key: %s
                    ca: %s
                    client_auth: require
                """.formatted(securePort, CLIENT_PASSWORD, proxyCert.cert(), proxyCert.key(), ca.cert())
                + serverTls + twoServers
                + "plain:\n  listen: 127.0.0.1:" + plainPort + "\n  redis: true\n" + serverTls + twoServers
                + "memcache:\n  listen: 127.0.0.1:" + memcachePort + "\n" + serverTls
                + "  servers:\n   - localhost:" + memcached.port() + ":1\n"
                + backendOnly("wrongca", wrongCaPort, otherCa.cert(), "full", null, redisExpiredTls)
                + backendOnly("wrongname", wrongNamePort, ca.cert(), "full", "wrong.example.com", redisPasswordTls)
                + backendOnly("chainonly", chainOnlyPort, ca.cert(), "ca", "wrong.example.com", redisPasswordTls)
                + backendOnly("expired", expiredPort, ca.cert(), "full", null, redisExpiredTls);
        proxy = TestProxy.start(yaml, securePort, 2);
    }

    private static String[] tlsArgs(int tlsPort, TestCertificates.Pair cert, String... more) {
        List<String> args = new ArrayList<>(List.of("--tls-port", String.valueOf(tlsPort),
                "--tls-cert-file", cert.cert().toString(), "--tls-key-file", cert.key().toString(),
                "--tls-ca-cert-file", ca.cert().toString(), "--tls-auth-clients", "yes"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** A plain-text pool in front of one TLS server, checked with {@code ca}, {@code verify} and {@code sni}. */
    private static String backendOnly(String name, int port, Path ca, String verify, String sni, int serverPort) {
        return name + ":\n  listen: 127.0.0.1:" + port + "\n  redis: true\n  redis_server_auth: b-pass\n"
                + "  server_tls:\n    ca: " + ca + "\n    cert: " + proxyCert.cert() + "\n    key: " + proxyCert.key()
                + "\n    verify: " + verify + "\n" + (sni == null ? "" : "    sni: " + sni + "\n")
                + "  servers:\n   - 127.0.0.1:" + serverPort + ":1\n";
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        for (BackendProcess backend : new BackendProcess[] {redisAcl, redisPassword, redisExpired, memcached}) {
            if (backend != null) {
                backend.close();
            }
        }
    }

    private static Jedis tlsJedis(SSLSocketFactory factory) {
        return new Jedis(new HostAndPort("localhost", securePort), DefaultJedisClientConfig.builder()
                .ssl(true).sslSocketFactory(factory).password(CLIENT_PASSWORD).socketTimeoutMillis(10_000).build());
    }

    @Test
    void jedisOverTlsReachesTlsServersWithTheirOwnCredentials() throws Exception {
        try (Jedis jedis = tlsJedis(certificates.socketFactory(ca, clientCert));
                Jedis plain = new Jedis("127.0.0.1", plainPort, 10_000)) {
            for (int i = 0; i < 40; i++) {
                assertThat(jedis.set("tls:" + i, "v" + i)).isEqualTo("OK");
            }
            for (int i = 0; i < 40; i++) {
                assertThat(jedis.get("tls:" + i)).isEqualTo("v" + i);
                assertThat(plain.get("tls:" + i)).as("the plain-text pool beside it").isEqualTo("v" + i);
            }
        }
        // Both servers got keys: each one's own credentials worked.
        try (Jedis a = new Jedis("127.0.0.1", redisAcl.port(), 10_000);
                Jedis b = new Jedis("127.0.0.1", redisPassword.port(), 10_000)) {
            a.auth("app", "app-pass");
            b.auth("b-pass");
            assertThat(a.dbSize()).isPositive();
            assertThat(b.dbSize()).isPositive();
        }
    }

    @Test
    void redisCliTalksTlsWithItsCertificate() throws Exception {
        assertThat(redisCli("SET", "cli:1", "hello")).isEqualTo("OK");
        assertThat(redisCli("GET", "cli:1")).isEqualTo("hello");
    }

    private static String redisCli(String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of(BackendProcess.binary("redis-cli", "redis-tools"), "--tls",
                "--cacert", ca.cert().toString(), "--cert", clientCert.cert().toString(),
                "--key", clientCert.key().toString(), "-h", "localhost", "-p", String.valueOf(securePort),
                "--no-auth-warning", "-a", CLIENT_PASSWORD));
        args.addAll(List.of(command));
        Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void memcachedWithTlsBehindAPlainTextPool() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", memcachePort)) {
            socket.setSoTimeout(10_000);
            assertThat(exchange(socket, "set tls:m 0 0 5\r\nhello\r\n", "STORED\r\n".length())).isEqualTo("STORED\r\n");
            String reply = "VALUE tls:m 0 5\r\nhello\r\nEND\r\n";
            assertThat(exchange(socket, "get tls:m\r\n", reply.length())).isEqualTo(reply);
        }
    }

    @Test
    void plainTextOnTheTlsPortIsClosedAndOthersCarryOn() throws Exception {
        try (Jedis good = tlsJedis(certificates.socketFactory(ca, clientCert))) {
            assertThat(good.set("calm", "1")).isEqualTo("OK");
            try (Socket socket = new Socket("127.0.0.1", securePort)) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("*1\r\n$4\r\nPING\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(readToEnd(socket)).as("closed, not answered").isNotEqualTo("+PONG\r\n");
            }
            assertThat(good.get("calm")).isEqualTo("1");
        }
    }

    @Test
    void clientWithoutCertificateOrWithAnotherCasIsRefused() throws Exception {
        for (SSLSocketFactory factory : List.of(certificates.socketFactory(ca, null),
                certificates.socketFactory(ca, certificates.issue(otherCa, "stranger", 2)))) {
            try (SSLSocket socket = (SSLSocket) factory.createSocket("localhost", securePort)) {
                socket.setSoTimeout(10_000);
                assertThatThrownBy(() -> {
                    socket.startHandshake();
                    // TLS 1.3: the refusal arrives after the client's side of the handshake is done.
                    socket.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    if (socket.getInputStream().read() < 0) {
                        throw new IOException("closed");
                    }
                }).isInstanceOf(IOException.class).isNotInstanceOf(SocketTimeoutException.class);
            }
        }
    }

    @Test
    void serversThatFailVerificationGetAnErrorReplyNotAHang() throws Exception {
        for (int port : new int[] {wrongCaPort, wrongNamePort, expiredPort}) {
            try (Jedis jedis = new Jedis("127.0.0.1", port, 10_000)) {
                assertThatThrownBy(() -> jedis.get("k")).hasMessageContaining("TLS handshake with server failed");
                assertThatThrownBy(() -> jedis.get("k")).hasMessageContaining("TLS handshake with server failed");
            }
        }
        try (Jedis jedis = new Jedis("127.0.0.1", chainOnlyPort, 10_000)) {
            assertThat(jedis.set("chain", "only")).as("verify: ca ignores the name").isEqualTo("OK");
        }
    }

    @Test
    void newConnectionsGetACertificateChangedOnDiskOpenOnesKeepTheirs() throws Exception {
        SSLSocketFactory factory = certificates.socketFactory(ca, clientCert);
        BigInteger before = serialOfProxy(factory);
        try (Jedis open = tlsJedis(factory)) {
            assertThat(open.set("reload", "1")).isEqualTo("OK");
            TestCertificates.Pair renewed = certificates.issue(ca, "proxy-renewed", 2);
            Files.copy(renewed.key(), proxyCert.key(), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(renewed.cert(), proxyCert.cert(), StandardCopyOption.REPLACE_EXISTING);
            BigInteger after = before;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (after.equals(before) && System.nanoTime() < deadline) {
                Thread.sleep(200);
                after = serialOfProxy(factory);
            }
            assertThat(after).as("a new connection's certificate").isNotEqualTo(before);
            assertThat(open.get("reload")).as("the open connection carries on").isEqualTo("1");
        }
    }

    @Test
    void protocolsAndCiphersAreTheOnesConfigured() throws Exception {
        int port = BackendProcess.freePort();
        TestProxy pinned = TestProxy.start("""
                pinned:
                  listen: 127.0.0.1:%d
                  redis: true
                  tls:
                    cert: %s
                    key: %s
                    protocols: TLSv1.2
                    ciphers: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
                  servers:
                   - 127.0.0.1:%d:1
                """.formatted(port, proxyCert.cert(), proxyCert.key(), redisExpired.port()), port, 1);
        try {
            SSLSocketFactory factory = certificates.socketFactory(ca, null);
            try (SSLSocket socket = (SSLSocket) factory.createSocket("localhost", port)) {
                socket.setSoTimeout(10_000);
                socket.startHandshake();
                assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
                assertThat(socket.getSession().getCipherSuite()).isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
            }
            try (SSLSocket socket = (SSLSocket) factory.createSocket("localhost", port)) {
                socket.setSoTimeout(10_000);
                socket.setEnabledProtocols(new String[] {"TLSv1.3"});
                assertThatThrownBy(socket::startHandshake).isInstanceOf(IOException.class)
                        .isNotInstanceOf(SocketTimeoutException.class);
            }
        } finally {
            pinned.close();
        }
    }

    private static BigInteger serialOfProxy(SSLSocketFactory factory) throws IOException {
        try (SSLSocket socket = (SSLSocket) factory.createSocket("localhost", securePort)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static String exchange(Socket socket, String request, int replyLength) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] reply = in.readNBytes(replyLength);
        return new String(reply, StandardCharsets.US_ASCII);
    }

    private static String readToEnd(Socket socket) throws IOException {
        try {
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "(" + e.getMessage() + ")";
        }
    }
}
