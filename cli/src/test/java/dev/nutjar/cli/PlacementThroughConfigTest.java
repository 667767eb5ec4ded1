package dev.nutjar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.hash.HashFunctions;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.testing.PlacementVectors;
import dev.nutjar.server.config.ConfigLoader;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.config.PoolConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every placement file of the twemproxy conformance data, loaded the way an operator's
 * nutcracker.yml is: the pool comes from the file's own {@code nutcracker_config} through the
 * config loader, and every key must land on the server nutcracker put it on. {@code nutjar locate}
 * is asked too, and must agree.
 */
class PlacementThroughConfigTest {
    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicTest> everyKeyLandsWhereNutcrackerPutIt() {
        return PlacementVectors.files().stream().map(file -> DynamicTest.dynamicTest(
                file.getFileName().toString(), () -> check(PlacementVectors.load(file))));
    }

    private void check(PlacementVectors vectors) throws Exception {
        NutjarConfig config = ConfigLoader.withInstalledProviders().parse(vectors.nutcrackerConfig(), vectors.poolId());
        PoolConfig pool = config.pool(vectors.poolId()).orElseThrow();
        ServerPool routing = pool.routing(HashFunctions.registry(), Distributions.registry()).build();
        List<String> mismatches = new ArrayList<>();
        int wrong = 0;
        for (PlacementVectors.Row row : vectors.rows()) {
            int configIndex = routing.configIndex(routing.route(row.key()));
            if (configIndex != row.serverIndex()) {
                wrong++;
                if (mismatches.size() < 5) {
                    mismatches.add(PlacementVectors.bytesToHex(row.key()) + " -> " + configIndex
                            + " (nutcracker: " + row.serverIndex() + ")");
                }
            }
        }
        assertThat(wrong).as("%s: %d of %d keys on the wrong server, first: %s",
                vectors.poolId(), wrong, vectors.rows().size(), mismatches).isZero();
        checkLocateAgrees(vectors);
    }

    /** {@code nutjar locate --hex} over stdin, on the first 300 keys: the ids it prints match the vectors. */
    private void checkLocateAgrees(PlacementVectors vectors) throws Exception {
        Path conf = dir.resolve(vectors.poolId() + ".yml");
        Files.writeString(conf, vectors.nutcrackerConfig());
        List<PlacementVectors.Row> rows = vectors.rows().subList(0, Math.min(300, vectors.rows().size()));
        StringBuilder stdin = new StringBuilder();
        for (PlacementVectors.Row row : rows) {
            String hex = PlacementVectors.bytesToHex(row.key());
            // An empty line is not a key on stdin; the empty key is covered above.
            if (!hex.isEmpty()) {
                stdin.append(hex).append('\n');
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"locate", "-c", conf.toString(), "--hex", vectors.poolId()},
                new ByteArrayInputStream(stdin.toString().getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as("locate failed: %s", err.toString(StandardCharsets.UTF_8)).isZero();
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        int line = 0;
        for (PlacementVectors.Row row : rows) {
            if (row.key().length == 0) {
                continue;
            }
            String[] fields = lines.get(line++).split("\t", -1);
            assertThat(fields[0]).isEqualTo(PlacementVectors.bytesToHex(row.key()));
            assertThat(List.of(fields[1], fields[2])).as("locate of %s", fields[0]).contains(row.serverId());
        }
        assertThat(line).isEqualTo(lines.size());
    }
}
