package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A raw memcached ASCII connection for tests that check exact bytes: whatever is written goes out
 * as is, and replies are read byte for byte, never interpreted more than asked.
 */
public final class MemcacheWire implements AutoCloseable {
    private static final int TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    public MemcacheWire(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        out = socket.getOutputStream();
        in = new java.io.BufferedInputStream(socket.getInputStream(), 65536);
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    public static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** Writes the bytes of {@code s} (each char one byte) in one write. */
    public MemcacheWire send(String s) throws IOException {
        return send(ascii(s));
    }

    public MemcacheWire send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Writes {@code bytes} in pieces of {@code piece} bytes, one write each. */
    public MemcacheWire sendInPieces(byte[] bytes, int piece) throws IOException {
        for (int i = 0; i < bytes.length; i += piece) {
            out.write(bytes, i, Math.min(piece, bytes.length - i));
            out.flush();
        }
        return this;
    }

    /** Reads exactly {@code n} bytes; fails on EOF or after the timeout. */
    public byte[] read(int n) throws IOException {
        byte[] bytes = new byte[n];
        int at = 0;
        while (at < n) {
            int r = in.read(bytes, at, n - at);
            if (r < 0) {
                throw new EOFException("connection closed after " + at + " of " + n + " bytes: "
                        + quoted(Arrays.copyOf(bytes, at)));
            }
            at += r;
        }
        return bytes;
    }

    /** Reads exactly as many bytes as {@code expected} has and asserts they are those bytes. */
    public void expect(String expected) throws IOException {
        expect(ascii(expected));
    }

    public void expect(byte[] expected) throws IOException {
        byte[] actual;
        try {
            actual = read(expected.length);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("timed out waiting for " + quoted(expected), e);
        }
        if (!Arrays.equals(actual, expected)) {
            assertThat(quoted(actual)).as("reply bytes").isEqualTo(quoted(expected));
        }
    }

    /** One line, CRLF stripped. */
    public String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed in a line: " + quoted(line.toByteArray()));
            }
            if (b == '\n' && previous == '\r') {
                byte[] bytes = line.toByteArray();
                return text(Arrays.copyOf(bytes, bytes.length - 1));
            }
            line.write(b);
            previous = b;
        }
    }

    /** Sends a one-line request and returns the one-line reply. */
    public String call(String request) throws IOException {
        send(request);
        return line();
    }

    /** A get or gets reply, whole, as raw bytes: VALUE blocks up to and including END. */
    public byte[] retrievalReply() throws IOException {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        while (true) {
            String line = line();
            reply.writeBytes(ascii(line + "\r\n"));
            if (line.equals("END") || line.startsWith("SERVER_ERROR") || line.startsWith("CLIENT_ERROR")
                    || line.equals("ERROR")) {
                return reply.toByteArray();
            }
            if (!line.startsWith("VALUE ")) {
                throw new AssertionError("not a retrieval reply line: " + line);
            }
            String[] fields = line.split(" ");
            reply.writeBytes(read(Integer.parseInt(fields[3]) + 2));
        }
    }

    /**
     * Reads a get reply into key → data (keys and data as ISO-8859-1 text), in the order the blocks
     * came; duplicate keys keep their first position but the last value. Fails on anything but
     * VALUE blocks and END.
     */
    public Map<String, String> values() throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        for (Block block : blocks()) {
            values.put(block.key(), block.data());
        }
        return values;
    }

    /** One VALUE block of a get or gets reply. */
    public record Block(String key, int flags, String data, long cas) {}

    /** Reads a get or gets reply block by block; fails on anything but VALUE blocks and END. */
    public List<Block> blocks() throws IOException {
        List<Block> blocks = new ArrayList<>();
        while (true) {
            String line = line();
            if (line.equals("END")) {
                return blocks;
            }
            if (!line.startsWith("VALUE ")) {
                throw new AssertionError("expected VALUE or END, got: " + line);
            }
            String[] fields = line.split(" ");
            byte[] data = read(Integer.parseInt(fields[3]) + 2);
            assertThat(data[data.length - 2]).isEqualTo((byte) '\r');
            assertThat(data[data.length - 1]).isEqualTo((byte) '\n');
            blocks.add(new Block(fields[1], Integer.parseInt(fields[2]), text(Arrays.copyOf(data, data.length - 2)),
                    fields.length > 4 ? Long.parseUnsignedLong(fields[4]) : -1));
        }
    }

    /**
     * Whether the peer closes the connection with nothing more to say: true on EOF, false if bytes
     * arrive (they are reported) or nothing happens within {@code millis}.
     */
    public boolean closedByPeer(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            int b = in.read();
            if (b < 0) {
                return true;
            }
            byte[] rest = in.readNBytes(Math.min(in.available(), 200));
            throw new AssertionError("expected the connection to close, got bytes: "
                    + quoted(concat(new byte[] {(byte) b}, rest)));
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            // A reset counts as closed too.
            return true;
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(TIMEOUT_MILLIS);
            }
        }
    }

    /**
     * Proves that no stray bytes are waiting before the next reply: a probe get of a key that does
     * not exist must be answered by exactly {@code END}.
     */
    public void assertInStep() throws IOException {
        send("get nutjar-it-probe-never-set\r\n");
        expect("END\r\n");
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }

    /** Bytes as a Java-like string literal, control bytes escaped, cut after 2000 bytes. */
    public static String quoted(byte[] bytes) {
        StringBuilder s = new StringBuilder("\"");
        int end = Math.min(bytes.length, 2000);
        for (int i = 0; i < end; i++) {
            int b = bytes[i] & 0xff;
            switch (b) {
                case '\r' -> s.append("\\r");
                case '\n' -> s.append("\\n\n");
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                default -> {
                    if (b < 0x20 || b >= 0x7f) {
                        s.append(String.format("\\x%02x", b));
                    } else {
                        s.append((char) b);
                    }
                }
            }
        }
        if (end < bytes.length) {
            s.append("...(").append(bytes.length).append(" bytes)");
        }
        return s.append('"').toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
