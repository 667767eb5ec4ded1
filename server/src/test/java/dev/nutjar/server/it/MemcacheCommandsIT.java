package dev.nutjar.server.it;

import static dev.nutjar.server.it.MemcacheWire.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import net.rubyeye.xmemcached.GetsResponse;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.utils.AddrUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every memcached command through Nutjar in front of three real memcached: exact bytes over raw
 * sockets (with and without noreply, one at a time and pipelined), a real client (xmemcached),
 * multi-gets across servers, empty and 1 MB values, and cas races.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(NoLeaks.class)
class MemcacheCommandsIT {

    private MemcacheCluster cluster;
    private String version;

    @BeforeAll
    void start() throws IOException {
        cluster = MemcacheCluster.start(3, "hash: fnv1a_64", "distribution: ketama", "timeout: 5000");
        try (MemcacheWire direct = cluster.direct(0)) {
            version = direct.call("version\r\n");
        }
        assertThat(version).startsWith("VERSION ");
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void emptyServers() throws IOException {
        cluster.flushAll();
    }

    /** The first key {@code prefix<n>} that routes to {@code server}. */
    private String keyOn(int server, String prefix) {
        return keysOn(server, prefix, 1).get(0);
    }

    private List<String> keysOn(int server, String prefix, int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            String key = prefix + i;
            if (cluster.serverOf(key) == server) {
                keys.add(key);
            }
            assertThat(i).as("no key routes to server %d", server).isLessThan(100_000);
        }
        return keys;
    }

    /** Which memcached holds {@code key}, read directly; fails unless exactly one does. */
    private int holderOf(String key) throws IOException {
        int holder = -1;
        for (int s = 0; s < cluster.servers().size(); s++) {
            try (MemcacheWire direct = cluster.direct(s)) {
                direct.send("get " + key + "\r\n");
                if (!direct.blocks().isEmpty()) {
                    assertThat(holder).as("key %s is on servers %d and %d", key, holder, s).isEqualTo(-1);
                    holder = s;
                }
            }
        }
        assertThat(holder).as("no server holds %s", key).isGreaterThanOrEqualTo(0);
        return holder;
    }

    private static long casOf(MemcacheWire client, String key) throws IOException {
        client.send("gets " + key + "\r\n");
        List<MemcacheWire.Block> blocks = client.blocks();
        assertThat(blocks).hasSize(1);
        assertThat(blocks.get(0).cas()).isPositive();
        return blocks.get(0).cas();
    }

