package dev.nutjar.server.admin;

import dev.nutjar.server.metrics.LatencyBuckets;
import dev.nutjar.server.metrics.MetricsSnapshot;
import dev.nutjar.server.stats.PoolStat;
import dev.nutjar.server.stats.ServerStat;
import dev.nutjar.server.stats.StatKind;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Writes a {@link MetricsSnapshot} in Prometheus' text format 0.0.4, or in OpenMetrics 1.0 when
 * the scraper asks for it. Written by hand: the format is a few lines per family, and a scrape
 * then costs one StringBuilder instead of a client library's registry.
 *
 * <p>twemproxy's stats keep the Go {@code twemproxy_exporter}'s names and labels ({@code pool},
 * {@code server}), so that dashboards built on it work unchanged; Nutjar's own are
 * {@code nutjar_*}.
 */
final class PrometheusText {
    /** The exporter's name for each twemproxy pool stat; the proxy's own get {@code nutjar_pool_<name>}. */
    private static final Map<PoolStat, String> EXPORTER_POOL_NAMES = new EnumMap<>(Map.of(
            PoolStat.CLIENT_EOF, "twemproxy_exporter_client_eof",
            PoolStat.CLIENT_ERR, "twemproxy_exporter_client_err",
            PoolStat.CLIENT_CONNECTIONS, "twemproxy_exporter_client_connections_active",
            PoolStat.SERVER_EJECTS, "twemproxy_exporter_backend_server_ejections",
            PoolStat.FORWARD_ERROR, "twemproxy_exporter_forward_errors",
            PoolStat.FRAGMENTS, "twemproxy_exporter_fragments"));
    /** The exporter's name for each twemproxy server stat; the proxy's own get {@code nutjar_server_<name>}. */
    private static final Map<ServerStat, String> EXPORTER_SERVER_NAMES = new EnumMap<>(Map.ofEntries(
            Map.entry(ServerStat.SERVER_EOF, "twemproxy_exporter_server_eof"),
            Map.entry(ServerStat.SERVER_ERR, "twemproxy_exporter_server_err"),
            Map.entry(ServerStat.SERVER_TIMEDOUT, "twemproxy_exporter_server_timeouts"),
            Map.entry(ServerStat.SERVER_CONNECTIONS, "twemproxy_exporter_server_connections_active"),
            Map.entry(ServerStat.SERVER_EJECTED_AT, "twemproxy_exporter_server_ejected_at"),
            Map.entry(ServerStat.REQUESTS, "twemproxy_exporter_server_requests"),
            Map.entry(ServerStat.REQUEST_BYTES, "twemproxy_exporter_server_requests_bytes"),
            Map.entry(ServerStat.RESPONSES, "twemproxy_exporter_server_responses"),
            Map.entry(ServerStat.RESPONSE_BYTES, "twemproxy_exporter_server_responses_bytes"),
            Map.entry(ServerStat.IN_QUEUE, "twemproxy_exporter_incoming_queue"),
            Map.entry(ServerStat.IN_QUEUE_BYTES, "twemproxy_exporter_incoming_queue_bytes"),
            Map.entry(ServerStat.OUT_QUEUE, "twemproxy_exporter_outgoing_queue"),
            Map.entry(ServerStat.OUT_QUEUE_BYTES, "twemproxy_exporter_outgoing_queue_bytes")));

    private final boolean openMetrics;
    private final StringBuilder out = new StringBuilder(16 * 1024);

    PrometheusText(boolean openMetrics) {
        this.openMetrics = openMetrics;
    }

    /** The exposition of {@code metrics}, {@code process} and readiness. */
    String write(MetricsSnapshot metrics, ProcessMetrics process, boolean ready) {
        return write(metrics, process, ready, 0, 0);
    }

