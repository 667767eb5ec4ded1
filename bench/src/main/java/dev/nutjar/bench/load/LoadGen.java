package dev.nutjar.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A closed-loop load generator for Redis (RESP) and memcached (ASCII) servers and proxies, for the
 * end-to-end comparison ({@code bench/e2e.py}).
 *
 * <p>One thread drives a fixed number of non-blocking connections through one selector, as
 * redis-benchmark does. Each connection sends a batch of {@code pipeline} requests on random keys
 * ({@code <prefix><12-digit number below keyspace>}, redis-benchmark's {@code __rand_int__}),
 * waits for all their replies, then sends the next batch. A request's latency is from the write
 * of its batch to the read that completed its reply. Latencies go into a log-linear histogram
 * (1.6 % precision); nothing is allocated per request.
 *
 * <p>Every run is bounded: it stops issuing after {@code requests} requests or {@code seconds}
 * seconds, whichever comes first, and gives up waiting for replies {@code grace} seconds later.
 * {@code rate} (requests per second, all connections together; 0 = as fast as possible) turns it
 * into a paced probe, for measuring latency rather than throughput.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.nutjar.bench.load.LoadGen key=value ...} runs once;
 * {@code LoadGen --serve} reads one run's {@code key=value ...} per line from stdin and answers
 * each with one line of JSON, so a harness can keep one warmed-up JVM for all its runs. Keys:
 * {@code host port protocol(resp|memcache) op(get|set) connections pipeline requests seconds
 * grace keyspace value prefix rate}.
 */
public final class LoadGen {

    static final class Options {
        String host = "127.0.0.1";
        int port = 6379;
        String protocol = "resp";
        String op = "get";
        int connections = 50;
        int pipeline = 1;
        long requests = 100_000;
        double seconds = 60;
        double grace = 10;
        int keyspace = 100_000;
        int value = 3;
        String prefix = "key:";
        double rate = 0;

