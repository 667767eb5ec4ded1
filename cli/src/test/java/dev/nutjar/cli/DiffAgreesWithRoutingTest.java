package dev.nutjar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.hash.HashFunctions;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.KeySpaceDiff;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.routing.testing.PlacementVectors;
import dev.nutjar.server.config.ConfigLoader;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.config.PoolConfig;
import dev.nutjar.server.reload.ConfigDiff;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code nutjar diff} against routing, on every key set of the conformance data: each pool gains a
 * server, and separately loses its first one. For every key, {@code diff --keys} says what the two
 * configurations' routing says; every key that moves moves between two servers the exact summary
 * lists with a share. (The share of these keys that move is not the share of the hash space:
 * the key sets are made of short and binary keys, whose hashes do not spread evenly; KeySpaceDiffTest
 * compares the share with random keys.)
 */
class DiffAgreesWithRoutingTest {
    @TestFactory
    Stream<DynamicTest> diffAgreesWithRoutingOnEveryConformanceKey() {
        return PlacementVectors.files().stream().flatMap(file -> Stream.of(
                DynamicTest.dynamicTest(file.getFileName() + " + a server", () -> check(file, true)),
                DynamicTest.dynamicTest(file.getFileName() + " - a server", () -> check(file, false))));
    }

    private static void check(java.nio.file.Path file, boolean add) throws Exception {
        PlacementVectors vectors = PlacementVectors.load(file);
        NutjarConfig before = ConfigLoader.withInstalledProviders().parse(vectors.nutcrackerConfig(), "before");
        PoolConfig pool = before.pool(vectors.poolId()).orElseThrow();
        List<ServerSpec> servers = new ArrayList<>(pool.servers());
        if (add) {
            boolean named = servers.get(0).nodeName() != null;
            servers.add(ServerSpec.parse("127.0.0.1:29999:1" + (named ? " added-server" : "")));
        } else if (servers.size() > 1) {
            servers.remove(0);
        } else {
            return;
        }
        PoolConfig changed = new PoolConfig(pool.name(), pool.listen(), pool.clientConnections(), pool.hash(),
                pool.hashTag(), pool.distribution(), pool.timeoutMillis(), pool.backlog(), pool.tcpKeepalive(),
                pool.preconnect(), pool.redis(), pool.redisAuth(), pool.redisDb(), pool.serverConnections(),
                pool.autoEjectHosts(), pool.serverRetryTimeoutMillis(), pool.serverFailureLimit(), servers);
        NutjarConfig after = NutjarConfig.of("after", List.of(changed));

        ServerPool a = pool.routing(HashFunctions.registry(), Distributions.registry()).build();
        ServerPool b = changed.routing(HashFunctions.registry(), Distributions.registry()).build();
        KeySpaceDiff exact = ConfigDiff.between(before, after, HashFunctions.registry(), Distributions.registry())
                .pool(pool.name()).orElseThrow().keys();
        assertThat(exact.exact()).isTrue();
        Set<String> listedPairs = new HashSet<>(exact.movesByName().keySet());

        StringBuilder keys = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (PlacementVectors.Row row : vectors.rows()) {
            String key = new String(row.key(), StandardCharsets.UTF_8);
            if (key.contains("\n") || key.contains("\r") || !java.util.Arrays.equals(
                    key.getBytes(StandardCharsets.UTF_8), row.key())) {
                continue; // keys on stdin are text lines
            }
            ServerSpec x = a.server(a.route(row.key()));
            ServerSpec y = b.server(b.route(row.key()));
            boolean moves = !KeySpaceDiff.sameServer(x, y);
            if (moves) {
                assertThat(listedPairs).as("key %s moves %s → %s", key, x.name(), y.name())
                        .contains(x.name() + " → " + y.name());
            }
            keys.append(key).append('\n');
            expected.add(key + "\t" + x.name() + "\t" + y.name() + "\t" + (moves ? "moves" : "stays"));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, NutjarConfig> files = Map.of("before.yml", before, "after.yml", after);
        int status = new DiffCommand(files::get).run(List.of("before.yml", "after.yml", pool.name(), "--keys"),
                new ByteArrayInputStream(keys.toString().getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as("stderr: %s", err).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines().toList()).isEqualTo(expected);
    }
}
