package dev.nutjar.server.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw RESP client on a plain socket, for what real clients cannot send: malformed bytes,
 * requests that are never read, abrupt closes. Replies decode to {@link String} (simple string),
 * {@link Error}, {@link Long}, {@code byte[]} (bulk, null for nil) and {@link List}.
 */
final class RespClient implements AutoCloseable {
    /** An error reply, e.g. {@code ERR unknown command ...} (without the dash). */
    record Error(String message) {}

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    RespClient(int port) throws IOException {
        this(port, 5000);
    }

    RespClient(int port, int readTimeoutMillis) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(readTimeoutMillis);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    }

    Socket socket() {
        return socket;
    }

    /** Encodes a command as a RESP array of bulk strings. */
    static byte[] command(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] header = ("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
        bytes.writeBytes(header);
        for (String arg : args) {
            byte[] value = arg.getBytes(StandardCharsets.UTF_8);
            bytes.writeBytes(("$" + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            bytes.writeBytes(value);
            bytes.writeBytes(new byte[] {'\r', '\n'});
        }
        return bytes.toByteArray();
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void sendRaw(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends one command and reads its reply. */
    Object call(String... args) throws IOException {
        send(command(args));
        return read();
    }

    /** Sends one command and reads its reply as {@link #text}. */
    Object callText(String... args) throws IOException {
        return text(call(args));
    }

    /** A reply with bulk strings as UTF-8 text, a null bulk or array as {@code (nil)}. */
    static Object text(Object reply) {
        if (reply instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (reply instanceof List<?> list) {
            List<Object> items = new ArrayList<>();
            for (Object item : list) {
                items.add(text(item));
            }
            return items;
        }
        return reply == null ? "(nil)" : reply;
    }

    /** Reads one reply. */
    Object read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed by the proxy");
        }
        String line = line();
        switch (type) {
            case '+':
                return line;
            case '-':
                return new Error(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] value = in.readNBytes(length);
                if (value.length < length || in.read() != '\r' || in.read() != '\n') {
                    throw new EOFException("truncated bulk");
                }
                return value;
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(read());
                }
                return items;
            }
            default:
                throw new IOException("not a RESP reply: '" + (char) type + line + "'");
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("truncated line");
            }
            if (b == '\r') {
                if (in.read() != '\n') {
                    throw new IOException("CR without LF");
                }
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
    }

    /** Whether the proxy closed the connection: EOF (or a reset) within the read timeout. */
    boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("reset");
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
