package dev.nutjar.server.sentinel;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One blocking connection to a sentinel, off the event loops: a few commands a second at most, so
 * a socket and a small RESP2 reader do, with no event loop of its own. Replies are read as
 * {@code String} (simple and bulk strings), {@code Long}, {@code null}, {@code List} or
 * {@link ErrorReply}.
 */
final class SentinelConnection implements Closeable {
    /** A sentinel's error reply. */
    record ErrorReply(String message) {}

    private final String sentinel;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

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
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
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
        send(args);
        return read();
    }

    /** Sends a command as a RESP array of bulk strings. */
    void send(String... args) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(64);
        frame.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            frame.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            frame.writeBytes(bytes);
            frame.writeBytes(new byte[] {'\r', '\n'});
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /** Waits up to {@code millis} for each read from now on; 0 waits for ever. */
    void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Reads one reply. */
    Object read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("sentinel " + sentinel + " closed the connection");
        }
        String line = line();
        return switch (type) {
            case '+' -> line;
            case '-' -> new ErrorReply(line);
            case ':' -> Long.parseLong(line);
            case '$' -> bulk(Integer.parseInt(line));
            case '*' -> array(Integer.parseInt(line));
            default -> throw new IOException("sentinel " + sentinel + " sent a reply of unknown type '"
                    + (char) type + "'");
        };
    }

    private String bulk(int length) throws IOException {
        if (length < 0) {
            return null;
        }
        byte[] bytes = in.readNBytes(length + 2);
        if (bytes.length < length + 2) {
            throw new EOFException("sentinel " + sentinel + " closed the connection in a reply");
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    private List<Object> array(int count) throws IOException {
        if (count < 0) {
            return null;
        }
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            items.add(read());
        }
        return items;
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new EOFException("sentinel " + sentinel + " closed the connection in a reply");
            }
            line.append((char) c);
        }
        in.read();
        return line.toString();
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
