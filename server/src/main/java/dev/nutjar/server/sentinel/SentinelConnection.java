package dev.nutjar.server.sentinel;

import dev.nutjar.server.control.BlockingResp;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * One blocking connection to a sentinel, off the event loops: a few commands a second at most, so
 * a socket and {@link BlockingResp} do, with no event loop of its own.
 */
final class SentinelConnection implements Closeable {
    private final String sentinel;
    private final Socket socket;
    private final BlockingResp resp;

    /**
     * Connects to {@code sentinel} ({@code host:port}) within {@code timeoutMillis}, reads waiting
     * as long.
     */
    SentinelConnection(String sentinel, int timeoutMillis) throws IOException {
        this.sentinel = sentinel;
        int colon = sentinel.lastIndexOf(':');
        socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(sentinel.substring(0, colon),
                    Integer.parseInt(sentinel.substring(colon + 1))), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true);
            resp = new BlockingResp(new BufferedInputStream(socket.getInputStream()), socket.getOutputStream(),
                    "sentinel " + sentinel);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    String sentinel() {
        return sentinel;
    }

    /** Sends a command and reads its reply. */
    Object call(String... args) throws IOException {
        return resp.call(args);
    }

    /** Sends a command as a RESP array of bulk strings. */
    void send(String... args) throws IOException {
        resp.send(args);
    }

    /** Waits up to {@code millis} for each read from now on; 0 waits for ever. */
    void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Reads one reply. */
    Object read() throws IOException {
        return resp.read();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing more to read from it
        }
    }
}
