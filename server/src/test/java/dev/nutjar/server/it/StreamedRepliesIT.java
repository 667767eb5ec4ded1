package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Large Redis replies passed on as they arrive, against hand-driven backends whose every byte the
 * test writes: the client has the start of a reply before the backend has sent the rest; a reply
 * waits for the replies before it; and what happens when a streamed reply cannot be finished (the
 * backend closes, the request times out) or its client goes away.
 *
 * <p>The one place the tests script a backend's bytes instead of running redis-server: a real
 * server cannot be stopped halfway through a reply on cue (the proxy reads a whole 64 MB value in
 * milliseconds). What scripted bytes can not prove, that streamed replies are right, is checked
 * against real servers in {@link RedisClientsIT} and {@link MemcacheCommandsIT}.
 */
@ExtendWith(NoLeaks.class)
class StreamedRepliesIT {
    private static final int LENGTH = 200_000;
    private static final int TIMEOUT_MILLIS = 10_000;

    private static final byte[] VALUE = value();
    private static final byte[] HEADER = ascii("$" + LENGTH + "\r\n");
    private static final byte[] CRLF = ascii("\r\n");

    @Test
    void aLargeReplyReachesTheClientBeforeTheBackendHasSentAllOfIt() throws Exception {
        try (FakeBackend fake = new FakeBackend();
                TestProxy proxy = proxyFor("streamed", "", fake);
                Raw client = new Raw(proxy.port())) {
            for (int round = 0; round < 3; round++) {
                client.send(get("big"));
                Raw backend = round == 0 ? fake.accept() : fake.connection;
                backend.expect(get("big"));
                backend.send(HEADER, Arrays.copyOfRange(VALUE, 0, 50_000));
                client.expect(HEADER, Arrays.copyOfRange(VALUE, 0, 50_000));
                backend.send(Arrays.copyOfRange(VALUE, 50_000, LENGTH));
                client.expect(Arrays.copyOfRange(VALUE, 50_000, LENGTH));
                backend.send(CRLF);
                client.expect(CRLF);
            }
        }
    }

    @Test
    void aLargeReplyWaitsForTheRepliesBeforeItThenStreams() throws Exception {
        try (FakeBackend first = new FakeBackend();
                FakeBackend second = new FakeBackend();
                TestProxy proxy = proxyFor("ordered", "", first, second);
                Raw client = new Raw(proxy.port())) {
            String small = keyOn(proxy, first, "small:");
            String big = keyOn(proxy, second, "big:");
            client.send(get(small), get(big));
            Raw backend1 = first.accept();
            Raw backend2 = second.accept();
            backend1.expect(get(small));
            backend2.expect(get(big));
            backend2.send(HEADER, Arrays.copyOfRange(VALUE, 0, 50_000));
            assertThat(client.silentFor(300)).as("nothing before the first reply").isTrue();
            backend1.send(ascii("$2\r\nok\r\n"));
            client.expect(ascii("$2\r\nok\r\n"));
            backend2.send(Arrays.copyOfRange(VALUE, 50_000, 100_000));
            client.expect(HEADER, Arrays.copyOfRange(VALUE, 0, 100_000));
            client.send(get(big));
            backend2.expect(get(big));
            // The reply's end and the next reply in one write.
            backend2.send(MemcacheWire.concat(Arrays.copyOfRange(VALUE, 100_000, LENGTH), CRLF, ascii("$-1\r\n")));
            client.expect(Arrays.copyOfRange(VALUE, 100_000, LENGTH), CRLF, ascii("$-1\r\n"));
        }
    }

    @Test
    void aBackendClosingInTheMiddleOfAReplyClosesThatClientAndFailsTheOthers() throws Exception {
        try (FakeBackend fake = new FakeBackend();
                TestProxy proxy = proxyFor("broken", "", fake);
                Raw cut = new Raw(proxy.port());
                Raw other = new Raw(proxy.port())) {
            cut.send(get("big"));
            Raw backend = fake.accept();
            backend.expect(get("big"));
            other.send(get("small"));
            backend.expect(get("small"));
            backend.send(HEADER, Arrays.copyOfRange(VALUE, 0, 100_000));
            cut.expect(HEADER, Arrays.copyOfRange(VALUE, 0, 100_000));
            backend.close();
            assertThat(cut.closedWithin(5000)).as("the client of the cut reply is closed").isTrue();
            other.expect(ascii("-ERR Connection closed by server\r\n"));

            other.send(get("small"));
            Raw again = fake.accept();
            again.expect(get("small"));
            again.send(ascii("$2\r\nok\r\n"));
            other.expect(ascii("$2\r\nok\r\n"));
        }
    }

    @Test
    void aTimeoutInTheMiddleOfAReplyClosesItsClientAndTheRestIsReadAndDropped() throws Exception {
        try (FakeBackend fake = new FakeBackend();
                TestProxy proxy = proxyFor("late", "  timeout: 400\n", fake);
                Raw late = new Raw(proxy.port());
                Raw other = new Raw(proxy.port())) {
            late.send(get("big"));
            Raw backend = fake.accept();
            backend.expect(get("big"));
            backend.send(HEADER, Arrays.copyOfRange(VALUE, 0, 100_000));
            late.expect(HEADER, Arrays.copyOfRange(VALUE, 0, 100_000));
            assertThat(late.closedWithin(5000)).as("the client of the late reply is closed").isTrue();
            // The same backend connection goes on: the rest of the late reply is skipped.
            backend.send(Arrays.copyOfRange(VALUE, 100_000, LENGTH), CRLF);
            other.send(get("small"));
            backend.expect(get("small"));
            backend.send(ascii("$2\r\nok\r\n"));
            other.expect(ascii("$2\r\nok\r\n"));
            assertThat(fake.acceptsWithin(200)).as("no new backend connection").isFalse();
        }
    }

