package dev.nutjar.server.it;

import static dev.nutjar.server.it.MemcacheWire.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Client mistakes through Nutjar: each gets memcached's own answer (memcached, asked directly, is the
 * oracle), the connection stays in step, and nothing one client does disturbs another. Unlike
 * twemproxy, which closes the connection without a word, Nutjar answers as memcached would; only a
 * data block of the wrong length, a line too long to be one and the binary protocol close it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(NoLeaks.class)
class MemcacheBadInputIT {

    private static final String KEY_250 = "k".repeat(250);
    private static final String KEY_251 = "k".repeat(251);
    private static final String BAD_FORMAT = "CLIENT_ERROR bad command line format\r\n";

    private MemcacheCluster cluster;

    @BeforeAll
    void start() throws IOException {
        cluster = MemcacheCluster.start(3, "timeout: 5000");
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

    /** A request that is wrong, and what memcached 1.6 answers to it. */
    record Case(String request, String reply) {}

    static List<Case> cases() {
        return List.of(
                // unknown commands, and known ones in the wrong case or with the wrong number of tokens
                new Case("bogus\r\n", "ERROR\r\n"),
                new Case("GET k\r\n", "ERROR\r\n"),
                new Case("statz\r\n", "ERROR\r\n"),
                new Case("\r\n", "ERROR\r\n"),
                new Case("get\r\n", "ERROR\r\n"),
                new Case("set k 0 0\r\n", "ERROR\r\n"),
                new Case("set k 0 0 1 noreply extra\r\n", "ERROR\r\n"),
                new Case("cas k 0 0 1\r\n", "ERROR\r\n"),
                new Case("incr k\r\n", "ERROR\r\n"),
                new Case("touch k\r\n", "ERROR\r\n"),
                new Case("delete\r\n", "ERROR\r\n"),
                // malformed numbers: flags, exptime, length, cas, delta, touch's exptime
                new Case("set k abc 0 1\r\n", BAD_FORMAT),
                new Case("set k 0 abc 1\r\n", BAD_FORMAT),
                new Case("set k 0 0 abc\r\n", BAD_FORMAT),
                new Case("set k 0 0 -1\r\n", BAD_FORMAT),
                new Case("cas k 0 0 1 abc\r\n", BAD_FORMAT),
                new Case("incr k abc\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n"),
                new Case("decr k -1\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n"),
                new Case("touch k abc\r\n", "CLIENT_ERROR invalid exptime argument\r\n"),
                new Case("delete k 5\r\n", "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"),
                // a malformed storage line consumes only its line: its data block is read as a command
                new Case("set k abc 0 1\r\nx\r\n", BAD_FORMAT + "ERROR\r\n"),
                // keys over 250 bytes, for every command that takes one
                new Case("get " + KEY_251 + "\r\n", BAD_FORMAT),
                new Case("gets a " + KEY_251 + " b\r\n", BAD_FORMAT),
                new Case("set " + KEY_251 + " 0 0 1\r\nx\r\n", BAD_FORMAT + "ERROR\r\n"),
                new Case("add " + KEY_251 + " 0 0 1\r\n", BAD_FORMAT),
                new Case("cas " + KEY_251 + " 0 0 1 1\r\n", BAD_FORMAT),
                new Case("delete " + KEY_251 + "\r\n", BAD_FORMAT),
                new Case("incr " + KEY_251 + " 1\r\n", BAD_FORMAT),
                new Case("touch " + KEY_251 + " 1\r\n", BAD_FORMAT),
                // 250 bytes is fine; a bare LF ends a line as in memcached
                new Case("get " + KEY_250 + "\r\n", "END\r\n"),
                new Case("set " + KEY_250 + " 0 0 1\r\nx\r\nget " + KEY_250 + "\r\n",
                        "STORED\r\nVALUE " + KEY_250 + " 0 1\r\nx\r\nEND\r\n"),
                new Case("delete " + KEY_250 + "\n", "DELETED\r\n"),
                // noreply silences a client error too, as in memcached
                new Case("incr k abc noreply\r\nget k\r\n", "END\r\n"),
                new Case("set k abc 0 1 noreply\r\nget k\r\n", "END\r\n"));
    }

    @Test
    void eachMistakeGetsMemcachedsAnswerAndTheConnectionStaysInStep() throws IOException {
        // The oracle is a memcached that the proxy does not send the 250-byte key to (the only key
        // the cases store), so the two do not see each other's writes.
        int oracle = (cluster.serverOf(KEY_250) + 1) % 3;
        try (MemcacheWire proxy = cluster.client(); MemcacheWire direct = cluster.direct(oracle)) {
            for (Case c : cases()) {
                try {
                    direct.send(c.request()).expect(c.reply());
                    direct.assertInStep();
                } catch (AssertionError e) {
                    throw new AssertionError("memcached itself, asked " + MemcacheWire.quoted(ascii(c.request())), e);
                }
                try {
                    proxy.send(c.request()).expect(c.reply());
                    proxy.assertInStep();
                } catch (AssertionError e) {
                    throw new AssertionError("Nutjar, asked " + MemcacheWire.quoted(ascii(c.request())), e);
                }
            }
        }
    }

    @Test
    void allMistakesPipelinedInOneWriteAreAnsweredInOrder() throws IOException {
        StringBuilder requests = new StringBuilder();
        StringBuilder replies = new StringBuilder();
        int i = 0;
        for (Case c : cases()) {
            // a good request between every two bad ones, on keys spread over the servers
            String key = "between:" + i++;
            requests.append(c.request()).append("set ").append(key).append(" 0 0 2\r\nok\r\nget ").append(key).append("\r\n");
            replies.append(c.reply()).append("STORED\r\nVALUE ").append(key).append(" 0 2\r\nok\r\nEND\r\n");
        }
        try (MemcacheWire proxy = cluster.client()) {
            proxy.send(requests.toString()).expect(replies.toString());
            proxy.assertInStep();
        }
    }

    /**
     * Where Nutjar is stricter than memcached, on purpose: flags over 32 bits. memcached 1.6 takes
     * {@code 4294967296} and silently stores flags 0 (it truncates); Nutjar refuses the line, as for
     * any malformed number, and the data block is read as a command.
     */
    @Test
    void flagsOverThirtyTwoBitsAreRefusedNotTruncated() throws IOException {
        try (MemcacheWire direct = cluster.direct(0)) {
            direct.send("set k 4294967296 0 1\r\nx\r\nget k\r\n").expect("STORED\r\nVALUE k 0 1\r\nx\r\nEND\r\n");
        }
        cluster.flushAll();
        try (MemcacheWire proxy = cluster.client()) {
            proxy.send("set k 4294967296 0 1\r\nx\r\nget k\r\n").expect(BAD_FORMAT + "ERROR\r\nEND\r\n");
            proxy.send("set k 4294967295 0 1\r\nx\r\nget k\r\n").expect("STORED\r\nVALUE k 4294967295 1\r\nx\r\nEND\r\n");
        }
    }

    /**
     * Nutjar's own bound, where memcached has none: a get of 10,000 keys is served (split over the
     * servers), one of 10,001 is refused with CLIENT_ERROR too many keys, and the connection goes on.
     */
    @Test
    void aGetOfMoreThanTenThousandKeysIsRefused() throws IOException {
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            keys.append(" many:").append(i);
        }
        try (MemcacheWire proxy = cluster.client()) {
            proxy.send("set many:9999 0 0 4\r\nlast\r\n").expect("STORED\r\n");
            proxy.send("get" + keys + "\r\n").expect("VALUE many:9999 0 4\r\nlast\r\nEND\r\n");
            proxy.send("get" + keys + " many:10000\r\n").expect("CLIENT_ERROR too many keys\r\n");
            proxy.assertInStep();
        }
    }

