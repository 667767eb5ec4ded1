package dev.nutjar.server.stats;

import static dev.nutjar.server.stats.Stat.fromRouting;
import static dev.nutjar.server.stats.Stat.own;
import static dev.nutjar.server.stats.Stat.twemproxy;

/**
 * The stats of a server of a pool: the one table the stats JSON, {@code -D} and any other
 * exporter iterate. twemproxy's come first, in the order of its stats JSON; then the proxy's own.
 * Each event loop counts the {@linkplain Stat#counted() counted} ones, by ordinal.
 */
public enum ServerStat {
    SERVER_EOF(twemproxy("server_eof", StatKind.COUNTER, "# server connections closed by the server (eof)")),
    SERVER_ERR(twemproxy("server_err", StatKind.COUNTER,
            "# server connections closed on an error, or that could not connect")),
    /**
     * twemproxy counts the connections it closes on a timeout; the proxy keeps the connection and
     * fails the late request alone, so it counts requests.
     */
    SERVER_TIMEDOUT(twemproxy("server_timedout", StatKind.COUNTER, "# requests timed out waiting for the server")),
    SERVER_CONNECTIONS(twemproxy("server_connections", StatKind.GAUGE, "# server connections open now")),
    SERVER_EJECTED_AT(fromRouting("server_ejected_at", StatKind.TIMESTAMP,
            "when the server was last ejected, in usec since the epoch")),
    REQUESTS(twemproxy("requests", StatKind.COUNTER, "# requests sent")),
    REQUEST_BYTES(twemproxy("request_bytes", StatKind.COUNTER, "total bytes of requests sent")),
    RESPONSES(twemproxy("responses", StatKind.COUNTER, "# responses received")),
    RESPONSE_BYTES(twemproxy("response_bytes", StatKind.COUNTER, "total bytes of responses received")),
    IN_QUEUE(twemproxy("in_queue", StatKind.GAUGE, "# requests waiting in the proxy to be sent to the server")),
    IN_QUEUE_BYTES(twemproxy("in_queue_bytes", StatKind.GAUGE,
            "bytes of requests waiting in the proxy to be sent to the server")),
    OUT_QUEUE(twemproxy("out_queue", StatKind.GAUGE, "# requests sent and awaiting a response")),
    OUT_QUEUE_BYTES(twemproxy("out_queue_bytes", StatKind.GAUGE, "bytes of requests sent and awaiting a response")),
    /** Part of the JSON's top-level {@code total_connections}. */
    CONNECTS(own("connects", StatKind.COUNTER, "# server connections opened")),
    LATE_REPLIES(own("late_replies", StatKind.COUNTER, "# replies discarded because their request had timed out")),
    DEDICATED_CONNECTIONS(own("dedicated_connections", StatKind.GAUGE,
            "# server connections open now for one client's pub/sub, transaction or blocking command"));

    private final Stat stat;

    ServerStat(Stat stat) {
        this.stat = stat;
    }

    /** Its name, kind and description. */
    public Stat stat() {
        return stat;
    }
}