        static Options parse(String[] args) {
            Options o = new Options();
            for (String arg : args) {
                if (arg.isBlank()) {
                    continue;
                }
                int eq = arg.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("expected key=value, got: " + arg);
                }
                String k = arg.substring(0, eq);
                String v = arg.substring(eq + 1);
                switch (k) {
                    case "host": o.host = v; break;
                    case "port": o.port = Integer.parseInt(v); break;
                    case "protocol": o.protocol = v; break;
                    case "op": o.op = v; break;
                    case "connections": o.connections = Integer.parseInt(v); break;
                    case "pipeline": o.pipeline = Integer.parseInt(v); break;
                    case "requests": o.requests = Long.parseLong(v); break;
                    case "seconds": o.seconds = Double.parseDouble(v); break;
                    case "grace": o.grace = Double.parseDouble(v); break;
                    case "keyspace": o.keyspace = Integer.parseInt(v); break;
                    case "value": o.value = Integer.parseInt(v); break;
                    case "prefix": o.prefix = v; break;
                    case "rate": o.rate = Double.parseDouble(v); break;
                    default: throw new IllegalArgumentException("unknown option: " + k);
                }
            }
            if (!o.protocol.equals("resp") && !o.protocol.equals("memcache")) {
                throw new IllegalArgumentException("protocol must be resp or memcache");
            }
            if (!o.op.equals("get") && !o.op.equals("set")) {
                throw new IllegalArgumentException("op must be get or set");
            }
            if (o.connections < 1 || o.pipeline < 1 || o.requests < 1 || o.keyspace < 1 || o.value < 0
                    || !(o.seconds > 0) || !(o.grace >= 0) || !(o.rate >= 0)) {
                throw new IllegalArgumentException("connections, pipeline, requests, keyspace, seconds must be positive");
            }
            return o;
        }
    }

    private static final int KEY_DIGITS = 12;

    /** One request's bytes with a 12-digit key number at {@link #digitsAt}, rewritten per request. */
    static final class Template {
        final byte[] bytes;
        final int digitsAt;

        Template(Options o) {
            String key = o.prefix + "0".repeat(KEY_DIGITS);
            String value = "x".repeat(o.value);
            String head;
            String text;
            if (o.protocol.equals("resp")) {
                if (o.op.equals("get")) {
                    head = "*2\r\n$3\r\nGET\r\n$" + key.length() + "\r\n";
                    text = head + key + "\r\n";
                } else {
                    head = "*3\r\n$3\r\nSET\r\n$" + key.length() + "\r\n";
                    text = head + key + "\r\n$" + value.length() + "\r\n" + value + "\r\n";
                }
            } else {
                if (o.op.equals("get")) {
                    head = "get ";
                    text = head + key + "\r\n";
                } else {
                    head = "set ";
                    text = head + key + " 0 0 " + value.length() + "\r\n" + value + "\r\n";
                }
            }
            bytes = text.getBytes(StandardCharsets.ISO_8859_1);
            digitsAt = head.length() + o.prefix.length();
        }

        void write(ByteBuffer out, int keyNumber) {
            int at = out.position();
            out.put(bytes);
            for (int i = KEY_DIGITS - 1, n = keyNumber; i >= 0; i--, n /= 10) {
                out.put(at + digitsAt + i, (byte) ('0' + n % 10));
            }
        }
    }

    static final class Conn {
        final SocketChannel channel;
        final ByteBuffer out;
        final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        final ReplyScanner scanner;
        SelectionKey key;
        int outstanding;
        long batchStart;
        boolean waitingForRate;

        Conn(SocketChannel channel, int outCapacity, ReplyScanner scanner) {
            this.channel = channel;
            this.out = ByteBuffer.allocateDirect(outCapacity);
            this.scanner = scanner;
        }
    }

    private final Options o;
    private final Template template;
    private final LatencyHistogram histogram = new LatencyHistogram();
    private final SplittableRandom random = new SplittableRandom(42);
    private long issued;
    private long completed;
    private long issueDeadline;
    private long startNanos;

    LoadGen(Options o) {
        this.o = o;
        this.template = new Template(o);
    }

    /** Runs once; returns the result as one line of JSON. */
    String run() throws IOException {
        List<Conn> conns = new ArrayList<>(o.connections);
        try (Selector selector = Selector.open()) {
            try {
                for (int i = 0; i < o.connections; i++) {
                    SocketChannel ch = SocketChannel.open();
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    Conn c = new Conn(ch, template.bytes.length * o.pipeline,
                            o.protocol.equals("resp") ? new ReplyScanner.Resp() : new ReplyScanner.Memcache());
                    conns.add(c);
                    ch.connect(new InetSocketAddress(o.host, o.port));
                    ch.configureBlocking(false);
                    c.key = ch.register(selector, SelectionKey.OP_READ, c);
                }
                return drive(selector, conns);
            } finally {
                for (Conn c : conns) {
                    try {
                        c.channel.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
        }
    }

    private String drive(Selector selector, List<Conn> conns) throws IOException {
        startNanos = System.nanoTime();
        issueDeadline = startNanos + (long) (o.seconds * 1e9);
        long giveUp = issueDeadline + (long) (o.grace * 1e9);
        boolean timedOut = false;
        for (Conn c : conns) {
            sendBatch(c, startNanos);
        }
        long lastReply = startNanos;
        while (true) {
            long now = System.nanoTime();
            if (completed == issued && (issued >= o.requests || now >= issueDeadline)) {
                break;
            }
            if (now >= giveUp) {
                timedOut = true;
                break;
            }
            long timeoutMillis = 100;
            if (o.rate > 0) {
                for (Conn c : conns) {
                    if (c.waitingForRate) {
                        sendBatch(c, now);
                    }
                }
                timeoutMillis = 1;
            }
            int ready = selector.select(timeoutMillis);
            if (ready == 0) {
                continue;
            }
            var selected = selector.selectedKeys();
            var it = selected.iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                Conn c = (Conn) key.attachment();
                if (!key.isValid()) {
                    continue;
                }
                if (key.isWritable()) {
                    flush(c);
                }
                if (key.isReadable()) {
                    int n = c.channel.read(c.in);
                    if (n < 0) {
                        throw new IOException("connection closed by the server with "
                                + c.outstanding + " replies outstanding");
                    }
                    long at = System.nanoTime();
                    c.in.flip();
                    int replies = c.scanner.scan(c.in);
                    c.in.compact();
                    if (replies > 0) {
                        lastReply = at;
                        if (replies > c.outstanding) {
                            throw new IOException("more replies than requests: the reply scanner is out of step");
                        }
                        histogram.record(at - c.batchStart, replies);
                        c.outstanding -= replies;
                        completed += replies;
                        if (c.outstanding == 0) {
                            sendBatch(c, at);
                        }
                    }
                }
            }
        }
        long end = completed == 0 ? System.nanoTime() : lastReply;
        double seconds = (end - startNanos) / 1e9;
        long errors = 0;
        long misses = 0;
        long hits = 0;
        for (Conn c : conns) {
            errors += c.scanner.errors;
            misses += c.scanner.misses;
            hits += c.scanner.hits;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("ok", !timedOut && errors == 0);
        r.put("requests", completed);
        r.put("issued", issued);
        r.put("seconds", seconds);
        r.put("rps", seconds > 0 ? completed / seconds : 0.0);
        r.put("avg_ms", histogram.meanNanos() / 1e6);
        r.put("min_ms", histogram.minNanos() / 1e6);
        r.put("p50_ms", histogram.percentileNanos(50) / 1e6);
        r.put("p95_ms", histogram.percentileNanos(95) / 1e6);
        r.put("p99_ms", histogram.percentileNanos(99) / 1e6);
        r.put("p999_ms", histogram.percentileNanos(99.9) / 1e6);
        r.put("max_ms", histogram.maxNanos() / 1e6);
        r.put("errors", errors);
        r.put("misses", misses);
        r.put("hits", hits);
        r.put("timed_out", timedOut);
        return json(r);
    }

    private void sendBatch(Conn c, long now) throws IOException {
        c.waitingForRate = false;
        if (issued >= o.requests || now >= issueDeadline) {
            return;
        }
        if (o.rate > 0 && issued >= (long) ((now - startNanos) / 1e9 * o.rate) + 1) {
            c.waitingForRate = true;
            return;
        }
        int batch = (int) Math.min(o.pipeline, o.requests - issued);
        c.out.clear();
        for (int i = 0; i < batch; i++) {
            template.write(c.out, random.nextInt(o.keyspace));
        }
        c.out.flip();
        c.batchStart = System.nanoTime();
        c.outstanding = batch;
        issued += batch;
        flush(c);
    }

    private void flush(Conn c) throws IOException {
        c.channel.write(c.out);
        int ops = SelectionKey.OP_READ | (c.out.hasRemaining() ? SelectionKey.OP_WRITE : 0);
        if (c.key.interestOps() != ops) {
            c.key.interestOps(ops);
        }
    }

    static String json(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : r.entrySet()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append('"').append(e.getKey()).append("\": ");
            Object v = e.getValue();
            if (v instanceof String) {
                sb.append('"').append(((String) v).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            } else if (v instanceof Double) {
                sb.append(String.format(Locale.ROOT, "%.6f", (Double) v));
            } else {
                sb.append(v);
            }
        }
        return sb.append('}').toString();
    }

    static String error(Exception e) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("ok", false);
        r.put("error", String.valueOf(e));
        return json(r);
    }

    public static void main(String[] args) throws IOException {
        PrintStream out = System.out;
        if (args.length == 1 && args[0].equals("--serve")) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                out.println(runOnce(line.trim().split("\\s+")));
                out.flush();
            }
            return;
        }
        String result = runOnce(args);
        out.println(result);
        if (result.startsWith("{\"ok\": false")) {
            System.exit(1);
        }
    }

    private static String runOnce(String[] args) {
        try {
            return new LoadGen(Options.parse(args)).run();
        } catch (Exception e) {
            return error(e);
        }
    }
}