    /**
     * memcached commands a sharding proxy cannot forward (whole-server ones, meta commands, gat): an
     * ERROR, as for an unknown command, and the connection stays usable. Nothing reaches memcached:
     * flush_all and shutdown leave every server as it was.
     */
    @Test
    void commandsTheProxyDoesNotForwardAreAnsweredWithError() throws IOException {
        String[] unsupported = {"stats\r\n", "stats items\r\n", "flush_all\r\n", "flush_all 0\r\n", "verbosity 1\r\n",
            "gat 0 k\r\n", "gats 0 k\r\n", "mg k v\r\n", "ms k 1\r\n", "md k\r\n", "mn\r\n", "ma k\r\n",
            "me k\r\n", "slabs automove 1\r\n", "lru_crawler metadump all\r\n", "watch\r\n", "cache_memlimit 100\r\n",
            "shutdown\r\n"};
        try (MemcacheWire proxy = cluster.client()) {
            proxy.send("set kept 0 0 4\r\nkept\r\n").expect("STORED\r\n");
            for (String request : unsupported) {
                proxy.send(request).expect("ERROR\r\n");
            }
            proxy.send("get kept\r\n").expect("VALUE kept 0 4\r\nkept\r\nEND\r\n");
        }
        for (int s = 0; s < cluster.servers().size(); s++) {
            try (MemcacheWire direct = cluster.direct(s)) {
                assertThat(direct.call("version\r\n")).startsWith("VERSION ");
            }
        }
    }

