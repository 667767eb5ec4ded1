package dev.nutjar.server.it;

import static dev.nutjar.server.it.MemcacheWire.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Clients that leave with requests in flight, split multi-gets and large values among them, or
 * that stop writing and wait for their replies: a bystander on the same backends never notices,
 * and a half-closed client still gets every reply it is owed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(NoLeaks.class)
class MemcacheVanishingClientsIT {

    private static final int BIG = 200_000;

    private MemcacheCluster cluster;
    private final List<String> keys = new ArrayList<>();
    private byte[] pipeline;

    @BeforeAll
    void start() throws IOException {
        cluster = MemcacheCluster.start(3, "timeout: 5000");
        for (int i = 0; i < 90; i++) {
            keys.add("vanish:" + i);
        }
        byte[] big = new byte[BIG];
        java.util.Arrays.fill(big, (byte) 'b');
        try (MemcacheWire c = cluster.client()) {
            for (String key : keys) {
                c.send(MemcacheWire.concat(ascii("set " + key + " 0 0 " + BIG + "\r\n"), big, ascii("\r\n")))
                        .expect("STORED\r\n");
            }
        }
        // Many replies owed at once: multi-gets split over the three servers, large values, and a
        // set or two, so replies are still coming back when the client goes.
        ByteArrayOutputStream requests = new ByteArrayOutputStream();
        for (int round = 0; round < 2; round++) {
            requests.writeBytes(ascii("get " + String.join(" ", keys.subList(0, 30)) + "\r\n"));
            requests.writeBytes(ascii("gets " + String.join(" ", keys.subList(30, 60)) + "\r\n"));
            for (String key : keys.subList(60, 90)) {
                requests.writeBytes(ascii("get " + key + "\r\nincr " + key + "-n 1\r\n"));
            }
            requests.writeBytes(ascii("set vanish-last 0 0 1 noreply\r\nx\r\nversion\r\n"));
        }
        pipeline = requests.toByteArray();
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void clientsLeavingMidPipelineDisturbNoOne() throws IOException {
        try (MemcacheWire bystander = cluster.client()) {
            for (int round = 0; round < 12; round++) {
                // The bystander has a request of every server in flight while the other client goes.
                bystander.send("set by 0 0 2\r\n" + String.format("%02d", round) + "\r\nget " + String.join(" ",
                        keys.get(round), keys.get(round + 30), keys.get(round + 60)) + " by\r\n");
                try (Socket rude = new Socket("127.0.0.1", cluster.port())) {
                    rude.setTcpNoDelay(true);
                    if (round % 2 == 0) {
                        rude.setSoLinger(true, 0); // a reset rather than a FIN
                    }
                    rude.getOutputStream().write(pipeline);
                    rude.getOutputStream().flush();
                    if (round % 3 == 0) {
                        rude.getInputStream().read(new byte[1000]); // leave after the first replies came
                    }
                }
                bystander.expect("STORED\r\n");
                List<MemcacheWire.Block> blocks = bystander.blocks();
                assertThat(blocks).extracting(MemcacheWire.Block::key)
                        .containsExactly(keys.get(round), keys.get(round + 30), keys.get(round + 60), "by");
                assertThat(blocks.get(0).data()).hasSize(BIG);
                assertThat(blocks.get(3).data()).isEqualTo(String.format("%02d", round));
                bystander.assertInStep();
            }
            try (MemcacheWire fresh = cluster.client()) {
                fresh.send("version\r\n").line();
                fresh.assertInStep();
            }
        }
    }

    /**
     * Replies larger than the socket takes at once, then something that closes the connection
     * (quit, a bad data chunk, the client's own half-close): every byte owed is delivered before the
     * close, however slowly the client reads. The client's small receive buffer and late start make
     * sure the replies are still queued in the proxy when it decides to close.
     */
    @Test
    void closingAfterLargeRepliesDeliversThemFirst() throws Exception {
        String get = "get " + String.join(" ", keys.subList(0, 30)) + " " + String.join(" ", keys.subList(0, 30)) + "\r\n";
        String[] closers = {"quit\r\n", "set k 0 0 1\r\nxyz\r\n", ""};
        String[] lastReply = {"", "CLIENT_ERROR bad data chunk\r\n", "VERSION "};
        for (int i = 0; i < closers.length; i++) {
            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(16 * 1024);
                client.connect(new java.net.InetSocketAddress("127.0.0.1", cluster.port()));
                client.setSoTimeout(10_000);
                client.getOutputStream().write(ascii(get + (closers[i].isEmpty() ? "version\r\n" : closers[i])));
                if (closers[i].isEmpty()) {
                    client.shutdownOutput();
                }
                Thread.sleep(300);
                byte[] all = client.getInputStream().readAllBytes(); // to EOF
                String text = MemcacheWire.text(all);
                assertThat(text.split("VALUE ", -1)).as("blocks delivered before closer %d", i).hasSize(61);
                assertThat(all.length).isGreaterThan(60 * BIG);
                String tail = text.substring(text.lastIndexOf("END\r\n"));
                assertThat(tail).as("what follows the get's END for closer %d", i).startsWith("END\r\n" + lastReply[i]);
            }
        }
    }

    /** A client that shuts its write side after its requests still gets every reply, then EOF. */
    @Test
    void halfClosedClientGetsEveryReplyItIsOwed() throws IOException {
        try (Socket client = new Socket("127.0.0.1", cluster.port())) {
            client.getOutputStream().write(ascii("get " + String.join(" ", keys.subList(0, 10)) + "\r\nversion\r\n"));
            client.shutdownOutput();
            byte[] all = client.getInputStream().readAllBytes(); // to EOF: the proxy closes after the last reply
            String text = MemcacheWire.text(all);
            assertThat(text).startsWith("VALUE " + keys.get(0) + " 0 " + BIG + "\r\n").endsWith("END\r\nVERSION "
                    + text.substring(text.lastIndexOf("VERSION ") + 8));
            assertThat(text.split("VALUE ", -1)).hasSize(11);
            assertThat(all.length).isGreaterThan(10 * BIG);
        }
    }
}
