package dev.nutjar.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.protocol.Protocols;
import dev.nutjar.protocol.ProtocolSettings;
import dev.nutjar.routing.ClusterSlot;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.cluster.NodeAddress;
import dev.nutjar.server.cluster.ShardNodes;
import dev.nutjar.server.cluster.SlotMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterMastersTest {
    private static final NodeAddress A = new NodeAddress("127.0.0.1", 7001);
    private static final NodeAddress B = new NodeAddress("127.0.0.1", 7002);
    private static final NodeAddress C = new NodeAddress("127.0.0.1", 7003);
    private static final NodeAddress REPLICA = new NodeAddress("127.0.0.1", 7009);

    private final PoolDescription pool = new PoolRuntime(0, "orders", Protocols.registry().get("redis"),
            ProtocolSettings.defaults(), ServerPool.builder("orders").servers(List.of(ServerSpec.parse("127.0.0.1:7001:1")))
                    .distribution(Distributions.get("ketama")).build(),
            1000, 1, 0, Transport.best(), BufferSettings.defaults()).description;

    /** Slots split evenly between {@code masters}, in that order; the first has a replica. */
    private static SlotMap map(SlotMap from, NodeAddress... masters) {
        ShardNodes[] shape = new ShardNodes[ClusterSlot.SLOTS];
        for (int slot = 0; slot < shape.length; slot++) {
            int m = slot * masters.length / shape.length;
            shape[slot] = new ShardNodes(masters[m], m == 0 ? List.of(REPLICA) : List.of());
        }
        return from.with(shape);
    }

    @Test
    void theMastersInAddressOrderWithoutReplicas() {
        ClusterMasters masters = ClusterMasters.of(pool, map(SlotMap.EMPTY, C, A, B), null);

        assertThat(masters.serverCount()).isEqualTo(3);
        assertThat(List.of(masters.serverName(0), masters.serverName(1), masters.serverName(2)))
                .containsExactly("127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003");
        assertThat(masters.facts()).containsEntry("pool_servers", "3").containsEntry("pool", "orders");
    }

    @Test
    void theFingerprintChangesWithTheSetOfMastersOnly() {
        long first = ClusterMasters.of(pool, map(SlotMap.EMPTY, A, B, C), null).fingerprint();
        // Other node indexes, other slots per master: the same masters.
        SlotMap reshuffled = map(map(SlotMap.EMPTY, C, REPLICA), B, C, A);
        assertThat(ClusterMasters.of(pool, reshuffled, null).fingerprint()).isEqualTo(first);
        assertThat(ClusterMasters.of(pool, map(reshuffled, A, B), null).fingerprint()).isNotEqualTo(first);
        assertThat(ClusterMasters.of(pool, map(reshuffled, A, B, REPLICA), null).fingerprint()).isNotEqualTo(first);
    }

    @Test
    void noMastersBeforeTheMapIsKnown() {
        assertThat(ClusterMasters.of(pool, SlotMap.EMPTY, null)).isNull();
    }
}
