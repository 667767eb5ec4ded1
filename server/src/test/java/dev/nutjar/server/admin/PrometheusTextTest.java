package dev.nutjar.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.server.metrics.LatencyBuckets;
import dev.nutjar.server.metrics.MetricsSnapshot;
import dev.nutjar.server.stats.PoolStat;
import dev.nutjar.server.stats.ServerStat;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    private static MetricsSnapshot snapshot() {
        long[] poolStats = new long[PoolStat.values().length];
        poolStats[PoolStat.CLIENT_EOF.ordinal()] = 7;
        long[] serverStats = new long[ServerStat.values().length];
        serverStats[ServerStat.REQUESTS.ordinal()] = 3;
        serverStats[ServerStat.IN_QUEUE.ordinal()] = 1;
        long[] queued = new long[LatencyBuckets.COUNT];
        queued[0] = 2;
        queued[LatencyBuckets.COUNT - 1] = 1;
        long[] atServer = new long[LatencyBuckets.COUNT];
        atServer[LatencyBuckets.index(180_000)] = 3;
        MetricsSnapshot.Server server = new MetricsSnapshot.Server("a\"b", serverStats, 0, 0, queued, 1_500_000_000L,
                atServer, 540_000);
        MetricsSnapshot.Pool pool = new MetricsSnapshot.Pool("p\\1", poolStats, List.of("get", "set"),
                new long[] {1, 3, 0}, new long[] {0, 1, 0}, List.of(server));
        return new MetricsSnapshot(9, 12, 4, List.of(pool), new long[] {50_000});
    }

    @Test
    void writesTheTextFormatWithEscapedLabelsAndCumulativeBuckets() {
        String text = new PrometheusText(false).write(snapshot(), ProcessMetrics.read(), true);

        assertThat(text)
                .contains("# TYPE twemproxy_exporter_client_eof_total counter\n")
                .contains("twemproxy_exporter_client_eof_total{pool=\"p\\\\1\"} 7\n")
                .contains("twemproxy_exporter_server_requests_total{pool=\"p\\\\1\",server=\"a\\\"b\"} 3\n")
                .contains("twemproxy_exporter_incoming_queue{pool=\"p\\\\1\",server=\"a\\\"b\"} 1\n")
                .contains("nutjar_command_requests_total{pool=\"p\\\\1\",command=\"other\"} 1\n")
                .contains("nutjar_command_requests_total{pool=\"p\\\\1\",command=\"get\"} 3\n")
                .doesNotContain("command=\"set\"")
                .contains("nutjar_command_errors_total{pool=\"p\\\\1\",command=\"get\"} 1\n")
                .contains("nutjar_server_queued_seconds_bucket{pool=\"p\\\\1\",server=\"a\\\"b\",le=\"2.5e-05\"} 2\n")
                .contains("nutjar_server_queued_seconds_bucket{pool=\"p\\\\1\",server=\"a\\\"b\",le=\"10\"} 2\n")
                .contains("nutjar_server_queued_seconds_bucket{pool=\"p\\\\1\",server=\"a\\\"b\",le=\"+Inf\"} 3\n")
                .contains("nutjar_server_queued_seconds_sum{pool=\"p\\\\1\",server=\"a\\\"b\"} 1.5\n")
                .contains("nutjar_server_queued_seconds_count{pool=\"p\\\\1\",server=\"a\\\"b\"} 3\n")
                .contains("nutjar_server_response_seconds_bucket{pool=\"p\\\\1\",server=\"a\\\"b\",le=\"0.00015\"} 0\n")
                .contains("nutjar_server_response_seconds_bucket{pool=\"p\\\\1\",server=\"a\\\"b\",le=\"0.00025\"} 3\n")
                .contains("nutjar_pool_response_seconds_count{pool=\"p\\\\1\"} 3\n")
                .contains("nutjar_event_loop_lag_seconds{loop=\"0\"} 5.0E-5\n")
                .contains("twemproxy_exporter_connections_total 12\n")
                .contains("nutjar_ready 1\n")
                .contains("# TYPE nutjar_build_info gauge\n")
                .doesNotContain("# EOF");
    }

    @Test
    void writesOpenMetricsWithFamiliesNamedWithoutSuffixes() {
        String text = new PrometheusText(true).write(snapshot(), ProcessMetrics.read(), false);

        assertThat(text)
                .contains("# TYPE twemproxy_exporter_client_eof counter\n")
                .contains("twemproxy_exporter_client_eof_total{pool=\"p\\\\1\"} 7\n")
                .contains("# TYPE nutjar_build info\n")
                .contains("nutjar_ready 0\n")
                .endsWith("# EOF\n");
    }
}
