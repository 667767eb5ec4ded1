package dev.nutjar.server.stats;

import static dev.nutjar.server.stats.Stat.fromRouting;
import static dev.nutjar.server.stats.Stat.own;
import static dev.nutjar.server.stats.Stat.twemproxy;

/**
 * The stats of a pool: the one table the stats JSON, {@code -D} and any other exporter iterate.
 * twemproxy's come first, in the order of its stats JSON; then the proxy's own. Each event loop
 * counts the {@linkplain Stat#counted() counted} ones, by ordinal.
 */
public enum PoolStat {
    CLIENT_EOF(twemproxy("client_eof", StatKind.COUNTER, "# client connections closed by the client (eof)")),
    CLIENT_ERR(twemproxy("client_err", StatKind.COUNTER, "# client connections closed on an error")),
    CLIENT_CONNECTIONS(twemproxy("client_connections", StatKind.GAUGE, "# client connections open now")),
    SERVER_EJECTS(fromRouting("server_ejects", StatKind.COUNTER, "# times a server was ejected")),
    FORWARD_ERROR(twemproxy("forward_error", StatKind.COUNTER,
            "# requests answered with an error: no server live, or the server failed or timed out")),
    FRAGMENTS(twemproxy("fragments", StatKind.COUNTER, "# fragments created from multi-key requests")),
    /** Part of the JSON's top-level {@code total_connections}. */
    CLIENTS_ACCEPTED(own("clients_accepted", StatKind.COUNTER, "# client connections accepted")),
    CLIENTS_REFUSED(own("clients_refused", StatKind.COUNTER,
            "# client connections refused at client_connections")),
    CLIENTS_PAUSED(own("clients_paused", StatKind.COUNTER,
            "# times a client's reading was paused by its in-flight reply budget")),
    MULTIKEY_REQUESTS(own("multikey_requests", StatKind.COUNTER,
            "# multi-key requests split into fragments")),
    DEDICATED_REFUSED(own("dedicated_refused", StatKind.COUNTER,
            "# requests refused an own server connection at dedicated_connections"));

    private final Stat stat;

    PoolStat(Stat stat) {
        this.stat = stat;
    }

    /** Its name, kind and description. */
    public Stat stat() {
        return stat;
    }
}
