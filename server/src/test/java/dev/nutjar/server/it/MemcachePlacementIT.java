package dev.nutjar.server.it;

import static dev.nutjar.server.it.MemcacheWire.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.hash.HashFunctions;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.testing.PlacementVectors;
import dev.nutjar.server.config.ConfigLoader;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.proxy.Proxy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Placement end to end: every key of the memcache placement vectors (made by the real nutcracker)
 * is SET through Nutjar in front of three real memcached, then each memcached is read directly; each
 * key must be on the server nutcracker put it on.
 *
 * <p>The vectors' backends (127.0.0.1:280xx) are replaced by this test's memcached, in the same
 * order. Unnamed servers are named by their host:port text and the ketama ring is built from those
 * names, so each server is given an explicit name equal to the vector's original text
 * ({@code 127.0.0.1:<port>:1 127.0.0.1:28031}): the ring stays the one nutcracker built.
 */
@ExtendWith(NoLeaks.class)
class MemcachePlacementIT {

    private static final String VECTORS = "memcache_ketama_fnv1a_64.tsv";

    @Test
    void everyKeyLandsOnTheServerNutcrackerChose() throws Exception {
        PlacementVectors vectors = PlacementVectors.load(PlacementVectors.directory().resolve(VECTORS));
        List<String> entries = vectors.serverEntries();
        List<PlacementVectors.Row> rows = vectors.rows();
        assertThat(entries).hasSize(3);
        assertThat(rows).hasSizeGreaterThan(2000);

        List<BackendProcess> memcached = new ArrayList<>();
        Proxy proxy = null;
        try {
            for (int i = 0; i < entries.size(); i++) {
                memcached.add(BackendProcess.memcached());
            }
            int listen = BackendProcess.freePort();
            String yaml = rewrite(vectors.nutcrackerConfig(), entries, memcached, listen);
            proxy = MemcacheCluster.startNutjar(yaml, 1);

            // The proxy's ring is the one the original configuration makes, key for key.
            ServerPool original = originalPool(vectors.nutcrackerConfig());
            ServerPool running = proxy.routing().get(0);
            int ringMismatches = 0;
            for (PlacementVectors.Row row : rows) {
                if (running.configIndex(running.route(row.key())) != original.configIndex(original.route(row.key()))
                        || original.configIndex(original.route(row.key())) != row.serverIndex()) {
                    ringMismatches++;
                }
            }
            assertThat(ringMismatches).as("keys the proxy's ring places differently from the vectors").isZero();

            setAll(listen, rows);
            Map<String, Integer> holder = new HashMap<>();
            List<String> twice = new ArrayList<>();
            for (int s = 0; s < memcached.size(); s++) {
                for (String key : heldBy(memcached.get(s), rows)) {
                    if (holder.put(key, s) != null) {
                        twice.add(key);
                    }
                }
            }
            assertThat(twice).as("keys found on two servers").isEmpty();

            List<String> mismatches = new ArrayList<>();
            int missing = 0;
            for (PlacementVectors.Row row : rows) {
                String key = MemcacheWire.text(row.key());
                Integer found = holder.get(key);
                if (found == null) {
                    missing++;
                } else if (found != row.serverIndex()) {
                    mismatches.add(PlacementVectors.bytesToHex(row.key()) + " on " + found + ", expected "
                            + row.serverIndex() + " (" + row.serverId() + ")");
                }
            }
            assertThat(missing).as("keys SET through the proxy but found on no server").isZero();
            assertThat(mismatches.subList(0, Math.min(20, mismatches.size())))
                    .as("%d of %d keys on the wrong server; the first ones", mismatches.size(), rows.size()).isEmpty();
            assertThat(holder).hasSize(rows.size());
        } finally {
            if (proxy != null) {
                proxy.close();
            }
            memcached.forEach(BackendProcess::close);
        }
    }

    /** The vectors' pool with this test's listen port and backends, each named as in the vectors. */
    static String rewrite(String config, List<String> entries, List<BackendProcess> memcached, int listen) {
        String yaml = config.replaceFirst("(?m)^(\\s*listen:\\s*)\\S+$", "$1127.0.0.1:" + listen);
        assertThat(yaml).isNotEqualTo(config);
        for (int i = 0; i < entries.size(); i++) {
            String entry = entries.get(i); // e.g. 127.0.0.1:28031:1
            int weightColon = entry.lastIndexOf(':');
            assertThat(entry).as("an unnamed host:port:weight entry").doesNotContain(" ");
            String name = entry.substring(0, weightColon);
            String weight = entry.substring(weightColon + 1);
            String line = "- " + entry + "\n";
            assertThat(yaml).as("the servers line of %s", entry).containsOnlyOnce(line);
            yaml = yaml.replace(line, "- " + memcached.get(i).address() + ":" + weight + " " + name + "\n");
        }
        return yaml;
    }

    private static ServerPool originalPool(String config) throws Exception {
        NutjarConfig parsed = ConfigLoader.withInstalledProviders().parse(config, VECTORS);
        return parsed.poolsInFileOrder().get(0).routing(HashFunctions.registry(), Distributions.registry()).build();
    }

    /** SETs every key through the proxy, pipelined, and checks each is STORED. */
    private static void setAll(int port, List<PlacementVectors.Row> rows) throws IOException {
        try (MemcacheWire client = new MemcacheWire(port)) {
            int batch = 500;
            for (int from = 0; from < rows.size(); from += batch) {
                int to = Math.min(rows.size(), from + batch);
                ByteArrayOutputStream requests = new ByteArrayOutputStream();
                for (int i = from; i < to; i++) {
                    requests.writeBytes(ascii("set "));
                    requests.writeBytes(rows.get(i).key());
                    requests.writeBytes(ascii(" 0 0 " + Integer.toString(i).length() + "\r\n" + i + "\r\n"));
                }
                client.send(requests.toByteArray()).expect("STORED\r\n".repeat(to - from));
            }
            client.assertInStep();
        }
    }

    /** The keys of {@code rows} that {@code server} holds, asked directly in multi-gets of 100 keys. */
    private static List<String> heldBy(BackendProcess server, List<PlacementVectors.Row> rows) throws IOException {
        List<String> held = new ArrayList<>();
        try (MemcacheWire direct = new MemcacheWire(server.port())) {
            for (int from = 0; from < rows.size(); from += 100) {
                ByteArrayOutputStream get = new ByteArrayOutputStream();
                get.writeBytes(ascii("get"));
                for (int i = from; i < Math.min(rows.size(), from + 100); i++) {
                    get.writeBytes(ascii(" "));
                    get.writeBytes(rows.get(i).key());
                }
                get.writeBytes(ascii("\r\n"));
                direct.send(get.toByteArray());
                for (MemcacheWire.Block block : direct.blocks()) {
                    held.add(block.key());
                }
            }
        }
        return held;
    }
}