    @Test
    void everyCommandOneAtATimeWithMemcachedsExactReplies() throws IOException {
        for (int server = 0; server < 3; server++) {
            String k = keyOn(server, "cmd:");
            String missing = keyOn(server, "cmd-missing:");
            try (MemcacheWire c = cluster.client()) {
                c.send("set " + k + " 5 0 3\r\nabc\r\n").expect("STORED\r\n");
                assertThat(holderOf(k)).isEqualTo(server);
                c.send("get " + k + "\r\n").expect("VALUE " + k + " 5 3\r\nabc\r\nEND\r\n");
                c.send("add " + k + " 0 0 1\r\nx\r\n").expect("NOT_STORED\r\n");
                c.send("replace " + k + " 7 0 3\r\nxyz\r\n").expect("STORED\r\n");
                c.send("append " + k + " 0 0 2\r\n12\r\n").expect("STORED\r\n");
                c.send("prepend " + k + " 0 0 2\r\n00\r\n").expect("STORED\r\n");
                c.send("get " + k + "\r\n").expect("VALUE " + k + " 7 7\r\n00xyz12\r\nEND\r\n");

                c.send("gets " + k + "\r\n");
                String valueLine = c.line();
                assertThat(valueLine).matches("VALUE " + k + " 7 7 [1-9][0-9]*");
                c.expect("00xyz12\r\nEND\r\n");
                long cas = Long.parseLong(valueLine.substring(valueLine.lastIndexOf(' ') + 1));
                c.send("cas " + k + " 1 0 2 " + cas + "\r\nc1\r\n").expect("STORED\r\n");
                c.send("cas " + k + " 1 0 2 " + cas + "\r\nc2\r\n").expect("EXISTS\r\n");
                c.send("get " + k + "\r\n").expect("VALUE " + k + " 1 2\r\nc1\r\nEND\r\n");

                c.send("touch " + k + " 3600\r\n").expect("TOUCHED\r\n");
                c.send("delete " + k + "\r\n").expect("DELETED\r\n");
                c.send("delete " + k + "\r\n").expect("NOT_FOUND\r\n");
                c.send("get " + k + "\r\n").expect("END\r\n");
                c.send("cas " + k + " 0 0 1 1\r\nz\r\n").expect("NOT_FOUND\r\n");
                c.send("touch " + k + " 10\r\n").expect("NOT_FOUND\r\n");

                c.send("add " + k + " 0 0 2\r\n10\r\n").expect("STORED\r\n");
                c.send("incr " + k + " 5\r\n").expect("15\r\n");
                c.send("decr " + k + " 20\r\n").expect("0\r\n");
                c.send("incr " + k + " 18446744073709551615\r\n").expect("18446744073709551615\r\n");
                c.send("incr " + k + " 1\r\n").expect("0\r\n");
                c.send("set " + k + " 0 0 3\r\nabc\r\n").expect("STORED\r\n");
                c.send("incr " + k + " 1\r\n").expect("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");

                c.send("incr " + missing + " 1\r\n").expect("NOT_FOUND\r\n");
                c.send("decr " + missing + " 1\r\n").expect("NOT_FOUND\r\n");
                c.send("replace " + missing + " 0 0 1\r\nx\r\n").expect("NOT_STORED\r\n");
                c.send("append " + missing + " 0 0 1\r\nx\r\n").expect("NOT_STORED\r\n");
                c.send("prepend " + missing + " 0 0 1\r\nx\r\n").expect("NOT_STORED\r\n");
                c.send("get " + missing + "\r\n").expect("END\r\n");
                c.send("gets " + missing + "\r\n").expect("END\r\n");

                c.send("version\r\n").expect(version + "\r\n");
                c.send("delete " + k + " 0\r\n").expect("DELETED\r\n"); // memcached still takes the legacy form
                c.assertInStep();
            }
        }
    }

    /** The same conversation, but every request in one write: replies come back in order. */
    @Test
    void everyCommandPipelinedInOneWrite() throws IOException {
        StringBuilder requests = new StringBuilder();
        StringBuilder replies = new StringBuilder();
        for (int server = 0; server < 3; server++) {
            String k = keyOn(server, "pipe:");
            String missing = keyOn(server, "pipe-missing:");
            String[][] script = {
                {"set " + k + " 5 0 3\r\nabc\r\n", "STORED\r\n"},
                {"get " + k + "\r\n", "VALUE " + k + " 5 3\r\nabc\r\nEND\r\n"},
                {"add " + k + " 0 0 1\r\nx\r\n", "NOT_STORED\r\n"},
                {"replace " + k + " 7 0 3\r\nxyz\r\n", "STORED\r\n"},
                {"append " + k + " 0 0 2\r\n12\r\n", "STORED\r\n"},
                {"prepend " + k + " 0 0 2\r\n00\r\n", "STORED\r\n"},
                {"get " + k + " " + missing + " " + k + "\r\n",
                    "VALUE " + k + " 7 7\r\n00xyz12\r\nVALUE " + k + " 7 7\r\n00xyz12\r\nEND\r\n"},
                {"cas " + missing + " 0 0 1 99\r\nz\r\n", "NOT_FOUND\r\n"},
                {"touch " + k + " 3600\r\n", "TOUCHED\r\n"},
                {"touch " + missing + " 3600\r\n", "NOT_FOUND\r\n"},
                {"delete " + k + "\r\n", "DELETED\r\n"},
                {"delete " + k + "\r\n", "NOT_FOUND\r\n"},
                {"add " + k + " 0 0 2\r\n10\r\n", "STORED\r\n"},
                {"incr " + k + " 5\r\n", "15\r\n"},
                {"decr " + k + " 20\r\n", "0\r\n"},
                {"incr " + missing + " 1\r\n", "NOT_FOUND\r\n"},
                {"version\r\n", version + "\r\n"},
            };
            for (String[] step : script) {
                requests.append(step[0]);
                replies.append(step[1]);
            }
        }
        try (MemcacheWire c = cluster.client()) {
            c.send(requests.toString()).expect(replies.toString());
            c.assertInStep();
        }
        cluster.flushAll();
        try (MemcacheWire c = cluster.client()) {
            // The same bytes dribbled in three at a time: the proxy reassembles every request.
            c.sendInPieces(ascii(requests.toString()), 3).expect(replies.toString());
            c.assertInStep();
        }
    }

