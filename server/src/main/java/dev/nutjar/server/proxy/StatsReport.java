package dev.nutjar.server.proxy;

import dev.nutjar.routing.ServerPool;

/**
 * The stats document, in nutcracker 0.5's exact JSON layout and field names (its separators are
 * irregular, and monitoring scripts parse them as they are).
 */
final class StatsReport {
    static final String[] POOL_FIELDS = {
        "client_eof", "client_err", "client_connections", "server_ejects", "forward_error", "fragments",
    };
    static final String[] SERVER_FIELDS = {
        "server_eof", "server_err", "server_timedout", "server_connections", "server_ejected_at", "requests",
        "request_bytes", "responses", "response_bytes", "in_queue", "in_queue_bytes", "out_queue", "out_queue_bytes",
    };

    private StatsReport() {}

    /** Sums every loop's counters into one document, ending with a line feed. */
    static String render(ProxyServer server, String source, long nowMillis) {
        StringBuilder json = new StringBuilder(1024);
        long uptime = (nowMillis - server.startedAtMillis()) / 1000;
        long currConnections = server.listenerCount();
        long totalConnections = server.listenerCount();
        var pools = server.pools();
        long[][] poolSums = new long[pools.size()][LoopCounters.POOL_FIELDS];
        long[][] serverSums = new long[pools.size()][];
        for (PoolRuntime pool : pools) {
            serverSums[pool.id] = new long[pool.serverCount() * LoopCounters.SERVER_FIELDS];
        }
        for (LoopState loop : server.loops()) {
            for (PoolRuntime pool : pools) {
                add(poolSums[pool.id], loop.counters.pool[pool.id]);
                add(serverSums[pool.id], loop.counters.server[pool.id]);
            }
        }
        for (PoolRuntime pool : pools) {
            long[] p = poolSums[pool.id];
            currConnections += p[LoopCounters.CLIENT_CONNECTIONS];
            totalConnections += p[LoopCounters.CLIENTS_ACCEPTED];
            long[] s = serverSums[pool.id];
            for (int i = 0; i < pool.serverCount(); i++) {
                currConnections += s[i * LoopCounters.SERVER_FIELDS + LoopCounters.SERVER_CONNECTIONS];
                totalConnections += s[i * LoopCounters.SERVER_FIELDS + LoopCounters.CONNECTS];
            }
        }
        json.append("{\"service\":\"nutcracker\", \"source\":\"").append(source)
                .append("\", \"version\":\"0.5.0\", \"uptime\":").append(uptime)
                .append(", \"timestamp\":").append(nowMillis / 1000)
                .append(", \"total_connections\":").append(totalConnections)
                .append(", \"curr_connections\":").append(currConnections);
        boolean firstPool = true;
        for (PoolRuntime pool : server.poolsInStatsOrder()) {
            ServerPool routing = pool.routing;
            long[] p = poolSums[pool.id];
            long[] poolValues = {
                p[LoopCounters.CLIENT_EOF], p[LoopCounters.CLIENT_ERR], p[LoopCounters.CLIENT_CONNECTIONS],
                routing.ejectionCount(), p[LoopCounters.FORWARD_ERROR], p[LoopCounters.FRAGMENTS],
            };
            json.append(firstPool ? ", \"" : ",\"").append(pool.name).append("\": {");
            firstPool = false;
            for (int f = 0; f < POOL_FIELDS.length; f++) {
                json.append('"').append(POOL_FIELDS[f]).append("\":").append(poolValues[f]).append(", ");
            }
            long[] s = serverSums[pool.id];
            for (int i = 0; i < pool.serverCount(); i++) {
                int base = i * LoopCounters.SERVER_FIELDS;
                long[] serverValues = {
                    s[base + LoopCounters.SERVER_EOF], s[base + LoopCounters.SERVER_ERR],
                    s[base + LoopCounters.SERVER_TIMEDOUT], s[base + LoopCounters.SERVER_CONNECTIONS],
                    routing.lastEjectedAtMicros(i), s[base + LoopCounters.REQUESTS],
                    s[base + LoopCounters.REQUEST_BYTES], s[base + LoopCounters.RESPONSES],
                    s[base + LoopCounters.RESPONSE_BYTES], s[base + LoopCounters.IN_QUEUE],
                    s[base + LoopCounters.IN_QUEUE_BYTES], s[base + LoopCounters.OUT_QUEUE],
                    s[base + LoopCounters.OUT_QUEUE_BYTES],
                };
                if (i > 0) {
                    json.append(',');
                }
                json.append('"').append(pool.serverName(i)).append("\": {");
                for (int f = 0; f < SERVER_FIELDS.length; f++) {
                    if (f > 0) {
                        json.append(", ");
                    }
                    json.append('"').append(SERVER_FIELDS[f]).append("\":").append(serverValues[f]);
                }
                json.append('}');
            }
            json.append('}');
        }
        json.append("}\n");
        return json.toString();
    }

    private static void add(long[] sum, long[] values) {
        for (int i = 0; i < values.length; i++) {
            sum[i] += values[i];
        }
    }
}
