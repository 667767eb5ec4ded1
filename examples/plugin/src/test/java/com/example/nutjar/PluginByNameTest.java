package com.example.nutjar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.hash.HashFunctions;
import dev.nutjar.routing.Distributions;
import dev.nutjar.cli.Main;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On the class path, the plugin is found by ServiceLoader and used by name from a YAML file. */
class PluginByNameTest {
    private static final String CONFIG = """
            shards:
              listen: 127.0.0.1:22121
              redis: true
              hash: djb2
              distribution: jump
              servers:
               - 10.0.0.1:6379:1 a
               - 10.0.0.2:6379:1 b
               - 10.0.0.3:6379:1 c
               - 10.0.0.4:6379:1 d
            """;

    @TempDir
    Path dir;

    @Test
    void theRegistriesFindThePlugin() {
        assertThat(HashFunctions.get("djb2")).isInstanceOf(Djb2Hash.class);
        assertThat(Distributions.get("jump")).isInstanceOf(JumpDistribution.class);
        assertThat(HashFunctions.registry().names()).contains("djb2", "fnv1a_64");
    }

    @Test
    void nutjarLocateRoutesWithThePlugin() throws Exception {
        Path conf = dir.resolve("nutjar.yml");
        Files.writeString(conf, CONFIG);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> keys = List.of("user:1", "user:2", "cart:9", "session:abc", "x");

        int status = Main.run(new String[] {"locate", "-c", conf.toString(), "shards"},
                new ByteArrayInputStream(String.join("\n", keys).getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        List<String> names = List.of("a", "b", "c", "d");
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            long hash = new Djb2Hash().hash(keys.get(i).getBytes(StandardCharsets.UTF_8));
            String expected = names.get(JumpDistribution.jump(hash, 4));
            assertThat(lines.get(i).split("\t")).startsWith(keys.get(i), expected);
        }
    }

    @Test
    void jumpMovesFewKeysWhenAServerIsAdded() {
        int moved = 0;
        for (long key = 0; key < 10_000; key++) {
            if (JumpDistribution.jump(key * 0x9E3779B97F4A7C15L, 10) != JumpDistribution.jump(key * 0x9E3779B97F4A7C15L, 11)) {
                moved++;
            }
        }
        // Ideal is 1/11 of the keys.
        assertThat(moved).isBetween(700, 1200);
    }
}
