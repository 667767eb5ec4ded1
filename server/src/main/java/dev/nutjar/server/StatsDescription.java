package dev.nutjar.server;

import java.io.PrintStream;
import java.util.List;

/**
 * The metrics of the stats port, with twemproxy 0.5's names and order, as {@code -D} describes them.
 */
public final class StatsDescription {
    private StatsDescription() {}

    /** How a metric behaves over time. */
    public enum Kind {
        /** Only grows, from process start. */
        COUNTER,
        /** Goes up and down: a current level. */
        GAUGE,
        /** A point in time, in microseconds since the epoch. */
        TIMESTAMP
    }

    /** One metric: its name in the stats JSON, its kind and what it counts. */
    public record Metric(String name, Kind kind, String description) {}

    /** Per pool, in the order of the stats JSON. */
    public static final List<Metric> POOL_METRICS = List.of(
            new Metric("client_eof", Kind.COUNTER, "# client connections closed by the client (eof)"),
            new Metric("client_err", Kind.COUNTER, "# client connections closed on an error"),
            new Metric("client_connections", Kind.GAUGE, "# client connections open now"),
            new Metric("server_ejects", Kind.COUNTER, "# times a server was ejected"),
            new Metric("forward_error", Kind.COUNTER, "# requests answered with an error because they could not be forwarded"),
            new Metric("fragments", Kind.COUNTER, "# fragments created from multi-key requests"));

    /** Per server, in the order of the stats JSON. */
    public static final List<Metric> SERVER_METRICS = List.of(
            new Metric("server_eof", Kind.COUNTER, "# server connections closed by the server (eof)"),
            new Metric("server_err", Kind.COUNTER, "# server connections closed on an error"),
            new Metric("server_timedout", Kind.COUNTER, "# server connections closed on a timeout"),
            new Metric("server_connections", Kind.GAUGE, "# server connections open now"),
            new Metric("server_ejected_at", Kind.TIMESTAMP, "when the server was last ejected, in usec since the epoch"),
            new Metric("requests", Kind.COUNTER, "# requests sent"),
            new Metric("request_bytes", Kind.COUNTER, "total bytes of requests sent"),
            new Metric("responses", Kind.COUNTER, "# responses received"),
            new Metric("response_bytes", Kind.COUNTER, "total bytes of responses received"),
            new Metric("in_queue", Kind.GAUGE, "# requests waiting to be sent"),
            new Metric("in_queue_bytes", Kind.GAUGE, "bytes of requests waiting to be sent"),
            new Metric("out_queue", Kind.GAUGE, "# requests sent and awaiting a response"),
            new Metric("out_queue_bytes", Kind.GAUGE, "bytes of requests sent and awaiting a response"));

    /** Prints the metrics as {@code nutcracker -D} does: a name padded to 20 columns, then the quoted description. */
    public static void print(PrintStream out) {
        out.println("pool stats:");
        POOL_METRICS.forEach(metric -> print(out, metric));
        out.println();
        out.println("server stats:");
        SERVER_METRICS.forEach(metric -> print(out, metric));
    }

    private static void print(PrintStream out, Metric metric) {
        out.printf("  %-20s\"%s\"%n", metric.name(), metric.description());
    }
}
