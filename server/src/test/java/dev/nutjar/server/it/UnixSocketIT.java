package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A pool listening on a unix socket with permissions, in front of a redis-server on a unix socket. */
@ExtendWith(NoLeaks.class)
class UnixSocketIT {
    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("try") // the backend process only has to run while the block does
    void listensAndForwardsOverUnixSockets() throws Exception {
        Path backendSocket = dir.resolve("redis.sock");
        Path listenSocket = dir.resolve("nutjar.sock");
        BackendProcess redis = BackendProcess.redis("--unixsocket", backendSocket.toString(), "--unixsocketperm", "700");
        try (redis) {
            String yaml = "unix:\n  listen: " + listenSocket + " 0660\n  redis: true\n  servers:\n   - "
                    + backendSocket + ":1\n";
            try (TestProxy proxy = TestProxy.start(yaml, 0, 1)) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(listenSocket)))
                        .isEqualTo("rw-rw----");

                assertThat(roundTrip(listenSocket, "*3\r\n$3\r\nSET\r\n$4\r\nunix\r\n$2\r\nok\r\n")).isEqualTo("+OK\r\n");
                assertThat(roundTrip(listenSocket, "*2\r\n$3\r\nGET\r\n$4\r\nunix\r\n")).isEqualTo("$2\r\nok\r\n");
                // The client's address is the socket's path, as Redis writes it.
                assertThat(roundTrip(listenSocket, "CLIENT INFO\r\n")).contains(" laddr=" + listenSocket + ":0 ");
                assertThat(roundTrip(backendSocket, "*2\r\n$3\r\nGET\r\n$4\r\nunix\r\n"))
                        .as("the value is on the backend").isEqualTo("$2\r\nok\r\n");
                // twemproxy names an unnamed unix socket server "path:"; the stats use that name.
                assertThat(proxy.poolStats("unix")).containsKey(backendSocket + ":");
            }
            assertThat(listenSocket).as("the listener's socket file is removed at exit").doesNotExist();
        }
    }

    private static String roundTrip(Path socket, String request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer reply = ByteBuffer.allocate(256);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                channel.read(reply);
                String text = new String(reply.array(), 0, reply.position(), StandardCharsets.US_ASCII);
                if (text.endsWith("\r\n") && (!text.startsWith("$") || text.indexOf("\r\n") < text.length() - 2)) {
                    return text;
                }
            }
            throw new IOException("no complete reply from " + socket);
        }
    }
}