    /**
     * noreply requests, successful or not, get no reply, and the replies of the requests around them
     * stay in step. memcached itself, asked the same thing directly, gives the same bytes.
     */
    @Test
    void noreplyInAPipelineGetsNoReplyAndKeepsTheOthersInStep() throws IOException {
        String a = keyOn(0, "nr-a:");
        String b = keyOn(1, "nr-b:");
        String c = keyOn(2, "nr-c:");
        String[][] script = {
            {"set " + a + " 0 0 1 noreply\r\n1\r\n", ""},
            {"get " + a + "\r\n", "VALUE " + a + " 0 1\r\n1\r\nEND\r\n"},
            {"add " + a + " 0 0 1 noreply\r\nX\r\n", ""}, // NOT_STORED, silenced
            {"set " + b + " 0 0 2\r\nbb\r\n", "STORED\r\n"},
            {"append " + b + " 0 0 1 noreply\r\n+\r\n", ""},
            {"prepend " + b + " 0 0 1 noreply\r\n-\r\n", ""},
            {"replace " + c + " 0 0 1 noreply\r\nX\r\n", ""}, // NOT_STORED, silenced
            {"get " + a + " " + b + " " + c + "\r\n", "VALUE " + a + " 0 1\r\n1\r\nVALUE " + b + " 0 4\r\n-bb+\r\nEND\r\n"},
            {"incr " + a + " 10 noreply\r\n", ""},
            {"decr " + a + " 1 noreply\r\n", ""},
            {"incr " + b + " 1 noreply\r\n", ""}, // CLIENT_ERROR non-numeric, silenced
            {"incr " + a + " 5\r\n", "15\r\n"},
            {"touch " + a + " 100 noreply\r\n", ""},
            {"touch " + c + " 100 noreply\r\n", ""}, // NOT_FOUND, silenced
            {"delete " + b + " noreply\r\n", ""},
            {"delete " + c + " noreply\r\n", ""}, // NOT_FOUND, silenced
            {"delete " + c + " 0 noreply\r\n", ""},
            {"add " + c + " 0 0 3 noreply\r\nccc\r\n", ""},
            {"get " + b + "\r\n", "END\r\n"},
            {"cas " + a + " 0 0 1 1 noreply\r\nZ\r\n", ""}, // EXISTS, silenced
            {"cas " + b + " 0 0 1 1 noreply\r\nZ\r\n", ""}, // NOT_FOUND, silenced
            {"set " + a + " abc 0 1 noreply\r\n", ""}, // bad line: its error is silenced too ...
            {"Z\r\n", "ERROR\r\n"}, // ... and its data block is read as a command, as memcached does
            {"set " + b + " 0 0 1 noreply\r\n\r\r\n", ""}, // data holding a CR
            {"get " + a + " " + c + "\r\n", "VALUE " + a + " 0 2\r\n15\r\nVALUE " + c + " 0 3\r\nccc\r\nEND\r\n"},
            {"version\r\n", version + "\r\n"},
            {"get " + b + "\r\n", "VALUE " + b + " 0 1\r\n\r\r\nEND\r\n"},
        };
        StringBuilder requests = new StringBuilder();
        StringBuilder replies = new StringBuilder();
        for (String[] step : script) {
            requests.append(step[0]);
            replies.append(step[1]);
        }
        try (MemcacheWire client = cluster.client()) {
            client.send(requests.toString()).expect(replies.toString());
            client.assertInStep();

            // cas noreply that wins is silent too, and its value is there.
            long cas = casOf(client, c);
            client.send("cas " + c + " 0 0 1 " + cas + " noreply\r\nC\r\nget " + c + "\r\n")
                    .expect("VALUE " + c + " 0 1\r\nC\r\nEND\r\n");
        }
        assertThat(holderOf(a)).isEqualTo(0);
        assertThat(holderOf(b)).isEqualTo(1);
        assertThat(holderOf(c)).isEqualTo(2);

        // The oracle: memcached itself, all three keys on one server, answers the same bytes.
        cluster.flushAll();
        try (MemcacheWire direct = cluster.direct(0)) {
            direct.send(requests.toString()).expect(replies.toString());
            direct.assertInStep();
        }
    }

