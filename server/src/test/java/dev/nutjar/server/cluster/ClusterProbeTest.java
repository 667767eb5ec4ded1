package dev.nutjar.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.server.control.BlockingResp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
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
        return node(ip, port, role, "online");
    }

    private static String node(String ip, int port, String role, String health) {
        return "*10\r\n" + bulk("id") + bulk("abc") + bulk("port") + ":" + port + "\r\n" + bulk("ip") + bulk(ip)
                + bulk("role") + bulk(role) + bulk("health") + bulk(health);
    }

    @Test
    void readsTheMastersOfClusterShards() throws IOException {
        String shards = "*2\r\n"
                + "*4\r\n" + bulk("slots") + "*4\r\n:0\r\n:99\r\n:200\r\n:200\r\n"
                + bulk("nodes") + "*2\r\n" + node("127.0.0.1", 7001, "replica") + node("127.0.0.1", 7000, "master")
                + "*4\r\n" + bulk("slots") + "*2\r\n:100\r\n:199\r\n"
                + bulk("nodes") + "*1\r\n" + node("", 7002, "master");

        ShardNodes[] shape = ClusterProbe.fromShards(ASKED, reply(shards), false);

        assertThat(shape[0].master()).isEqualTo(new NodeAddress("127.0.0.1", 7000));
        assertThat(shape[99].master()).isEqualTo(new NodeAddress("127.0.0.1", 7000));
        assertThat(shape[150].master()).isEqualTo(new NodeAddress("10.0.0.9", 7002));
        assertThat(shape[200].master()).isEqualTo(new NodeAddress("127.0.0.1", 7000));
        assertThat(shape[201]).isNull();
    }

    @Test
    void readsTheTlsPortsOfClusterShardsForTls() throws IOException {
        // With tls-cluster yes and --port 0, a node announces only its TLS port.
        String tlsOnly = "*10\r\n" + bulk("id") + bulk("abc") + bulk("tls-port") + ":7100\r\n" + bulk("ip")
                + bulk("127.0.0.1") + bulk("role") + bulk("master") + bulk("health") + bulk("online");
        String shards = "*1\r\n*4\r\n" + bulk("slots") + "*2\r\n:0\r\n:16383\r\n" + bulk("nodes") + "*1\r\n" + tlsOnly;

        ShardNodes[] shape = ClusterProbe.fromShards(ASKED, reply(shards), true);

        assertThat(shape[0].master()).isEqualTo(new NodeAddress("127.0.0.1", 7100));
        assertThat(shape[16383].master()).isEqualTo(new NodeAddress("127.0.0.1", 7100));
    }

    @Test
    void readsTheReplicasOfClusterShardsThatAreOnline() throws IOException {
        String shards = "*1\r\n"
                + "*4\r\n" + bulk("slots") + "*2\r\n:0\r\n:16383\r\n"
                + bulk("nodes") + "*5\r\n" + node("127.0.0.1", 7004, "replica") + node("127.0.0.1", 7000, "master")
                + node("127.0.0.1", 7003, "replica") + node("127.0.0.1", 7005, "replica", "loading")
                + node("127.0.0.1", 7006, "replica", "fail");

        ShardNodes[] shape = ClusterProbe.fromShards(ASKED, reply(shards), false);

        assertThat(shape[0].master()).isEqualTo(new NodeAddress("127.0.0.1", 7000));
        // In address order, whatever order the node listed them in, so that two nodes' views compare equal.
        assertThat(shape[16383].replicas()).containsExactly(new NodeAddress("127.0.0.1", 7003),
                new NodeAddress("127.0.0.1", 7004));
        assertThat(shape[0]).isSameAs(shape[16383]);
    }

    @Test
    void readsTheMastersOfClusterSlots() throws IOException {
        String slots = "*2\r\n"
                + "*4\r\n:0\r\n:5460\r\n*3\r\n" + bulk("127.0.0.1") + ":30001\r\n" + bulk("id1")
                + "*3\r\n" + bulk("127.0.0.1") + ":30004\r\n" + bulk("id4")
                + "*3\r\n:5461\r\n:10922\r\n*3\r\n" + bulk("127.0.0.1") + ":30002\r\n" + bulk("id2");

        ShardNodes[] shape = ClusterProbe.fromSlots(ASKED, reply(slots));

        assertThat(shape[5460].master()).isEqualTo(new NodeAddress("127.0.0.1", 30001));
        assertThat(shape[5460].replicas()).containsExactly(new NodeAddress("127.0.0.1", 30004));
        assertThat(shape[5461].master()).isEqualTo(new NodeAddress("127.0.0.1", 30002));
        assertThat(shape[5461].replicas()).isEmpty();
        assertThat(shape[10923]).isNull();
    }

    @Test
    void slotMapsKeepTheirNodeIndexes() {
        NodeAddress a = new NodeAddress("h", 1);
        NodeAddress b = new NodeAddress("h", 2);
        SlotMap first = SlotMap.EMPTY.withSlot(5, a).withSlot(6, b);
        ShardNodes[] shape = new ShardNodes[16384];
        shape[5] = ShardNodes.masterOnly(b);
        SlotMap second = first.with(shape);

        assertThat(first.nodeOf(5)).isEqualTo(0);
        assertThat(second.nodeOf(5)).isEqualTo(1);
        assertThat(second.nodeOf(6)).isEqualTo(SlotMap.NO_NODE);
        assertThat(second.indexOf(a)).isEqualTo(0);
        assertThat(second.version()).isGreaterThan(first.version());
        assertThat(second.with(shape)).isSameAs(second);
    }

    @Test
    void slotMapsKnowEachSlotsReplicas() {
        NodeAddress master = new NodeAddress("h", 1);
        NodeAddress replica = new NodeAddress("h", 2);
        NodeAddress other = new NodeAddress("h", 3);
        ShardNodes[] shape = new ShardNodes[16384];
        ShardNodes shard = new ShardNodes(master, List.of(other, replica));
        Arrays.fill(shape, 0, 100, shard);
        shape[100] = ShardNodes.masterOnly(other);

        SlotMap map = SlotMap.EMPTY.with(shape);

        assertThat(map.nodeOf(0)).isEqualTo(map.indexOf(master));
        assertThat(map.replicasOf(99)).containsExactly(map.indexOf(replica), map.indexOf(other));
        assertThat(map.replicasOf(100)).isEmpty();
        assertThat(map.replicasOf(101)).isEmpty();
        assertThat(map.masters()).containsExactly(master, other);
        assertThat(map.masterOf(map.indexOf(replica))).isEqualTo(map.indexOf(master));
        assertThat(map.masterOf(map.indexOf(master))).isEqualTo(SlotMap.NO_NODE);
        assertThat(map.masterOf(SlotMap.NO_NODE)).isEqualTo(SlotMap.NO_NODE);
        assertThat(map.serving()).containsExactlyInAnyOrder(master, replica, other);
        // A replica gone from the shard changes the map; the same shape again does not.
        assertThat(map.with(shape)).isSameAs(map);
        shape[5] = ShardNodes.masterOnly(master);
        SlotMap fewer = map.with(shape);
        assertThat(fewer.version()).isGreaterThan(map.version());
        assertThat(fewer.replicasOf(5)).isEmpty();
        assertThat(fewer.replicasOf(6)).hasSize(2);
        // MOVED names a new master: the slot's replicas were the old one's.
        SlotMap moved = fewer.withSlot(6, other);
        assertThat(moved.nodeOf(6)).isEqualTo(moved.indexOf(other));
        assertThat(moved.replicasOf(6)).isEmpty();
        assertThat(moved.replicasOf(7)).hasSize(2);
    }

    @Test
    void roundTripTimesAreSmoothedAndUnreachableNodesForgotten() {
        long u = NodeHealth.UNREACHABLE;
        NodeHealth first = NodeHealth.NONE.next(new long[] {1000, u, 400});
        assertThat(first.round()).isEqualTo(1);
        assertThat(first.roundTripNanos(0)).isEqualTo(1000);
        assertThat(first.reachable(1)).isFalse();
        assertThat(first.reachable(7)).as("a node the round did not know").isFalse();

        NodeHealth second = first.next(new long[] {2000, 500, u});
        assertThat(second.roundTripNanos(0)).isEqualTo(1250);
        assertThat(second.roundTripNanos(1)).isEqualTo(500);
        assertThat(second.reachable(2)).isFalse();
        assertThat(second.round()).isEqualTo(2);
    }
}
