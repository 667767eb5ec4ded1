package dev.nutjar.server.cluster;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads whole RESP2 replies from a blocking stream into plain values: a {@code String} for a
 * status or bulk string, a {@code Long}, a {@code List<Object>}, null for a nil, an
 * {@link ErrorReply} for an error. For the few control queries of a cluster's topology, off the
 * request path; the proxy's own parsers read the traffic.
 */
final class RespReader {
    /** An error reply, such as {@code ERR unknown subcommand}. */
    record ErrorReply(String message) {}

    private final InputStream in;

    RespReader(InputStream in) {
        this.in = in;
    }

    Object read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed");
        }
        String line = line();
        return switch (type) {
            case '+' -> line;
            case '-' -> new ErrorReply(line);
            case ':' -> Long.parseLong(line);
            case '$' -> bulk(Integer.parseInt(line));
            case '*' -> array(Integer.parseInt(line));
            default -> throw new IOException("not a RESP reply: '" + (char) type + line + "'");
        };
    }

    private String bulk(int length) throws IOException {
        if (length < 0) {
            return null;
        }
        byte[] bytes = in.readNBytes(length + 2);
        if (bytes.length < length + 2) {
            throw new EOFException("connection closed in a bulk string");
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
                throw new EOFException("connection closed in a line");
            }
            line.append((char) b);
        }
        if (in.read() != '\n') {
            throw new IOException("a RESP line ends with CRLF");
        }
        return line.toString();
    }
}
