package dev.nutjar.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.server.control.BlockingResp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ClusterProbeTest {
    private static final NodeAddress ASKED = new NodeAddress("10.0.0.9", 7000);

    private static Object reply(String resp) throws IOException {
        return new BlockingResp(new ByteArrayInputStream(resp.getBytes(StandardCharsets.UTF_8)), OutputStream.nullOutputStream(), "node").read();
    }

    private static String bulk(String s) {
        return "$" + s.length() + "\r\n" + s + "\r\n";
    }

    private static String node(String ip, int port, String role) {
        return "*10\r\n" + bulk("id") + bulk("abc") + bulk("port") + ":" + port + "\r\n" + bulk("ip") + bulk(ip)
                + bulk("role") + bulk(role) + bulk("health") + bulk("online");
    }

    @Test
    void readsTheMastersOfClusterShards() throws IOException {
        String shards = "*2\r\n"
                + "*4\r\n" + bulk("slots") + "*4\r\n:0\r\n:99\r\n:200\r\n:200\r\n"
                + bulk("nodes") + "*2\r\n" + node("127.0.0.1", 7001, "replica") + node("127.0.0.1", 7000, "master")
                + "*4\r\n" + bulk("slots") + "*2\r\n:100\r\n:199\r\n"
                + bulk("nodes") + "*1\r\n" + node("", 7002, "master");

        NodeAddress[] shape = ClusterProbe.fromShards(ASKED, reply(shards));

        assertThat(shape[0]).isEqualTo(new NodeAddress("127.0.0.1", 7000));
        assertThat(shape[99]).isEqualTo(new NodeAddress("127.0.0.1", 7000));
        assertThat(shape[150]).isEqualTo(new NodeAddress("10.0.0.9", 7002));
        assertThat(shape[200]).isEqualTo(new NodeAddress("127.0.0.1", 7000));
        assertThat(shape[201]).isNull();
    }

    @Test
    void readsTheMastersOfClusterSlots() throws IOException {
        String slots = "*2\r\n"
                + "*4\r\n:0\r\n:5460\r\n*3\r\n" + bulk("127.0.0.1") + ":30001\r\n" + bulk("id1")
                + "*3\r\n" + bulk("127.0.0.1") + ":30004\r\n" + bulk("id4")
                + "*3\r\n:5461\r\n:10922\r\n*3\r\n" + bulk("127.0.0.1") + ":30002\r\n" + bulk("id2");

        NodeAddress[] shape = ClusterProbe.fromSlots(ASKED, reply(slots));

        assertThat(shape[5460]).isEqualTo(new NodeAddress("127.0.0.1", 30001));
        assertThat(shape[5461]).isEqualTo(new NodeAddress("127.0.0.1", 30002));
        assertThat(shape[10923]).isNull();
    }

    @Test
    void slotMapsKeepTheirNodeIndexes() {
        NodeAddress a = new NodeAddress("h", 1);
        NodeAddress b = new NodeAddress("h", 2);
        SlotMap first = SlotMap.EMPTY.withSlot(5, a).withSlot(6, b);
        NodeAddress[] shape = new NodeAddress[16384];
        shape[5] = b;
        SlotMap second = first.with(shape);

        assertThat(first.nodeOf(5)).isEqualTo(0);
        assertThat(second.nodeOf(5)).isEqualTo(1);
        assertThat(second.nodeOf(6)).isEqualTo(SlotMap.NO_NODE);
        assertThat(second.indexOf(a)).isEqualTo(0);
        assertThat(second.version()).isGreaterThan(first.version());
        assertThat(second.with(shape)).isSameAs(second);
    }
}
