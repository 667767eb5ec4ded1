package dev.nutjar.server.it;

import static dev.nutjar.server.it.MemcacheWire.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Debian's nutcracker and Nutjar side by side, the same configuration, in front of the same three
 * memcached: what one writes the other reads (so both put every key on the same server), and the
 * same conversation gets the same bytes from both.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(NoLeaks.class)
class MemcacheNutcrackerSideBySideIT {

    private static final String[] DIRECTIVES = {"hash: fnv1a_64", "distribution: ketama", "timeout: 5000"};

    private MemcacheCluster cluster;
    private BackendProcess nutcracker;
    private Path config;

    @BeforeAll
    void start() throws IOException {
        cluster = MemcacheCluster.start(3, DIRECTIVES);
        int port = BackendProcess.freePort();
        config = Files.createTempFile("nutjar-it-nutcracker-", ".yml");
        // The very same pool; only the listen port differs.
        String yaml = cluster.yaml(port, DIRECTIVES);
        assertThat(yaml.replace(":" + port + "\n", ":" + cluster.port() + "\n")).isEqualTo(cluster.yaml(DIRECTIVES));
        Files.writeString(config, yaml);
        nutcracker = BackendProcess.nutcracker(config, port);
    }

    @AfterAll
    void stop() throws IOException {
        if (nutcracker != null) {
            nutcracker.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (config != null) {
            Files.deleteIfExists(config);
        }
    }

    @BeforeEach
    void emptyServers() throws IOException {
        cluster.flushAll();
    }

    /** 3,000 keys of many shapes: short, long (up to 250 bytes), UTF-8, punctuation. */
    private static List<byte[]> keys(String prefix) {
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String key = switch (i % 5) {
                case 0 -> prefix + i;
                case 1 -> i + ":" + prefix;
                case 2 -> prefix + "/ключ/" + i + "/キー";
                case 3 -> (prefix + i + "-").repeat(250).substring(0, 100 + i % 151);
                default -> "{" + prefix + "}." + Integer.toHexString(i * 31) + "!$%&";
            };
            keys.add(key.getBytes(StandardCharsets.UTF_8));
        }
        return keys;
    }

    private static byte[] valueOf(byte[] key, int i) {
        return ascii("value " + i + " of " + key.length + " bytes" + " ".repeat(i % 17));
    }

    @Test
    void whatOneWritesTheOtherReads() throws IOException {
        List<byte[]> viaNutcracker = keys("nc");
        List<byte[]> viaNutjar = keys("nj");
        try (MemcacheWire nc = new MemcacheWire(nutcracker.port()); MemcacheWire nj = cluster.client()) {
            setAll(nc, viaNutcracker);
            setAll(nj, viaNutjar);
            for (List<byte[]> keys : List.of(viaNutcracker, viaNutjar)) {
                for (int from = 0; from < keys.size(); from += 100) {
                    List<byte[]> batch = keys.subList(from, Math.min(keys.size(), from + 100));
                    byte[] get = get(batch);
                    byte[] expected = expectedValues(batch, from);
                    // Every key is there, so both merge the blocks in key order: the same bytes.
                    nj.send(get).expect(expected);
                    nc.send(get).expect(expected);
                }
                // One key at a time too, through each.
                for (int i = 0; i < keys.size(); i += 7) {
                    byte[] single = get(List.of(keys.get(i)));
                    byte[] expected = expectedValues(List.of(keys.get(i)), i);
                    nj.send(single).expect(expected);
                    nc.send(single).expect(expected);
                }
            }
            // Deleted through one, gone through the other; incremented through both in turn.
            for (int i = 0; i < 300; i++) {
                MemcacheWire deleter = i % 2 == 0 ? nc : nj;
                MemcacheWire reader = i % 2 == 0 ? nj : nc;
                deleter.send(MemcacheWire.concat(ascii("delete "), viaNutjar.get(i), ascii("\r\n"))).expect("DELETED\r\n");
                reader.send(get(List.of(viaNutjar.get(i)))).expect("END\r\n");
            }
            nj.send("set counter 0 0 1\r\n0\r\n").expect("STORED\r\n");
            for (int i = 1; i <= 50; i++) {
                (i % 2 == 0 ? nc : nj).send("incr counter 1\r\n").expect(i + "\r\n");
            }
        }
    }

    /**
     * A conversation of good requests, noreply ones among them: nutcracker and Nutjar answer with
     * the same bytes (after the servers are emptied between the two).
     */
    @Test
    void theSameConversationGetsTheSameBytes() throws IOException {
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            String k = "conv:" + i;
            script.append("set ").append(k).append(' ').append(i).append(" 0 3\r\nabc\r\n")
                    .append("add ").append(k).append(" 0 0 1\r\nx\r\n")
                    .append("append ").append(k).append(" 0 0 2 noreply\r\n+a\r\n")
                    .append("prepend ").append(k).append(" 0 0 2\r\np+\r\n")
                    .append("replace ").append(k).append("-none 0 0 1\r\nr\r\n")
                    .append("get ").append(k).append(' ').append(k).append(" conv:").append((i + 1) % 40).append("\r\n")
                    .append("touch ").append(k).append(" 3600\r\n")
                    .append("touch ").append(k).append("-none 3600 noreply\r\n")
                    .append("set n").append(k).append(" 0 0 2\r\n10\r\n")
                    .append("incr n").append(k).append(" 5\r\n")
                    .append("decr n").append(k).append(" 3 noreply\r\n")
                    .append("decr n").append(k).append(" 100\r\n")
                    .append("incr none").append(k).append(" 1\r\n")
                    .append("delete ").append(k).append("-none\r\n")
                    .append("set e").append(k).append(" 0 0 0\r\n\r\n")
                    .append("get e").append(k).append("\r\n")
                    .append("version\r\n");
            if (i % 4 == 3) {
                script.append("delete ").append(k).append(" noreply\r\n");
            }
        }
        script.append("get");
        for (int i = 0; i < 40; i++) {
            if (i % 4 != 3) {
                script.append(" conv:").append(i).append(" nconv:").append(i);
            }
        }
        script.append("\r\nget none:1 none:2 none:3\r\n");
        byte[] request = ascii(script.toString());

