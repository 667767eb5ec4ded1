package dev.nutjar.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.hash.HashFunctions;
import dev.nutjar.protocol.Protocols;
import dev.nutjar.routing.Distributions;
import dev.nutjar.server.config.ConfigLoader;
import dev.nutjar.server.config.NutjarConfig;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class StatsReportTest {
    /**
     * The document of a fresh proxy with two pools, as the stats port served it before the stats
     * table existed, with uptime and timestamp masked: nutcracker 0.5's layout, separators and all.
     */
    private static final String BEFORE_THE_STATS_TABLE = "{\"service\":\"nutcracker\", \"source\":\"localhost\", "
            + "\"version\":\"0.5.0\", \"uptime\":U, \"timestamp\":T, \"total_connections\":2, \"curr_connections\":2, "
            + "\"beta\": {\"client_eof\":0, \"client_err\":0, \"client_connections\":0, \"server_ejects\":0, "
            + "\"forward_error\":0, \"fragments\":0, \"127.0.0.1:1\": {\"server_eof\":0, \"server_err\":0, "
            + "\"server_timedout\":0, \"server_connections\":0, \"server_ejected_at\":0, \"requests\":0, "
            + "\"request_bytes\":0, \"responses\":0, \"response_bytes\":0, \"in_queue\":0, \"in_queue_bytes\":0, "
            + "\"out_queue\":0, \"out_queue_bytes\":0}},\"alpha1\": {\"client_eof\":0, \"client_err\":0, "
            + "\"client_connections\":0, \"server_ejects\":0, \"forward_error\":0, \"fragments\":0, \"r1\": "
            + "{\"server_eof\":0, \"server_err\":0, \"server_timedout\":0, \"server_connections\":0, "
            + "\"server_ejected_at\":0, \"requests\":0, \"request_bytes\":0, \"responses\":0, \"response_bytes\":0, "
            + "\"in_queue\":0, \"in_queue_bytes\":0, \"out_queue\":0, \"out_queue_bytes\":0},\"r2\": "
            + "{\"server_eof\":0, \"server_err\":0, \"server_timedout\":0, \"server_connections\":0, "
            + "\"server_ejected_at\":0, \"requests\":0, \"request_bytes\":0, \"responses\":0, \"response_bytes\":0, "
            + "\"in_queue\":0, \"in_queue_bytes\":0, \"out_queue\":0, \"out_queue_bytes\":0}}}\n";

    @Test
    void theDocumentKeepsItsLayoutFieldForField() throws Exception {
        String yaml = "alpha1:\n  listen: 127.0.0.1:" + freePort() + "\n  redis: true\n  servers:\n"
                + "    - 127.0.0.1:2:1 r2\n    - 127.0.0.1:1:1 r1\n"
                + "beta:\n  listen: 127.0.0.1:" + freePort() + "\n  redis: true\n  servers:\n    - 127.0.0.1:1:1\n";
        NutjarConfig config = ConfigLoader.withInstalledProviders().parse(yaml, "stats.yml");
        try (Proxy proxy = Proxy.start(config, new Proxy.Options(1, null, 0, 0, 1 << 20, HashFunctions.registry(),
                Distributions.registry(), Protocols.registry()))) {
            String document = proxy.statsDocument()
                    .replaceFirst("\"uptime\":\\d+", "\"uptime\":U")
                    .replaceFirst("\"timestamp\":\\d+", "\"timestamp\":T");
            assertThat(document).isEqualTo(BEFORE_THE_STATS_TABLE);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
