package dev.nutjar.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctions;
import dev.nutjar.routing.testing.PlacementVectors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every key of every placement file in {@code conformance/placement} must land on the server
 * the real nutcracker 0.5 chose, through both the array and the (direct) buffer path.
 */
class PlacementConformanceTest {

    private static final int MISMATCHES_SHOWN = 5;

    @Test
    void vectorsArePresent() {
        assertThat(PlacementVectors.files()).hasSizeGreaterThanOrEqualTo(38);
    }

    @TestFactory
    Stream<DynamicTest> everyKeyLandsWhereNutcrackerPutIt() {
        return PlacementVectors.files().stream()
                .map(file -> DynamicTest.dynamicTest(stem(file), () -> check(PlacementVectors.load(file))));
    }

    private static void check(PlacementVectors vectors) {
        assertThat(vectors.poolId()).isEqualTo(stem(vectors.file()));
        ServerPool pool = pool(vectors);

        List<String> mismatches = new ArrayList<>();
        int mismatchCount = 0;
        for (PlacementVectors.Row row : vectors.rows()) {
            int chosen = routeAtOffset(pool, row.key());
            int expected = pool.serverIndex(row.serverIndex());
            if (chosen != expected) {
                if (mismatchCount++ < MISMATCHES_SHOWN) {
                    mismatches.add("key " + PlacementVectors.bytesToHex(row.key()) + " (hash "
                            + Long.toHexString(pool.hash(row.key())) + "): expected " + row.serverId()
                            + ", chose " + describe(pool, chosen));
                }
            }
        }
        if (mismatchCount > 0) {
            fail("%s: %d of %d keys on the wrong server; first:%n  %s", vectors.poolId(), mismatchCount,
                    vectors.rows().size(), String.join("\n  ", mismatches));
        }
    }

    private static ServerPool pool(PlacementVectors vectors) {
        List<ServerSpec> servers = vectors.serverEntries().stream().map(ServerSpec::parse).toList();
        for (int i = 0; i < servers.size(); i++) {
            assertThat(servers.get(i).id()).as("id of %s", servers.get(i)).isNotEmpty();
        }
        ServerPool.Builder builder = ServerPool.builder(vectors.poolId())
                .servers(servers)
                .hashFunction(HashFunctions.get(vectors.hash()))
                .distribution(Distributions.get(vectors.distribution()));
        if (vectors.hashTag() != null) {
            builder.hashTag(HashTag.of(vectors.hashTag()));
        }
        ServerPool pool = builder.build();
        for (int s = 0; s < pool.servers().size(); s++) {
            assertThat(vectors.serverEntries().get(pool.configIndex(s))).isEqualTo(pool.server(s).entry());
        }
        return pool;
    }

    /** Routes a copy of the key placed inside a larger array, to prove offset and length are honoured. */
    private static int routeAtOffset(ServerPool pool, byte[] key) {
        byte[] padded = new byte[key.length + 6];
        java.util.Arrays.fill(padded, (byte) '{');
        System.arraycopy(key, 0, padded, 3, key.length);
        return pool.route(padded, 3, key.length);
    }

    private static String describe(ServerPool pool, int server) {
        return server == ServerPool.NO_SERVER ? "none" : pool.server(server).id();
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - ".tsv".length());
    }
}
