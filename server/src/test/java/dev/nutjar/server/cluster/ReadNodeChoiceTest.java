package dev.nutjar.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.server.config.ReadFrom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadNodeChoiceTest {
    private static final long U = NodeHealth.UNREACHABLE;
    private static final NodeAddress MASTER = new NodeAddress("10.0.0.1", 7000);
    private static final NodeAddress REPLICA_A = new NodeAddress("10.0.0.2", 7000);
    private static final NodeAddress REPLICA_B = new NodeAddress("10.0.0.3", 7000);
    private static final NodeAddress LONE = new NodeAddress("10.0.0.4", 7000);

    /** Slots 0-99: MASTER with two replicas; slot 100: LONE, without one. */
    private final SlotMap map;
    private final int master;
    private final int a;
    private final int b;
    private final int lone;

    ReadNodeChoiceTest() {
        ShardNodes[] shape = new ShardNodes[16384];
        ShardNodes shard = new ShardNodes(MASTER, List.of(REPLICA_B, REPLICA_A));
        for (int slot = 0; slot < 100; slot++) {
            shape[slot] = shard;
        }
        shape[100] = ShardNodes.masterOnly(LONE);
        map = SlotMap.EMPTY.with(shape);
        master = map.indexOf(MASTER);
        a = map.indexOf(REPLICA_A);
        b = map.indexOf(REPLICA_B);
        lone = map.indexOf(LONE);
    }

    /** Health with each node's round-trip time in microseconds, by node index. */
    private NodeHealth health(long round, long masterMicros, long aMicros, long bMicros) {
        long[] nanos = new long[map.nodeCount()];
        nanos[master] = masterMicros == U ? U : masterMicros * 1000;
        nanos[a] = aMicros == U ? U : aMicros * 1000;
        nanos[b] = bMicros == U ? U : bMicros * 1000;
        nanos[lone] = 300_000;
        return NodeHealth.of(nanos, round);
    }

    private List<Integer> choices(ReadNodeChoice choice, int slot, NodeHealth health, int times) {
        List<Integer> nodes = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            nodes.add(choice.nodeFor(slot, map, health));
        }
        return nodes;
    }

    @Test
    void masterReadsFromTheMaster() {
        ReadNodeChoice choice = new ReadNodeChoice(ReadFrom.MASTER);

        assertThat(choices(choice, 7, health(1, 900, 100, 100), 4)).containsOnly(master);
    }

    @Test
    void replicaTakesTheSlotsReplicasInTurn() {
        ReadNodeChoice choice = new ReadNodeChoice(ReadFrom.REPLICA);
        NodeHealth health = health(1, 100, 900, 900);

        assertThat(choices(choice, 7, health, 4)).containsExactly(a, b, a, b);
        assertThat(choice.nodeFor(100, map, health)).as("a slot without replicas").isEqualTo(lone);
        assertThat(choice.nodeFor(200, map, health)).as("a slot nobody serves").isEqualTo(SlotMap.NO_NODE);
    }

    @Test
    void replicaSkipsAReplicaThatDoesNotAnswerAndFallsBackToTheMaster() {
        ReadNodeChoice choice = new ReadNodeChoice(ReadFrom.REPLICA);

        assertThat(choices(choice, 7, health(1, 100, U, 200), 3)).containsOnly(b);
        assertThat(choices(choice, 7, health(2, 100, U, U), 3)).containsOnly(master);
    }

    @Test
    void aReplicaThatFailedIsLeftOutUntilARoundBegunAfterItReachesIt() {
        ReadNodeChoice choice = new ReadNodeChoice(ReadFrom.REPLICA);
        NodeHealth round1 = health(1, 100, 200, 200);
        choice.failed(a, round1);
        choice.failed(b, round1);

        assertThat(choices(choice, 7, round1, 3)).containsOnly(master);
        // Round 2 may have reached them before they failed.
        assertThat(choices(choice, 7, health(2, 100, 200, 200), 3)).containsOnly(master);
        assertThat(choices(choice, 7, health(3, 100, 200, U), 3)).containsOnly(a);
        assertThat(choices(choice, 7, health(4, 100, 200, 200), 2)).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void nearestTakesTheFastestNodeAndTiesGoToTheMaster() {
        ReadNodeChoice choice = new ReadNodeChoice(ReadFrom.NEAREST);

        assertThat(choice.nodeFor(7, map, health(1, 1000, 300, 200))).isEqualTo(b);
        assertThat(choice.nodeFor(7, map, health(1, 1000, 300, U))).isEqualTo(a);
        assertThat(choice.nodeFor(7, map, health(1, 200, 300, 400))).as("the master is nearest").isEqualTo(master);
        // Within max(50 us, 10 %) of the master: a tie.
        assertThat(choice.nodeFor(7, map, health(1, 1000, 910, 950))).isEqualTo(master);
        assertThat(choice.nodeFor(7, map, health(1, 100, 60, 70))).isEqualTo(master);
        assertThat(choice.nodeFor(7, map, health(1, 100, 40, 70))).isEqualTo(a);
        assertThat(choice.nodeFor(7, map, health(1, U, 400, 300))).as("the master does not answer PING").isEqualTo(b);
        assertThat(choice.nodeFor(7, map, health(1, U, U, U))).isEqualTo(master);
    }

    @Test
    void nearestLeavesOutAFailedReplica() {
        ReadNodeChoice choice = new ReadNodeChoice(ReadFrom.NEAREST);
        NodeHealth health = health(4, 1000, 100, 300);
        choice.failed(a, health);

        assertThat(choice.nodeFor(7, map, health)).isEqualTo(b);
        assertThat(choice.nodeFor(7, map, health(5, 1000, 100, 300))).isEqualTo(b);
        assertThat(choice.nodeFor(7, map, health(6, 1000, 100, 300))).isEqualTo(a);
    }
}