    @Test
    void aClientClosingInTheMiddleOfItsReplyLeavesTheOthersInStep() throws Exception {
        try (FakeBackend fake = new FakeBackend();
                TestProxy proxy = proxyFor("gone", "", fake);
                Raw other = new Raw(proxy.port())) {
            Raw backend;
            try (Raw gone = new Raw(proxy.port())) {
                gone.send(get("big"));
                backend = fake.accept();
                backend.expect(get("big"));
                other.send(get("small"));
                backend.expect(get("small"));
                backend.send(HEADER, Arrays.copyOfRange(VALUE, 0, 100_000));
                gone.expect(HEADER, Arrays.copyOfRange(VALUE, 0, 50_000));
            }
            Thread.sleep(100);
            backend.send(Arrays.copyOfRange(VALUE, 100_000, 150_000));
            Thread.sleep(100);
            backend.send(MemcacheWire.concat(Arrays.copyOfRange(VALUE, 150_000, LENGTH), CRLF, ascii("$2\r\nok\r\n")));
            other.expect(ascii("$2\r\nok\r\n"));
            other.send(get("big"));
            backend.expect(get("big"));
            backend.send(HEADER, VALUE, CRLF);
            other.expect(HEADER, VALUE, CRLF);
        }
    }

    private static TestProxy proxyFor(String pool, String extra, FakeBackend... backends) throws Exception {
        StringBuilder yaml = new StringBuilder("  redis: true\n  hash: fnv1a_64\n" + extra + "  servers:\n");
        for (FakeBackend backend : backends) {
            yaml.append("   - 127.0.0.1:").append(backend.port()).append(":1\n");
        }
        return TestProxy.startPool(pool, yaml.toString(), 1);
    }

    private static String keyOn(TestProxy proxy, FakeBackend backend, String prefix) {
        for (int i = 0; i < 10_000; i++) {
            if (proxy.serverOf(i + prefix).port() == backend.port()) {
                return i + prefix;
            }
        }
        throw new AssertionError("no key routes to port " + backend.port());
    }

    private static byte[] get(String key) {
        return RespClient.command("GET", key);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Every byte value, CR LF and RESP type bytes included. */
    private static byte[] value() {
        byte[] value = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            value[i] = (byte) (i * 31 + (i >>> 9));
        }
        System.arraycopy(ascii("\r\n$-1\r\n"), 0, value, 0, 7);
        return value;
    }

    /** A listening socket standing in for redis-server: the test reads and writes its connections. */
    private static final class FakeBackend implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Raw connection;

        FakeBackend() throws IOException {
        }

        int port() {
            return server.getLocalPort();
        }

        /** The proxy's next connection. */
        Raw accept() throws IOException {
            server.setSoTimeout(TIMEOUT_MILLIS);
            connection = new Raw(server.accept());
            return connection;
        }

        boolean acceptsWithin(int millis) throws IOException {
            server.setSoTimeout(millis);
            try {
                server.accept().close();
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            }
        }

        @Override
        public void close() throws IOException {
            if (connection != null) {
                connection.close();
            }
            server.close();
        }
    }

    /** One end of a plain socket, read and written byte for byte. */
    private static final class Raw implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final DataInputStream in;

        Raw(int port) throws IOException {
            this(new Socket("127.0.0.1", port));
        }

        Raw(Socket socket) throws IOException {
            this.socket = socket;
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            out = socket.getOutputStream();
            in = new DataInputStream(socket.getInputStream());
        }

        /** Writes the parts, each at once. */
        void send(byte[]... parts) throws IOException {
            for (byte[] part : parts) {
                out.write(part);
                out.flush();
            }
        }

        /** Reads as many bytes as the parts hold and asserts they are those bytes. */
        void expect(byte[]... parts) throws IOException {
            for (byte[] part : parts) {
                byte[] actual = new byte[part.length];
                in.readFully(actual);
                if (!Arrays.equals(actual, part)) {
                    throw new AssertionError("expected " + part.length + " bytes starting '" + preview(part)
                            + "', got bytes starting '" + preview(actual) + "'");
                }
            }
        }

        /** Whether nothing arrives within {@code millis}. */
        boolean silentFor(int millis) throws IOException {
            socket.setSoTimeout(millis);
            try {
                int b = in.read();
                throw new AssertionError("expected nothing, got " + (b < 0 ? "EOF" : "byte " + b));
            } catch (SocketTimeoutException e) {
                return true;
            } finally {
                socket.setSoTimeout(TIMEOUT_MILLIS);
            }
        }

        /** Whether the peer closes (EOF or reset) within {@code millis}, with no more bytes first. */
        boolean closedWithin(int millis) throws IOException {
            socket.setSoTimeout(millis);
            try {
                int b = in.read();
                if (b >= 0) {
                    throw new AssertionError("expected the connection to close, got byte " + b);
                }
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (EOFException | SocketException e) {
                return true;
            }
        }

        private static String preview(byte[] bytes) {
            return new String(bytes, 0, Math.min(bytes.length, 40), StandardCharsets.ISO_8859_1)
                    .replace("\r", "\\r").replace("\n", "\\n");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
