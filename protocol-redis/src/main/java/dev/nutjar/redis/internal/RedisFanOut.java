package dev.nutjar.redis.internal;

import dev.nutjar.protocol.PoolView;
import dev.nutjar.protocol.Split;
import dev.nutjar.redis.RedisReplies;
import dev.nutjar.redis.RedisRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A request sent to every server of a pool, and the merge of their replies into one. A server that
 * failed, or answered with an error, decides the reply: a fan-out is never answered from some of
 * the servers as if they were all.
 *
 * <p>Ownership: holds a reference to the request and to every reply given to it until
 * {@link #merge} or {@link #release}.
 */
final class RedisFanOut implements Split {

    /** How the servers' replies become one. */
    enum Merge {
        /** The sum of the integers (DBSIZE). */
        SUM,
        /** {@code +OK} once every server said so (FLUSHDB, FLUSHALL, SCRIPT FLUSH). */
        ALL_OK,
        /** The one reply every server gave (SCRIPT LOAD's SHA1). */
        SAME,
        /** Per position, 1 only where every server has it (SCRIPT EXISTS). */
        ALL_EXIST,
        /** One of the servers' non-null replies, at random (RANDOMKEY). */
        ANY,
        /** Every server's array, one after the other (KEYS). */
        CONCAT,
        /** Nutjar's own sections, with the keyspace summed (INFO). */
        INFO
    }

    private static final byte[] OK = {'+', 'O', 'K', '\r', '\n'};
    private static final byte[] INFO_REQUEST = "*1\r\n$4\r\ninfo\r\n".getBytes(StandardCharsets.US_ASCII);

    private final RedisRequest request;
    private final PoolView pool;
    private final Merge merge;
    private final ByteBuf[] replies;
    private final String[] failures;
    /** The reply of a fan-out answered without a server. */
    private final String refusal;
    private boolean released;

    /** @param request retained here */
    RedisFanOut(RedisRequest request, PoolView pool, Merge merge) {
        this.request = request.retain();
        this.pool = pool;
        this.merge = merge;
        this.replies = new ByteBuf[pool.serverCount()];
        this.failures = new String[pool.serverCount()];
        this.refusal = null;
    }

    private RedisFanOut(String refusal) {
        this.request = null;
        this.pool = null;
        this.merge = null;
        this.replies = new ByteBuf[0];
        this.failures = new String[0];
        this.refusal = refusal;
    }

    /** A fan-out that reaches no server: its merge is the error {@code error}. */
    static Split answered(String error) {
        return new RedisFanOut(error);
    }

    @Override
    public int fragmentCount() {
        return replies.length;
    }

    @Override
    public int server(int f) {
        return f;
    }

    @Override
    public ByteBuf takeRequest(int f) {
        if (merge == Merge.INFO) {
            // INFO's default sections hold the two it needs: server (the version) and keyspace.
            return request.frame().alloc().buffer(INFO_REQUEST.length).writeBytes(INFO_REQUEST);
        }
        ByteBuf frame = request.frame();
        return frame.alloc().buffer(frame.readableBytes()).writeBytes(frame, frame.readerIndex(), frame.readableBytes());
    }

    @Override
    public void reply(int f, ByteBuf reply) {
        if (released) {
            reply.release();
            return;
        }
        replies[f] = reply;
    }

    @Override
    public void fail(int f, String reason) {
        failures[f] = reason;
    }

    @Override
    public ByteBuf merge(ByteBufAllocator alloc) {
        try {
            if (refusal != null) {
                return RedisReplies.error(alloc, refusal);
            }
            for (int s = 0; s < replies.length; s++) {
                if (failures[s] != null) {
                    return RedisReplies.error(alloc, "ERR " + failures[s] + " (server " + pool.serverName(s) + ")");
                }
                if (RedisReplies.isError(replies[s])) {
                    return replies[s].retain();
                }
            }
            ByteBuf out = alloc.buffer();
            try {
                String invalid = switch (merge) {
                    case SUM -> sum(out);
                    case ALL_OK -> allOk(out);
                    case SAME -> same(out);
                    case ALL_EXIST -> allExist(out);
                    case ANY -> any(out);
                    case CONCAT -> concat(out);
                    case INFO -> info(out);
                };
                if (invalid != null) {
                    out.release();
                    return RedisReplies.error(alloc, "ERR nutjar: " + invalid);
                }
                return out;
            } catch (RuntimeException e) {
                out.release();
                throw e;
            }
        } finally {
            release();
        }
    }

    @Override
    public void release() {
        if (released) {
            return;
        }
        released = true;
        for (int s = 0; s < replies.length; s++) {
            if (replies[s] != null) {
                replies[s].release();
                replies[s] = null;
            }
        }
        if (request != null) {
            request.release();
        }
    }

    // ---------------------------------------------------------------- the merges; each returns what was wrong, or null

    private String sum(ByteBuf out) {
        long sum = 0;
        for (int s = 0; s < replies.length; s++) {
            long value = integer(replies[s], replies[s].readerIndex());
            if (value == Resp.NOT_A_NUMBER) {
                return unexpected(s);
            }
            sum += value;
        }
        RedisReplies.writeInteger(out, sum);
        return null;
    }

    private String allOk(ByteBuf out) {
        for (int s = 0; s < replies.length; s++) {
            if (replies[s].getByte(replies[s].readerIndex()) != '+') {
                return unexpected(s);
            }
        }
        out.writeBytes(OK);
        return null;
    }

    private String same(ByteBuf out) {
        ByteBuf first = replies[0];
        for (int s = 1; s < replies.length; s++) {
            if (!first.equals(replies[s])) {
                return "the servers' replies differ: " + pool.serverName(0) + " and " + pool.serverName(s);
            }
        }
        out.writeBytes(first, first.readerIndex(), first.readableBytes());
        return null;
    }

    private String allExist(ByteBuf out) {
        long[][] flags = new long[replies.length][];
        for (int s = 0; s < replies.length; s++) {
            flags[s] = integers(replies[s]);
            if (flags[s] == null || flags[s].length != flags[0].length) {
                return unexpected(s);
            }
        }
        Resp.writeArrayHeader(out, flags[0].length);
        for (int i = 0; i < flags[0].length; i++) {
            long all = 1;
            for (long[] server : flags) {
                all &= server[i];
            }
            RedisReplies.writeInteger(out, all);
        }
        return null;
    }

    private String any(ByteBuf out) {
        List<ByteBuf> found = new ArrayList<>();
        for (int s = 0; s < replies.length; s++) {
            ByteBuf reply = replies[s];
            if (reply.getByte(reply.readerIndex()) != '$') {
                return unexpected(s);
            }
            if (reply.getByte(reply.readerIndex() + 1) != '-') {
                found.add(reply);
            }
        }
        if (found.isEmpty()) {
            Resp.writeNullBulk(out);
        } else {
            ByteBuf chosen = found.get(ThreadLocalRandom.current().nextInt(found.size()));
            out.writeBytes(chosen, chosen.readerIndex(), chosen.readableBytes());
        }
        return null;
    }

    private String concat(ByteBuf out) {
        long total = 0;
        int[] bodies = new int[replies.length];
        for (int s = 0; s < replies.length; s++) {
            ByteBuf reply = replies[s];
            int start = reply.readerIndex();
            int lineEnd = reply.indexOf(start, reply.writerIndex(), (byte) '\n');
            long count = lineEnd < 0 || reply.getByte(start) != '*' ? Resp.NOT_A_NUMBER
                    : Resp.parseLong(reply, start + 1, lineEnd - 1 - (start + 1));
            if (count < 0) {
                return unexpected(s);
            }
            total += count;
            bodies[s] = lineEnd + 1;
        }
        if (total > Integer.MAX_VALUE) {
            return "too many keys to merge";
        }
        Resp.writeArrayHeader(out, (int) total);
        for (int s = 0; s < replies.length; s++) {
            out.writeBytes(replies[s], bodies[s], replies[s].writerIndex() - bodies[s]);
        }
        return null;
    }

    /** INFO: Nutjar's server section (the oldest server's Redis version) and the servers' keyspace summed. */
    private String info(ByteBuf out) {
        String lowestVersion = null;
        // db name -> keys, expires, sum of avg_ttl weighted by expires
        Map<String, long[]> keyspace = new TreeMap<>();
        for (int s = 0; s < replies.length; s++) {
            String text = bulkText(replies[s]);
            if (text == null) {
                return unexpected(s);
            }
            for (String line : text.split("\r\n")) {
                if (line.startsWith("redis_version:")) {
                    String version = line.substring("redis_version:".length());
                    if (lowestVersion == null || compareVersions(version, lowestVersion) < 0) {
                        lowestVersion = version;
                    }
                } else if (line.startsWith("db") && line.indexOf(":keys=") > 0) {
                    addKeyspace(keyspace, line);
                }
            }
        }
        boolean all = request.argCount() == 1;
        boolean server = all;
        boolean keys = all;
        for (int i = 1; i < request.argCount(); i++) {
            String section = ConnectionCommands.string(request, i).toLowerCase(Locale.ROOT);
            switch (section) {
                case "default", "all", "everything" -> {
                    server = true;
                    keys = true;
                }
                case "server" -> server = true;
                case "keyspace" -> keys = true;
                default -> { }
            }
        }
        StringBuilder text = new StringBuilder();
        if (server) {
            text.append("# Server\r\n");
            text.append("redis_version:").append(lowestVersion == null ? "" : lowestVersion).append("\r\n");
            text.append("redis_mode:proxy\r\n");
            for (Map.Entry<String, String> fact : pool.facts().entrySet()) {
                text.append(fact.getKey()).append(':').append(fact.getValue()).append("\r\n");
            }
        }
        if (keys) {
            if (server) {
                text.append("\r\n");
            }
            text.append("# Keyspace\r\n");
            keyspace.forEach((db, n) -> text.append(db).append(":keys=").append(n[0]).append(",expires=").append(n[1])
                    .append(",avg_ttl=").append(n[1] == 0 ? 0 : n[2] / n[1]).append("\r\n"));
        }
        Resp.writeBulk(out, text.toString());
        return null;
    }

    private static void addKeyspace(Map<String, long[]> keyspace, String line) {
        int colon = line.indexOf(':');
        long[] sums = keyspace.computeIfAbsent(line.substring(0, colon), db -> new long[3]);
        long keys = 0;
        long expires = 0;
        long avgTtl = 0;
        for (String field : line.substring(colon + 1).split(",")) {
            int eq = field.indexOf('=');
            if (eq < 0) {
                continue;
            }
            long value;
            try {
                value = Long.parseLong(field.substring(eq + 1));
            } catch (NumberFormatException e) {
                continue;
            }
            switch (field.substring(0, eq)) {
                case "keys" -> keys = value;
                case "expires" -> expires = value;
                case "avg_ttl" -> avgTtl = value;
                default -> { }
            }
        }
        sums[0] += keys;
        sums[1] += expires;
        sums[2] += avgTtl * expires;
    }

    private static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? leadingNumber(x[i]) : 0;
            int q = i < y.length ? leadingNumber(y[i]) : 0;
            if (p != q) {
                return Integer.compare(p, q);
            }
        }
        return 0;
    }

    private static int leadingNumber(String part) {
        int n = 0;
        for (int i = 0; i < part.length() && Character.isDigit(part.charAt(i)) && n < 100_000_000; i++) {
            n = n * 10 + part.charAt(i) - '0';
        }
        return n;
    }

    private String unexpected(int server) {
        return "unexpected reply from server " + pool.serverName(server);
    }

    /** {@code :<n>\r\n} at {@code index}, or {@link Resp#NOT_A_NUMBER}. */
    private static long integer(ByteBuf reply, int index) {
        int lineEnd = reply.indexOf(index, reply.writerIndex(), (byte) '\n');
        if (lineEnd < index + 3 || reply.getByte(index) != ':') {
            return Resp.NOT_A_NUMBER;
        }
        return Resp.parseLong(reply, index + 1, lineEnd - 1 - (index + 1));
    }

    /** The integers of an array of integers, or null. */
    private static long[] integers(ByteBuf reply) {
        int start = reply.readerIndex();
        int lineEnd = reply.indexOf(start, reply.writerIndex(), (byte) '\n');
        if (lineEnd < 0 || reply.getByte(start) != '*') {
            return null;
        }
        long count = Resp.parseLong(reply, start + 1, lineEnd - 1 - (start + 1));
        if (count < 0 || count > reply.readableBytes()) {
            return null;
        }
        long[] values = new long[(int) count];
        int at = lineEnd + 1;
        for (int i = 0; i < count; i++) {
            values[i] = integer(reply, at);
            if (values[i] == Resp.NOT_A_NUMBER) {
                return null;
            }
            at = reply.indexOf(at, reply.writerIndex(), (byte) '\n') + 1;
        }
        return values;
    }

    /** The text of a bulk string reply, or null. */
    private static String bulkText(ByteBuf reply) {
        int start = reply.readerIndex();
        int lineEnd = reply.indexOf(start, reply.writerIndex(), (byte) '\n');
        if (lineEnd < 0 || reply.getByte(start) != '$') {
            return null;
        }
        long length = Resp.parseLong(reply, start + 1, lineEnd - 1 - (start + 1));
        if (length < 0 || lineEnd + 1 + length > reply.writerIndex()) {
            return null;
        }
        return reply.toString(lineEnd + 1, (int) length, StandardCharsets.ISO_8859_1);
    }
}