    @Test
    void multiGetOfAThousandKeysAcrossServersWithMisses() throws IOException {
        int n = 1000;
        // A third of the keys on each server, in an order that mixes them (the ring depends on the
        // servers' random ports, so the keys are chosen by where they go).
        List<String> keys = new ArrayList<>();
        for (int server = 0; server < 3; server++) {
            keys.addAll(keysOn(server, "mget:", n / 3 + 1));
        }
        Collections.shuffle(keys, new Random(42));
        keys.subList(n, keys.size()).clear();
        IntPredicate miss = i -> i % 7 == 3 || (i >= 500 && i < 520);
        StringBuilder sets = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        int[] perServer = new int[3];
        for (int i = 0; i < n; i++) {
            if (miss.test(i)) {
                continue;
            }
            String value = i % 50 == 0 ? "" : "value-" + i + "-" + "x".repeat(i % 13);
            sets.append("set ").append(keys.get(i)).append(' ').append(i).append(" 0 ").append(value.length())
                    .append(" noreply\r\n").append(value).append("\r\n");
            expected.append("VALUE ").append(keys.get(i)).append(' ').append(i).append(' ').append(value.length())
                    .append("\r\n").append(value).append("\r\n");
            perServer[cluster.serverOf(keys.get(i))]++;
        }
        expected.append("END\r\n");
        assertThat(Arrays.stream(perServer).min().orElseThrow()).as("keys on the emptiest server").isGreaterThan(250);
        String get = "get " + String.join(" ", keys) + "\r\n";
        try (MemcacheWire c = cluster.client()) {
            c.send(sets.toString());
            c.send(get).expect(expected.toString());
            // Twice in one write, then byte by byte in pieces: same answer each time.
            c.send(get + get).expect(expected.toString() + expected);
            c.sendInPieces(ascii(get), 97).expect(expected.toString());

            c.send("gets " + String.join(" ", keys) + "\r\n");
            List<MemcacheWire.Block> blocks = c.blocks();
            List<String> hits = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (!miss.test(i)) {
                    hits.add(keys.get(i));
                }
            }
            assertThat(blocks).extracting(MemcacheWire.Block::key).containsExactlyElementsOf(hits);
            assertThat(blocks).allSatisfy(block -> assertThat(block.cas()).isPositive());

            // Duplicates and misses mixed, keys on every server.
            String a = keyOn(0, "dup:");
            String b = keyOn(1, "dup:");
            String d = keyOn(2, "dup:");
            c.send("set " + a + " 0 0 1\r\nA\r\nset " + b + " 0 0 1\r\nB\r\nset " + d + " 0 0 1\r\nD\r\n")
                    .expect("STORED\r\nSTORED\r\nSTORED\r\n");
            c.send("get nope1 " + a + " " + b + " nope2 " + a + " " + d + " nope3 " + b + "\r\n")
                    .expect("VALUE " + a + " 0 1\r\nA\r\nVALUE " + b + " 0 1\r\nB\r\nVALUE " + a + " 0 1\r\nA\r\n"
                            + "VALUE " + d + " 0 1\r\nD\r\nVALUE " + b + " 0 1\r\nB\r\nEND\r\n");
            c.send("get nope1 nope2 nope3 nope4 nope5\r\n").expect("END\r\n");
            c.assertInStep();
        }
    }

    /**
     * An empty value, the largest value memcached stores (found by asking memcached directly), one
     * byte more, and exactly 1 MiB: what memcached answers directly, Nutjar answers too, and the
     * connection stays in step after each refused megabyte.
     */
    @Test
    void emptyAndOneMegabyteValues() throws IOException {
        String key = "big-value";
        try (MemcacheWire c = cluster.client()) {
            c.send("set empty 3 0 0\r\n\r\n").expect("STORED\r\n");
            c.send("get empty\r\n").expect("VALUE empty 3 0\r\n\r\nEND\r\n");
            c.send("get empty " + key + " empty\r\n").expect("VALUE empty 3 0\r\n\r\nVALUE empty 3 0\r\n\r\nEND\r\n");
            c.send("append empty 0 0 0\r\n\r\n").expect("STORED\r\n");
            c.send("set empty 3 0 0 noreply\r\n\r\nget empty\r\n").expect("VALUE empty 3 0\r\n\r\nEND\r\n");
        }

        int server = cluster.serverOf(key);
        int largest = largestStoredDirectly(server, key);
        assertThat(largest).as("memcached -I 1m stores values of nearly 1 MiB").isBetween(1_000_000, 1_048_576 - 1);
        for (int length : new int[] {largest, largest + 1, 1_048_576, 1_048_576 + 1, 2 * 1_048_576}) {
            byte[] value = value(length);
            byte[] set = MemcacheWire.concat(ascii("set " + key + " 9 0 " + length + "\r\n"), value, ascii("\r\n"));
            try (MemcacheWire c = cluster.client()) {
                c.send("delete " + key + " noreply\r\n");
                c.send(set);
                if (length <= largest) {
                    c.expect("STORED\r\n");
                    c.send("get " + key + "\r\n")
                            .expect(MemcacheWire.concat(ascii("VALUE " + key + " 9 " + length + "\r\n"), value,
                                    ascii("\r\nEND\r\n")));
                    c.send("get " + key + " empty\r\n")
                            .expect(MemcacheWire.concat(ascii("VALUE " + key + " 9 " + length + "\r\n"), value,
                                    ascii("\r\nVALUE empty 3 0\r\n\r\nEND\r\n")));
                    assertThat(holderOf(key)).isEqualTo(server);
                } else {
                    c.expect("SERVER_ERROR object too large for cache\r\n");
                    c.send("get " + key + "\r\n").expect("END\r\n");
                }
                // noreply: the refusal is silent, the next reply is in step.
                c.send(MemcacheWire.concat(ascii("set " + key + " 9 0 " + length + " noreply\r\n"), value, ascii("\r\n")));
                c.send("get empty\r\n").expect("VALUE empty 3 0\r\n\r\nEND\r\n");
                c.assertInStep();
            }
        }
    }

    /**
     * 512 KiB values on every server, passed on as they arrive: exact bytes for get and gets, in a
     * pipeline of one write that mixes them with small replies, misses and multi-gets (whose
     * fragments are gathered, not streamed).
     */
    @Test
    void halfMegabyteValuesInAPipelineWithSmallRepliesComeBackExactlyAndInOrder() throws IOException {
        int length = 512 * 1024;
        List<String> big = new ArrayList<>();
        List<String> small = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        List<Long> cas = new ArrayList<>();
        try (MemcacheWire c = cluster.client()) {
            for (int server = 0; server < 3; server++) {
                String key = keyOn(server, "stream-big-");
                byte[] value = value(length);
                value[length / 2] = (byte) server;
                c.send(MemcacheWire.concat(ascii("set " + key + " " + server + " 0 " + length + "\r\n"), value,
                        ascii("\r\n"))).expect("STORED\r\n");
                String other = keyOn(server, "stream-small-");
                c.send("set " + other + " 0 0 1\r\n" + server + "\r\n").expect("STORED\r\n");
                big.add(key);
                small.add(other);
                values.add(value);
                try (MemcacheWire direct = cluster.direct(server)) {
                    cas.add(direct.send("gets " + key + "\r\n").blocks().get(0).cas());
                }
            }
        }
        ByteArrayOutputStream requests = new ByteArrayOutputStream();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int round = 0; round < 4; round++) {
            for (int server = 0; server < 3; server++) {
                int next = (server + 1) % 3;
                String value = "VALUE " + big.get(server) + " " + server + " " + length;
                requests.writeBytes(ascii("get " + big.get(server) + "\r\nget " + small.get(next) + "\r\ngets "
                        + big.get(server) + "\r\nget stream-missing\r\nget " + big.get(next) + " "
                        + big.get(server) + "\r\n"));
                expected.writeBytes(MemcacheWire.concat(ascii(value + "\r\n"), values.get(server), ascii("\r\nEND\r\n"),
                        ascii("VALUE " + small.get(next) + " 0 1\r\n" + next + "\r\nEND\r\n"),
                        ascii(value + " " + cas.get(server) + "\r\n"), values.get(server), ascii("\r\nEND\r\n"),
                        ascii("END\r\n"),
                        ascii("VALUE " + big.get(next) + " " + next + " " + length + "\r\n"), values.get(next),
                        ascii("\r\n" + value + "\r\n"), values.get(server), ascii("\r\nEND\r\n")));
            }
        }
        try (MemcacheWire c = cluster.client()) {
            c.send(requests.toByteArray());
            c.expect(expected.toByteArray());
            c.assertInStep();
        }
    }

    /** Binary-searches the largest value memcached {@code server} stores under {@code key}. */
    private int largestStoredDirectly(int server, String key) throws IOException {
        int low = 1_000_000;
        int high = 1_048_576;
        try (MemcacheWire direct = cluster.direct(server)) {
            assertThat(storeDirectly(direct, key, low)).isTrue();
            assertThat(storeDirectly(direct, key, high)).isFalse();
            while (high - low > 1) {
                int mid = (low + high) >>> 1;
                if (storeDirectly(direct, key, mid)) {
                    low = mid;
                } else {
                    high = mid;
                }
            }
            direct.send("delete " + key + "\r\n").line();
        }
        return low;
    }

    private static boolean storeDirectly(MemcacheWire direct, String key, int length) throws IOException {
        // The same flags as the test's sets: memcached stores non-zero flags in 4 more bytes of the item.
        direct.send(MemcacheWire.concat(ascii("set " + key + " 9 0 " + length + "\r\n"), new byte[length], ascii("\r\n")));
        String reply = direct.line();
        if (reply.equals("SERVER_ERROR object too large for cache")) {
            return false;
        }
        assertThat(reply).isEqualTo("STORED");
        return true;
    }

    /** Every byte value, CR and LF included, so the data block is taken by its length only. */
    private static byte[] value(int length) {
        byte[] value = new byte[length];
        for (int i = 0; i < length; i++) {
            value[i] = (byte) (i * 31 + (i >>> 8));
        }
        if (length > 4) {
            value[0] = '\r';
            value[1] = '\n';
            value[length - 2] = '\r';
            value[length - 1] = '\n';
        }
        return value;
    }

    /** Two clients read the same cas unique: the first cas wins, the second is told EXISTS. */
    @Test
    void casRaceFirstWinsSecondGetsExists() throws IOException {
        for (int server = 0; server < 3; server++) {
            String k = keyOn(server, "race:");
            try (MemcacheWire first = cluster.client(); MemcacheWire second = cluster.client()) {
                first.send("set " + k + " 0 0 4\r\nzero\r\n").expect("STORED\r\n");
                long seenByFirst = casOf(first, k);
                long seenBySecond = casOf(second, k);
                assertThat(seenBySecond).isEqualTo(seenByFirst);
                first.send("cas " + k + " 0 0 5 " + seenByFirst + "\r\nfirst\r\n").expect("STORED\r\n");
                second.send("cas " + k + " 0 0 6 " + seenBySecond + "\r\nsecond\r\n").expect("EXISTS\r\n");
                second.send("get " + k + "\r\n").expect("VALUE " + k + " 0 5\r\nfirst\r\nEND\r\n");
                long fresh = casOf(second, k);
                assertThat(fresh).isNotEqualTo(seenByFirst);
                second.send("cas " + k + " 0 0 6 " + fresh + "\r\nsecond\r\n").expect("STORED\r\n");
                first.send("cas " + k + " 0 0 5 " + seenByFirst + "\r\nagain\r\n").expect("EXISTS\r\n");
            }
        }
    }

    /** Four clients increment one counter with gets/cas loops at once: no update is lost. */
    @Test
    void concurrentCasIncrementsLoseNoUpdate() throws Exception {
        String counter = "cas-counter";
        int clients = 4;
        int incrementsEach = 100;
        try (MemcacheWire c = cluster.client()) {
            c.send("set " + counter + " 0 0 1\r\n0\r\n").expect("STORED\r\n");
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Integer>> conflicts = new ArrayList<>();
            for (int t = 0; t < clients; t++) {
                conflicts.add(pool.submit(() -> {
                    int lost = 0;
                    try (MemcacheWire c = cluster.client()) {
                        for (int done = 0; done < incrementsEach; ) {
                            c.send("gets " + counter + "\r\n");
                            MemcacheWire.Block block = c.blocks().get(0);
                            String next = Long.toString(Long.parseLong(block.data()) + 1);
                            String reply = c.call("cas " + counter + " 0 0 " + next.length() + " " + block.cas()
                                    + "\r\n" + next + "\r\n");
                            if (reply.equals("STORED")) {
                                done++;
                            } else {
                                assertThat(reply).isEqualTo("EXISTS");
                                lost++;
                            }
                        }
                    }
                    return lost;
                }));
            }
            for (Future<Integer> f : conflicts) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        try (MemcacheWire c = cluster.client()) {
            String total = Integer.toString(clients * incrementsEach);
            c.send("get " + counter + "\r\n").expect("VALUE " + counter + " 0 " + total.length() + "\r\n" + total + "\r\nEND\r\n");
        }
    }

    /** A real client library, xmemcached, through the proxy: every command, with and without noreply. */
    @Test
    void xmemcachedClientUsesEveryCommand() throws Exception {
        XMemcachedClientBuilder builder = new XMemcachedClientBuilder(AddrUtil.getAddresses("127.0.0.1:" + cluster.port()));
        builder.setConnectionPoolSize(1);
        builder.setOpTimeout(5000);
        MemcachedClient client = builder.build();
        try {
            client.setEnableHeartBeat(false);
            Map<String, String> written = new LinkedHashMap<>();
            List<String> keys = new ArrayList<>();
            for (int server = 0; server < 3; server++) {
                keys.addAll(keysOn(server, "xm:", 20));
            }
            for (int i = 0; i < keys.size(); i++) {
                String key = keys.get(i);
                String value = "v" + i + "-" + "y".repeat(i);
                assertThat(client.set(key, 0, value)).isTrue();
                written.put(key, value);
            }
            for (Map.Entry<String, String> e : written.entrySet()) {
                assertThat(client.<String>get(e.getKey())).isEqualTo(e.getValue());
            }
            assertThat(client.<String>get(new ArrayList<>(written.keySet()))).isEqualTo(written);
            int[] perServer = new int[3];
            for (String key : written.keySet()) {
                perServer[holderOf(key)]++;
            }
            assertThat(perServer).doesNotContain(0);

            assertThat(client.add(keys.get(0), 0, "other")).isFalse();
            assertThat(client.add("xm:new", 0, "new")).isTrue();
            assertThat(client.replace("xm:absent", 0, "r")).isFalse();
            assertThat(client.replace(keys.get(21), 0, "r1")).isTrue();
            assertThat(client.append(keys.get(21), "+a")).isTrue();
            assertThat(client.prepend(keys.get(21), "p+")).isTrue();
            assertThat(client.<String>get(keys.get(21))).isEqualTo("p+r1+a");

            GetsResponse<String> gets = client.gets(keys.get(42));
            assertThat(gets.getValue()).isEqualTo(written.get(keys.get(42)));
            assertThat(client.cas(keys.get(42), 0, "cas-1", gets.getCas())).isTrue();
            assertThat(client.cas(keys.get(42), 0, "cas-2", gets.getCas())).isFalse();
            assertThat(client.<String>get(keys.get(42))).isEqualTo("cas-1");
            Map<String, GetsResponse<String>> multi = client.gets(List.of(keys.get(42), keys.get(3), "xm:absent"));
            assertThat(multi).containsOnlyKeys(keys.get(42), keys.get(3));

            assertThat(client.touch(keys.get(3), 3600)).isTrue();
            assertThat(client.touch("xm:absent", 3600)).isFalse();
            assertThat(client.delete(keys.get(3))).isTrue();
            assertThat(client.delete(keys.get(3))).isFalse();
            assertThat(client.<String>get(keys.get(3))).isNull();

            assertThat(client.incr("xm:n", 5, 10)).isEqualTo(10); // absent: created with the initial value
            assertThat(client.incr("xm:n", 5)).isEqualTo(15);
            assertThat(client.decr("xm:n", 20)).isZero();
            assertThat(client.getVersions().values()).containsExactly(version.substring("VERSION ".length()));

            client.setWithNoReply("xm:nr", 0, "1");
            client.addWithNoReply("xm:nr", 0, "ignored");
            client.replaceWithNoReply("xm:nr", 0, "2");
            client.appendWithNoReply("xm:nr", "3");
            client.prependWithNoReply("xm:nr", "1");
            assertThat(client.<String>get("xm:nr")).isEqualTo("123");
            client.incrWithNoReply("xm:nr", 7);
            client.decrWithNoReply("xm:nr", 30);
            assertThat(client.<String>get("xm:nr")).isEqualTo("100");
            client.deleteWithNoReply("xm:nr");
            assertThat(client.<String>get("xm:nr")).isNull();
            assertThat(client.<String>get(keys.get(0))).isEqualTo(written.get(keys.get(0)));
        } finally {
            client.shutdown();
        }
    }

    /** quit: what came before is answered, the connection closes, what came after is never run. */
    @Test
    void quitAnswersWhatCameBeforeAndDropsWhatFollows() throws IOException {
        String before = keyOn(0, "quit-before:");
        List<String> after = List.of(keyOn(0, "quit-after:"), keyOn(1, "quit-after:"), keyOn(2, "quit-after:"));
        ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
        pipeline.writeBytes(ascii("set " + before + " 0 0 1\r\nb\r\nget " + before + "\r\nquit\r\n"));
        for (String k : after) {
            pipeline.writeBytes(ascii("set " + k + " 0 0 1\r\na\r\n"));
        }
        try (MemcacheWire c = cluster.client()) {
            c.send(pipeline.toByteArray());
            c.expect("STORED\r\nVALUE " + before + " 0 1\r\nb\r\nEND\r\n");
            assertThat(c.closedByPeer(5000)).isTrue();
        }
        try (MemcacheWire c = cluster.client()) {
            c.send("quit\r\n");
            assertThat(c.closedByPeer(5000)).isTrue();
        }
        try (MemcacheWire c = cluster.client()) {
            c.send("get " + String.join(" ", after) + "\r\n").expect("END\r\n");
        }
    }
}