    /**
     * A data block longer or shorter than its length: CLIENT_ERROR bad data chunk, then the
     * connection is closed (memcached would go on reading the block's tail as commands). Nothing is
     * stored, and another client in the middle of its own pipeline never notices.
     */
    @Test
    void dataBlockOfTheWrongLengthClosesThatConnectionOnly() throws IOException {
        String[] mismatches = {
            "set k 0 0 3\r\nabcdef\r\nget k\r\n",
            "set k 0 0 5\r\nabc\r\nget k\r\n",
            "set k 0 0 3 noreply\r\nabcdef\r\n",
            "append k 0 0 1\r\nxx\r\n",
            "cas k 0 0 1 1\r\n\r\n\r\n",
        };
        try (MemcacheWire other = cluster.client()) {
            other.send("set other 0 0 5\r\nhello\r\n").expect("STORED\r\n");
            for (String mismatch : mismatches) {
                // The other client has a request in flight when the bad one arrives.
                other.send("get other\r\n");
                try (MemcacheWire bad = cluster.client()) {
                    bad.send("set ok 0 0 2\r\nok\r\n" + mismatch + "set after 0 0 1\r\na\r\n");
                    bad.expect("STORED\r\nCLIENT_ERROR bad data chunk\r\n");
                    assertThat(bad.closedByPeer(5000)).as("closed after %s", mismatch).isTrue();
                }
                other.expect("VALUE other 0 5\r\nhello\r\nEND\r\n");
                other.send("get k after ok\r\n").expect("VALUE ok 0 2\r\nok\r\nEND\r\n");
                other.assertInStep();
            }
        }
    }

    /**
     * A line with no end in sight, and the binary protocol: the connection is closed without a
     * reply, as memcached does; other clients carry on.
     */
    @Test
    void endlessLineAndBinaryProtocolCloseWithoutAReply() throws IOException {
        byte[][] fatal = {
            ascii("set k 0 0 1 " + "9".repeat(4000)),
            ascii("x".repeat(5000)),
            {(byte) 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
        };
        try (MemcacheWire other = cluster.client()) {
            for (byte[] request : fatal) {
                try (MemcacheWire bad = cluster.client()) {
                    bad.send("version\r\n").line();
                    bad.send(request);
                    assertThat(bad.closedByPeer(5000)).isTrue();
                }
                other.send("set other 0 0 1\r\no\r\nget other\r\n").expect("STORED\r\nVALUE other 0 1\r\no\r\nEND\r\n");
            }
            // A get of many long keys is not a line too long: memcached takes it, and so does Nutjar.
            StringBuilder get = new StringBuilder("get");
            for (int i = 0; i < 40; i++) {
                get.append(' ').append(KEY_250, 0, 240).append(String.format("%010d", i));
            }
            other.send(get.append("\r\n").toString()).expect("END\r\n");
            other.assertInStep();
        }
    }
}