    /** The same, with the configuration reloads applied and refused since the start. */
    String write(MetricsSnapshot metrics, ProcessMetrics process, boolean ready, long reloads, long reloadFailures) {
        family("nutjar_reloads", "counter", "Configuration reloads applied.");
        sample("nutjar_reloads_total", "", reloads);
        family("nutjar_reload_failures", "counter",
                "Configuration reloads refused: an invalid file, a listener that could not be bound, the move guard.");
        sample("nutjar_reload_failures_total", "", reloadFailures);
        exporterTotals(metrics);
        poolStats(metrics);
        serverStats(metrics);
        commands(metrics);
        latency(metrics);
        proxyState(metrics, ready);
        process(process);
        if (openMetrics) {
            out.append("# EOF\n");
        }
        return out.toString();
    }

    private void exporterTotals(MetricsSnapshot m) {
        family("twemproxy_exporter_up", "gauge", "Whether the stats could be read: always 1 from the proxy itself.");
        sample("twemproxy_exporter_up", "", 1);
        family("twemproxy_exporter_connections", "counter", "Connections accepted or opened (total_connections).");
        sample("twemproxy_exporter_connections_total", "", m.totalConnections());
        family("twemproxy_exporter_current_connections", "gauge", "Connections open now (curr_connections).");
        sample("twemproxy_exporter_current_connections", "", m.currentConnections());
    }

    private void poolStats(MetricsSnapshot m) {
        for (PoolStat stat : PoolStat.values()) {
            String name = EXPORTER_POOL_NAMES.getOrDefault(stat, "nutjar_pool_" + stat.stat().name());
            boolean counter = stat.stat().kind() == StatKind.COUNTER;
            family(name, counter ? "counter" : "gauge", help(stat.stat().description(), stat.stat().name()));
            for (MetricsSnapshot.Pool pool : m.pools()) {
                sample(counter ? name + "_total" : name, labels("pool", pool.name()), pool.stats()[stat.ordinal()]);
            }
        }
    }

    private void serverStats(MetricsSnapshot m) {
        for (ServerStat stat : ServerStat.values()) {
            String name = EXPORTER_SERVER_NAMES.getOrDefault(stat, "nutjar_server_" + stat.stat().name());
            boolean counter = stat.stat().kind() == StatKind.COUNTER;
            family(name, counter ? "counter" : "gauge", help(stat.stat().description(), stat.stat().name()));
            for (MetricsSnapshot.Pool pool : m.pools()) {
                for (MetricsSnapshot.Server server : pool.servers()) {
                    long value = server.stats()[stat.ordinal()];
                    if (stat == ServerStat.SERVER_EJECTED_AT) {
                        // The exporter passes twemproxy's microseconds through; so does this.
                        sample(name, serverLabels(pool, server), value);
                    } else {
                        sample(counter ? name + "_total" : name, serverLabels(pool, server), value);
                    }
                }
            }
        }
        family("nutjar_server_ejections", "counter", "Times the server was ejected from the ring.");
        eachServer(m, "nutjar_server_ejections_total", MetricsSnapshot.Server::ejections);
        family("nutjar_server_returns", "counter", "Times the server came back on the ring after an ejection.");
        eachServer(m, "nutjar_server_returns_total", MetricsSnapshot.Server::returns);
    }

    private void eachServer(MetricsSnapshot m, String sample, ToLongFunction<MetricsSnapshot.Server> value) {
        for (MetricsSnapshot.Pool pool : m.pools()) {
            for (MetricsSnapshot.Server server : pool.servers()) {
                sample(sample, serverLabels(pool, server), value.applyAsLong(server));
            }
        }
    }

    private void commands(MetricsSnapshot m) {
        family("nutjar_command_requests", "counter",
                "Requests by command; command=\"other\" for one outside the protocol's command table.");
        commandSamples(m, "nutjar_command_requests_total", false);
        family("nutjar_command_errors", "counter",
                "Requests answered with the proxy's error (no server, timeout, connection lost), by command.");
        commandSamples(m, "nutjar_command_errors_total", true);
    }