        byte[] fromNutcracker;
        try (MemcacheWire nc = new MemcacheWire(nutcracker.port())) {
            nc.send(request);
            fromNutcracker = readUntilLastEnd(nc, countLines(script.toString()));
        }
        cluster.flushAll();
        try (MemcacheWire nj = cluster.client()) {
            nj.send(request).expect(fromNutcracker);
            nj.assertInStep();
        }
        assertThat(MemcacheWire.text(fromNutcracker)).contains("VALUE conv:0 0 7\r\np+abc+a\r\n").endsWith("END\r\nEND\r\n");
    }

    /**
     * Where the two differ on purpose: nutcracker takes each key's next VALUE block from that key's
     * server whatever key it is for, so a miss shifts the blocks after it (twemproxy.md §7.2);
     * Nutjar matches blocks to keys, so they come in the order of the keys.
     */
    @Test
    void aMissInAMultiGetReordersNutcrackersBlocksNotNutjars() throws IOException {
        String missing = null;
        String sameServer = null;
        String otherServer = null;
        for (int i = 0; missing == null || sameServer == null || otherServer == null; i++) {
            String key = "order:" + i;
            if (missing == null) {
                missing = key;
            } else if (sameServer == null && cluster.serverOf(key) == cluster.serverOf(missing)) {
                sameServer = key;
            } else if (otherServer == null && cluster.serverOf(key) != cluster.serverOf(missing)) {
                otherServer = key;
            }
        }
        try (MemcacheWire nj = cluster.client(); MemcacheWire nc = new MemcacheWire(nutcracker.port())) {
            nj.send("set " + sameServer + " 0 0 4\r\nsame\r\nset " + otherServer + " 0 0 5\r\nother\r\n")
                    .expect("STORED\r\nSTORED\r\n");
            String get = "get " + missing + " " + otherServer + " " + sameServer + "\r\n";
            String same = "VALUE " + sameServer + " 0 4\r\nsame\r\n";
            String other = "VALUE " + otherServer + " 0 5\r\nother\r\n";
            nj.send(get).expect(other + same + "END\r\n");
            nc.send(get).expect(same + other + "END\r\n");
        }
    }

    private static void setAll(MemcacheWire client, List<byte[]> keys) throws IOException {
        for (int from = 0; from < keys.size(); from += 500) {
            ByteArrayOutputStream sets = new ByteArrayOutputStream();
            int to = Math.min(keys.size(), from + 500);
            for (int i = from; i < to; i++) {
                byte[] value = valueOf(keys.get(i), i);
                sets.writeBytes(ascii("set "));
                sets.writeBytes(keys.get(i));
                sets.writeBytes(ascii(" " + i + " 0 " + value.length + "\r\n"));
                sets.writeBytes(value);
                sets.writeBytes(ascii("\r\n"));
            }
            client.send(sets.toByteArray()).expect("STORED\r\n".repeat(to - from));
        }
    }

    private static byte[] get(List<byte[]> keys) {
        ByteArrayOutputStream get = new ByteArrayOutputStream();
        get.writeBytes(ascii("get"));
        for (byte[] key : keys) {
            get.writeBytes(ascii(" "));
            get.writeBytes(key);
        }
        get.writeBytes(ascii("\r\n"));
        return get.toByteArray();
    }

    /** The reply to a get of {@code keys}, the first being key number {@code first}. */
    private static byte[] expectedValues(List<byte[]> keys, int first) {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        for (int i = 0; i < keys.size(); i++) {
            byte[] value = valueOf(keys.get(i), first + i);
            reply.writeBytes(ascii("VALUE "));
            reply.writeBytes(keys.get(i));
            reply.writeBytes(ascii(" " + (first + i) + " " + value.length + "\r\n"));
            reply.writeBytes(value);
            reply.writeBytes(ascii("\r\n"));
        }
        reply.writeBytes(ascii("END\r\n"));
        return reply.toByteArray();
    }

    /** The number of requests in the script that get a reply: lines without noreply that are commands. */
    private static int countLines(String script) {
        int replies = 0;
        for (String line : script.split("\r\n")) {
            if (line.matches("(get|set|add|append|prepend|replace|touch|incr|decr|delete|version)( .*)?")
                    && !line.endsWith(" noreply")) {
                replies++;
            }
        }
        return replies;
    }

    /** Reads {@code replies} whole replies (a get's up to its END), raw. */
    private static byte[] readUntilLastEnd(MemcacheWire client, int replies) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int r = 0; r < replies; r++) {
            String line = client.line();
            all.writeBytes(ascii(line + "\r\n"));
            while (line.startsWith("VALUE ")) {
                all.writeBytes(client.read(Integer.parseInt(line.split(" ")[3]) + 2));
                line = client.line();
                all.writeBytes(ascii(line + "\r\n"));
            }
        }
        return all.toByteArray();
    }
}
