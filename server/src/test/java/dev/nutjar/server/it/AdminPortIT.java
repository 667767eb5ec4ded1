package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.server.EmbeddedProxy;
import dev.nutjar.server.Nutjar;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The admin port against real tools: real redis-servers behind the proxy, {@code promtool check
 * metrics} on a real scrape, and a real Prometheus server scraping it every second, asked for a
 * histogram quantile and a counter through its HTTP API.
 */
@ExtendWith(NoLeaks.class)
class AdminPortIT {
    private static final String POOL = "alpha";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static RedisShards shards;
    private static EmbeddedProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        shards = RedisShards.start(2);
        proxy = Nutjar.builder()
                .redisPool(POOL, shards.servers().stream().map(s -> s.address() + ":1").toArray(String[]::new))
                .threads(2)
                .admin("127.0.0.1", 0)
                .start();
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (shards != null) {
            shards.close();
        }
    }

    private static Jedis client() {
        InetSocketAddress address = proxy.address(POOL);
        return new Jedis(address.getHostString(), address.getPort(), 30_000);
    }

    private static URI admin(String path) {
        InetSocketAddress admin = proxy.adminAddress().orElseThrow();
        return URI.create("http://127.0.0.1:" + admin.getPort() + path);
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(admin(path)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(admin(path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sets and gets keys over both shards, one MGET across them, and a command the table lacks. */
    private static void traffic(int keys) {
        try (Jedis jedis = client()) {
            for (int i = 0; i < keys; i++) {
                jedis.set("key:" + i, "value:" + i);
                assertThat(jedis.get("key:" + i)).isEqualTo("value:" + i);
            }
            assertThat(jedis.mget("key:0", "key:1", "key:2", "key:3")).hasSize(4);
        }
    }

    private static long sample(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("the scrape has %s", series).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    @Test
    void metricsPassPromtoolAndCountWhatWasSent() throws Exception {
        traffic(50);
        HttpResponse<String> response = get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        String scrape = response.body();

        Path file = Files.createTempFile("nutjar-scrape-", ".txt");
        try {
            Files.writeString(file, scrape);
            Process promtool = new ProcessBuilder(BackendProcess.binary("promtool", "prometheus"), "check", "metrics")
                    .redirectInput(file.toFile())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(promtool.exitValue()).as("promtool check metrics says: %s", output).isZero();
        } finally {
            Files.deleteIfExists(file);
        }

        assertThat(sample(scrape, "nutjar_command_requests_total{pool=\"alpha\",command=\"get\"}")).isGreaterThanOrEqualTo(50);
        assertThat(sample(scrape, "nutjar_command_requests_total{pool=\"alpha\",command=\"mget\"}")).isGreaterThanOrEqualTo(1);
        assertThat(sample(scrape, "nutjar_pool_multikey_requests_total{pool=\"alpha\"}")).isGreaterThanOrEqualTo(1);
        assertThat(sample(scrape, "twemproxy_exporter_fragments_total{pool=\"alpha\"}")).isGreaterThanOrEqualTo(1);
        assertThat(sample(scrape, "twemproxy_exporter_up")).isEqualTo(1);
        assertThat(sample(scrape, "nutjar_ready")).isEqualTo(1);
        long responses = 0;
        long histogramCount = 0;
        for (BackendProcess server : shards.servers()) {
            String labels = "{pool=\"alpha\",server=\"" + server.address() + "\"}";
            long replies = sample(scrape, "twemproxy_exporter_server_responses_total" + labels);
            responses += replies;
            long count = sample(scrape, "nutjar_server_response_seconds_count" + labels);
            histogramCount += count;
            assertThat(sample(scrape, "nutjar_server_response_seconds_bucket{pool=\"alpha\",server=\""
                    + server.address() + "\",le=\"+Inf\"}")).isEqualTo(count);
            assertThat(sample(scrape, "nutjar_server_queued_seconds_count" + labels)).isEqualTo(count);
        }
        // Every reply read is one observation of each histogram, of the pool's too.
        assertThat(histogramCount).isEqualTo(responses).isGreaterThanOrEqualTo(101);
        assertThat(sample(scrape, "nutjar_pool_response_seconds_count{pool=\"alpha\"}")).isEqualTo(responses);
        assertThat(scrape).containsPattern("(?m)^nutjar_build_info\\{version=\"[^\"]+\",java_version=\"[^\"]+\"} 1$")
                .containsPattern("(?m)^process_open_fds \\d+$")
                .containsPattern("(?m)^nutjar_direct_memory_max_bytes \\d+$")
                .containsPattern("(?m)^jvm_memory_used_bytes\\{area=\"heap\"} \\d+$")
                .containsPattern("(?m)^nutjar_event_loop_lag_seconds\\{loop=\"1\"} [0-9.eE-]+$");
    }

    @Test
    void openMetricsWhenTheScraperAsks() throws Exception {
        HttpResponse<String> response = get("/metrics", "Accept",
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue(
                "application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertThat(response.body()).endsWith("# EOF\n")
                .contains("# TYPE twemproxy_exporter_client_eof counter\n")
                .contains("# TYPE nutjar_build info\n");
    }

    @Test
    void statsIsTheStatsDocumentAndReloadAppliesTheConfiguration() throws Exception {
        HttpResponse<String> stats = get("/stats");
        assertThat(stats.statusCode()).isEqualTo(200);
        Map<String, Object> json = Json.object(Json.parse(stats.body()));
        assertThat(json).containsEntry("service", "nutcracker").containsKey(POOL);
        HttpResponse<String> reload = post("/reload");
        assertThat(reload.statusCode()).isEqualTo(200);
        assertThat(reload.body()).contains("reload done: nothing changed");
        assertThat(get("/metrics").body()).contains("\nnutjar_reloads_total 1\n");
        assertThat(get("/live").statusCode()).isEqualTo(200);
        assertThat(get("/nothing").statusCode()).isEqualTo(404);
        assertThat(get("/drain").statusCode()).as("a drain must be POSTed").isEqualTo(405);
    }

    @Test
    void prometheusScrapesItAndAnswersAQuantileAndACounter(@TempDir Path dir) throws Exception {
        int adminPort = proxy.adminAddress().orElseThrow().getPort();
        Path config = Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: nutjar
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(adminPort));
        try (BackendProcess prometheus = BackendProcess.prometheus(config, dir.resolve("data"))) {
            String api = "http://127.0.0.1:" + prometheus.port() + "/api/v1/query?query=";
            String counter = "sum(nutjar_command_requests_total{pool=\"alpha\",command=\"set\"})";
            String quantile = "histogram_quantile(0.99, sum by (le) "
                    + "(rate(nutjar_pool_response_seconds_bucket{pool=\"alpha\"}[5s])))";
            // A command's series starts with its first request: none yet is 0.
            Matcher setCount = Pattern.compile("(?m)^nutjar_command_requests_total\\{pool=\"alpha\",command=\"set\"} (\\d+)$")
                    .matcher(get("/metrics").body());
            long setsBefore = setCount.find() ? Long.parseLong(setCount.group(1)) : 0;
            Await.until("Prometheus reports a counter with the proxy's requests in it", Duration.ofSeconds(60), () -> {
                traffic(20);
                Double sets = queryValue(api, counter);
                return sets != null && sets > setsBefore;
            });
            Double p99 = Await.value("Prometheus computes a p99 from the histogram", Duration.ofSeconds(60), () -> {
                traffic(20);
                Double value = queryValue(api, quantile);
                return value == null || value.isNaN() ? null : value;
            });
            assertThat(p99).isPositive().isLessThanOrEqualTo(10.0);

            // Every query of the example dashboard parses and finds series.
            String dashboard = Files.readString(Path.of(System.getProperty("nutjar.project.dir", ".."))
                    .resolve("docs/grafana-dashboard.json"));
            Matcher expr = Pattern.compile("\"expr\": \"((?:[^\"\\\\]|\\\\.)*)\"").matcher(dashboard);
            int queries = 0;
            while (expr.find()) {
                String query = expr.group(1).replace("\\\"", "\"").replace("$__rate_interval", "10s")
                        .replace("$instance", ".*").replace("$pool", ".*");
                String shown = query;
                Await.until("Prometheus has series for the dashboard's " + shown, Duration.ofSeconds(30),
                        () -> queryValue(api, shown) != null);
                queries++;
            }
            assertThat(queries).isGreaterThan(10);
        }
    }

    /** The first sample of an instant query's result, or null when it has none yet. */
    private static Double queryValue(String api, String query) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create(api + URLEncoder.encode(query, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("Prometheus answers %s", response.body()).isEqualTo(200);
        Map<String, Object> data = Json.object(Json.object(Json.parse(response.body())).get("data"));
        List<?> result = (List<?>) data.get("result");
        if (result.isEmpty()) {
            return null;
        }
        List<?> value = (List<?>) Json.object(result.get(0)).get("value");
        return Double.parseDouble((String) value.get(1));
    }

    @Test
    void drainAnswersWhatWasSentThenClosesAndStopsAccepting() throws Exception {
        // Its own proxy: a drained proxy stays drained.
        try (EmbeddedProxy drained = Nutjar.builder()
                .redisPool("beta", shards.get(0).address() + ":1")
                .admin("127.0.0.1", 0)
                .start();
                Socket client = new Socket()) {
            int adminPort = drained.adminAddress().orElseThrow().getPort();
            URI ready = URI.create("http://127.0.0.1:" + adminPort + "/ready");
            assertThat(HTTP.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);
            client.connect(drained.address("beta"), 5_000);
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            // Busy at the server for a second when the drain comes.
            String script = "local s = redis.call('TIME') while true do local n = redis.call('TIME') "
                    + "if (n[1] - s[1]) * 1000000 + (n[2] - s[2]) > 1000000 then return 'slept' end end";
            out.write(("*4\r\n$4\r\nEVAL\r\n$" + script.length() + "\r\n" + script + "\r\n$1\r\n1\r\n$9\r\ndrain:key\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(200);
            HttpResponse<String> drain = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + adminPort + "/drain"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(drain.statusCode()).isEqualTo(200);
            HttpResponse<String> notReady = HTTP.send(HttpRequest.newBuilder(ready).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).isEqualTo("draining\n");

            InputStream in = client.getInputStream();
            byte[] reply = in.readAllBytes(); // the reply, then the proxy's close
            assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("$5\r\nslept\r\n");
            try (Socket late = new Socket()) {
                boolean refused = false;
                try {
                    late.connect(drained.address("beta"), 2_000);
                    late.setSoTimeout(2_000);
                    refused = late.getInputStream().read() < 0;
                } catch (java.io.IOException e) {
                    refused = true;
                }
                assertThat(refused).as("a new client is not served once draining").isTrue();
            }
        }
    }
}