    private void commandSamples(MetricsSnapshot m, String sample, boolean errors) {
        for (MetricsSnapshot.Pool pool : m.pools()) {
            long[] counts = errors ? pool.commandErrors() : pool.commandRequests();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] == 0 && i > 0) {
                    continue; // a command never seen: its series starts with its first request
                }
                String command = i == 0 ? "other" : pool.commands().get(i - 1);
                sample(sample, labels("pool", pool.name()) + ",command=\"" + command + "\"", counts[i]);
            }
        }
    }

    private void latency(MetricsSnapshot m) {
        latency(m, "nutjar_server_queued_seconds", "nutjar_pool_queued_seconds",
                "Time a replied request waited in the proxy before it was sent to the server.",
                MetricsSnapshot.Server::queued, MetricsSnapshot.Server::queuedSumNanos);
        latency(m, "nutjar_server_response_seconds", "nutjar_pool_response_seconds",
                "Time from sending a request to the server to reading its reply.",
                MetricsSnapshot.Server::atServer, MetricsSnapshot.Server::atServerSumNanos);
    }

    /** One latency histogram per server, and per pool the same over its servers. */
    private void latency(MetricsSnapshot m, String perServer, String perPool, String help,
            Function<MetricsSnapshot.Server, long[]> buckets, ToLongFunction<MetricsSnapshot.Server> sumNanos) {
        family(perServer, "histogram", help);
        for (MetricsSnapshot.Pool pool : m.pools()) {
            for (MetricsSnapshot.Server server : pool.servers()) {
                histogram(perServer, serverLabels(pool, server), buckets.apply(server), sumNanos.applyAsLong(server));
            }
        }
        family(perPool, "histogram", perServer + " over every server of the pool.");
        for (MetricsSnapshot.Pool pool : m.pools()) {
            long[] poolBuckets = new long[LatencyBuckets.COUNT];
            long sum = 0;
            for (MetricsSnapshot.Server server : pool.servers()) {
                add(poolBuckets, buckets.apply(server));
                sum += sumNanos.applyAsLong(server);
            }
            histogram(perPool, labels("pool", pool.name()), poolBuckets, sum);
        }
    }

    private void histogram(String name, String labels, long[] buckets, long sumNanos) {
        long cumulative = 0;
        for (int i = 0; i < buckets.length; i++) {
            cumulative += buckets[i];
            sample(name + "_bucket", labels + ",le=\"" + LatencyBuckets.label(i) + "\"", cumulative);
        }
        sample(name + "_sum", labels, sumNanos / 1e9);
        sample(name + "_count", labels, cumulative);
    }

    private void proxyState(MetricsSnapshot m, boolean ready) {
        family("nutjar_ready", "gauge", "1 when every listener is bound and the proxy is not draining.");
        sample("nutjar_ready", "", ready ? 1 : 0);
        family("nutjar_uptime_seconds", "gauge", "Seconds since the proxy started (the stats' uptime).");
        sample("nutjar_uptime_seconds", "", m.uptimeSeconds());
        family("nutjar_event_loop_lag_seconds", "gauge",
                "How long a task submitted at the scrape waited for its event loop; -1 when it waited over 1 s.");
        long[] lag = m.loopLagNanos();
        for (int i = 0; i < lag.length; i++) {
            sample("nutjar_event_loop_lag_seconds", "loop=\"" + i + "\"", lag[i] < 0 ? -1 : lag[i] / 1e9);
        }
    }

    private void process(ProcessMetrics p) {
        family("nutjar_build_info", openMetrics ? "info" : "gauge", "The Nutjar version and the Java runtime.");
        sample("nutjar_build_info", "version=\"" + escape(p.version()) + "\",java_version=\""
                + escape(p.javaVersion()) + "\"", 1);
        family("jvm_memory_used_bytes", "gauge", "Memory the JVM uses, by area.");
        sample("jvm_memory_used_bytes", "area=\"heap\"", p.heap().getUsed());
        sample("jvm_memory_used_bytes", "area=\"nonheap\"", p.nonHeap().getUsed());
        family("jvm_memory_committed_bytes", "gauge", "Memory the JVM has from the system, by area.");
        sample("jvm_memory_committed_bytes", "area=\"heap\"", p.heap().getCommitted());
        sample("jvm_memory_committed_bytes", "area=\"nonheap\"", p.nonHeap().getCommitted());
        family("jvm_memory_max_bytes", "gauge", "The most memory the JVM may use, by area; -1 for no limit.");
        sample("jvm_memory_max_bytes", "area=\"heap\"", p.heap().getMax());
        family("nutjar_direct_memory_used_bytes", "gauge",
                "Direct (off-heap) memory in use: source=\"netty\" by Netty's allocators, \"jdk\" by NIO buffers.");
        sample("nutjar_direct_memory_used_bytes", "source=\"netty\"", p.nettyDirectUsed());
        sample("nutjar_direct_memory_used_bytes", "source=\"jdk\"", p.jdkDirectUsed());
        family("nutjar_direct_memory_max_bytes", "gauge", "The direct memory limit (-XX:MaxDirectMemorySize or the heap's).");
        sample("nutjar_direct_memory_max_bytes", "", p.directMax());
        family("jvm_gc_collections", "counter", "Garbage collections, by collector.");
        for (ProcessMetrics.Gc gc : p.collectors()) {
            sample("jvm_gc_collections_total", "gc=\"" + escape(gc.name()) + "\"", gc.count());
        }
        family("jvm_gc_collection_seconds", "counter",
                "Time spent in garbage collections, by collector (pauses for G1's and Parallel's).");
        for (ProcessMetrics.Gc gc : p.collectors()) {
            sample("jvm_gc_collection_seconds_total", "gc=\"" + escape(gc.name()) + "\"", gc.millis() / 1e3);
        }
        if (p.openFds() >= 0) {
            family("process_open_fds", "gauge", "Open file descriptors.");
            sample("process_open_fds", "", p.openFds());
            family("process_max_fds", "gauge", "The most file descriptors the process may open.");
            sample("process_max_fds", "", p.maxFds());
        }
        if (p.cpuSeconds() >= 0) {
            family("process_cpu_seconds", "counter", "User and system CPU time of the process.");
            sample("process_cpu_seconds_total", "", p.cpuSeconds());
        }
        family("process_start_time_seconds", "gauge", "When the process started, in seconds since the epoch.");
        sample("process_start_time_seconds", "", p.startTimeSeconds());
    }

    // ---------------------------------------------------------------- the format

    /**
     * A family's HELP and TYPE, {@code name} being a counter's name without {@code _total}. The
     * text format names a family as its samples; OpenMetrics names a counter's family without the
     * {@code _total} of its sample, an info family without {@code _info}.
     */
    private void family(String name, String type, String help) {
        String family = name;
        if (openMetrics && type.equals("info")) {
            family = name.substring(0, name.length() - "_info".length());
        } else if (!openMetrics && type.equals("counter")) {
            family = name + "_total";
        }
        out.append("# HELP ").append(family).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(family).append(' ').append(type).append('\n');
    }

    private void sample(String name, String labels, long value) {
        name(name, labels).append(value).append('\n');
    }

    private void sample(String name, String labels, double value) {
        StringBuilder line = name(name, labels);
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            line.append((long) value);
        } else {
            line.append(value);
        }
        line.append('\n');
    }

    private StringBuilder name(String name, String labels) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        return out.append(' ');
    }

    private static String help(String description, String statName) {
        String text = description.startsWith("# ") ? "Number of " + description.substring(2) : description;
        return escapeHelp(text + " (stats: " + statName + ")");
    }

    private static String labels(String name, String value) {
        return name + "=\"" + escape(value) + "\"";
    }

    private static String serverLabels(MetricsSnapshot.Pool pool, MetricsSnapshot.Server server) {
        return labels("pool", pool.name()) + "," + labels("server", server.name());
    }

    /** A label value: backslash, double quote and line feed escaped. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String escapeHelp(String text) {
        return text.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static void add(long[] sum, long[] values) {
        for (int i = 0; i < values.length; i++) {
            sum[i] += values[i];
        }
    }
}
