package dev.nutjar.routing.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PlacementVectorsTest {

    @Test
    void readsTheHeaderFieldsRoutingNeeds() {
        PlacementVectors vectors = load("defaults_3s");
        assertThat(vectors.poolId()).isEqualTo("defaults_3s");
        assertThat(vectors.hash()).isEqualTo("fnv1a_64"); // comment after the value dropped
        assertThat(vectors.distribution()).isEqualTo("ketama");
        assertThat(vectors.hashTag()).isNull();
        assertThat(vectors.serverEntries())
                .containsExactly("127.0.0.1:28007:1", "127.0.0.1:28008:1", "127.0.0.1:28009:1");
        assertThat(vectors.rows()).hasSize(3006);
        PlacementVectors.Row empty = vectors.rows().get(0);
        assertThat(empty.key()).isEmpty();
        assertThat(empty.serverIndex()).isEqualTo(2);
        assertThat(empty.serverId()).isEqualTo("127.0.0.1:28009");
        assertThat(vectors.headerYaml()).startsWith("# twemproxy").contains("\nnutcracker_config: |\n");
    }

    @Test
    void extractsTheNutcrackerConfigBlock() {
        assertThat(load("defaults_3s").nutcrackerConfig()).isEqualTo("""
                defaults_3s:
                  listen: 127.0.0.1:28140
                  redis: true
                  auto_eject_hosts: false
                  timeout: 5000
                  servers:
                   - 127.0.0.1:28007:1
                   - 127.0.0.1:28008:1
                   - 127.0.0.1:28009:1
                """);
    }

    @Test
    void readsQuotedHashTagsAndNamedEntries() {
        assertThat(load("tag_dollar_ketama_murmur").hashTag()).isEqualTo("$$");
        assertThat(load("tag_braces_modula_crc32a").hashTag()).isEqualTo("{}");
        assertThat(load("names_modula_fnv1a_64").serverEntries()).containsExactly(
                "127.0.0.1:28001:1 alpha", "127.0.0.1:28002:1 beta", "127.0.0.1:28003:1 gamma");
    }

    @Test
    void hexRoundTrips() {
        byte[] bytes = {0, 1, (byte) 0x7f, (byte) 0x80, (byte) 0xff};
        assertThat(PlacementVectors.bytesToHex(bytes)).isEqualTo("00017f80ff");
        assertThat(PlacementVectors.hexToBytes("00017f80ff")).containsExactly(bytes);
        assertThat(PlacementVectors.hexToBytes("")).isEmpty();
    }

    private static PlacementVectors load(String poolId) {
        Path file = PlacementVectors.directory().resolve(poolId + ".tsv");
        return PlacementVectors.load(file);
    }
}
