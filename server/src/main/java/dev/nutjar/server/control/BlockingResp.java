package dev.nutjar.server.control;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * RESP2 commands and replies on a blocking stream, for the proxy's few control queries (a cluster's
 * slot map, where a sentinel says a master is), off the event loops; the proxy's own parsers read
 * the traffic. Replies are plain values: a {@code String} for a status or bulk string, a
 * {@code Long}, a {@code List<Object>}, null for a nil, an {@link ErrorReply} for an error.
 */
public final class BlockingResp {
    /** An error reply, such as {@code ERR unknown subcommand}. */
    public record ErrorReply(String message) {}

    private final InputStream in;
    private final OutputStream out;
    /** Who answers, for error messages: {@code sentinel host:port}, {@code node host:port}. */
    private final String peer;

    /** @param in buffered: replies are read a byte at a time */
    public BlockingResp(InputStream in, OutputStream out, String peer) {
        this.in = in;
        this.out = out;
        this.peer = peer;
    }

    /** Sends a command and reads its reply. */
    public Object call(String... args) throws IOException {
        send(args);
        return read();
    }

    /** Sends a command as a RESP array of bulk strings. */
    public void send(String... args) throws IOException {
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

    /** Reads one reply. */
    public Object read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException(peer + " closed the connection");
        }
        String line = line();
        return switch (type) {
            case '+' -> line;
            case '-' -> new ErrorReply(line);
            case ':' -> Long.parseLong(line);
            case '$' -> bulk(Integer.parseInt(line));
            case '*' -> array(Integer.parseInt(line));
            default -> throw new IOException(peer + " sent a reply of unknown type '" + (char) type + "'");
        };
    }

    private String bulk(int length) throws IOException {
        if (length < 0) {
            return null;
        }
        byte[] bytes = in.readNBytes(length + 2);
        if (bytes.length < length + 2) {
            throw new EOFException(peer + " closed the connection in a reply");
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
        int b;
        while ((b = in.read()) != '\r') {
            if (b < 0) {
                throw new EOFException(peer + " closed the connection in a reply");
            }
            line.append((char) b);
        }
        if (in.read() != '\n') {
            throw new IOException(peer + " sent a RESP line that does not end with CRLF");
        }
        return line.toString();
    }
}
