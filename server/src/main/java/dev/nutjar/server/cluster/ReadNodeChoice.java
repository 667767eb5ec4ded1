package dev.nutjar.server.cluster;

import dev.nutjar.server.config.ReadFrom;
import java.util.Arrays;

/**
 * Which node of a slot answers a read-only command, as one event loop chooses it by the pool's
 * {@code read_from}: the master; a replica, in turn over the slot's usable replicas; or the
 * nearest node by the round-trip times the topology measured. A replica is usable while the last
 * round of PINGs reached it and this loop has not seen it fail since (its connection broke or
 * refused {@code READONLY}): reads go to the master until a round that began after the failure
 * reaches it again. That is the second round after the one published at the failure: the next
 * may have been under way, and have reached it, before it failed.
 *
 * <p>Not thread-safe: one per event loop. Allocates nothing per choice.
 */
public final class ReadNodeChoice {
    /**
     * How much faster than the master a replica must answer to be nearer: at least this, and at
     * least a tenth of the master's time. Closer than that is a tie, and ties go to the master,
     * so that noise on equal links does not move reads around.
     */
    static final long MIN_GAIN_NANOS = 50_000;

    private final ReadFrom readFrom;
    /** Per node index, the health round in which this loop saw the node fail; -1 for never. */
    private long[] failedInRound = new long[0];
    private int turn;

    public ReadNodeChoice(ReadFrom readFrom) {
        this.readFrom = readFrom;
    }

    /**
     * The node index that reads {@code slot}: its master ({@link SlotMap#nodeOf}), one of its
     * replicas, or {@link SlotMap#NO_NODE} where no node serves it.
     */
    public int nodeFor(int slot, SlotMap map, NodeHealth health) {
        int master = map.nodeOf(slot);
        int[] replicas = map.replicasOf(slot);
        if (master == SlotMap.NO_NODE || replicas.length == 0) {
            return master;
        }
        return switch (readFrom) {
            case MASTER -> master;
            case REPLICA -> inTurn(master, replicas, health);
            case NEAREST -> nearest(master, replicas, health);
        };
    }

    /** This loop's connection to {@code node} failed, or would not read from a replica. */
    public void failed(int node, NodeHealth health) {
        if (node >= failedInRound.length) {
            int before = failedInRound.length;
            failedInRound = Arrays.copyOf(failedInRound, node + 1);
            Arrays.fill(failedInRound, before, failedInRound.length, -1);
        }
        failedInRound[node] = health.round();
    }

    private boolean usable(int node, NodeHealth health) {
        return health.reachable(node) && (node >= failedInRound.length || failedInRound[node] + 1 < health.round());
    }

    private int inTurn(int master, int[] replicas, NodeHealth health) {
        int first = turn % replicas.length;
        turn = turn == Integer.MAX_VALUE ? 0 : turn + 1;
        for (int i = 0; i < replicas.length; i++) {
            int replica = replicas[(first + i) % replicas.length];
            if (usable(replica, health)) {
                return replica;
            }
        }
        return master;
    }

    private int nearest(int master, int[] replicas, NodeHealth health) {
        int best = SlotMap.NO_NODE;
        long bestNanos = Long.MAX_VALUE;
        for (int replica : replicas) {
            long nanos = health.roundTripNanos(replica);
            if (nanos < bestNanos && usable(replica, health)) {
                best = replica;
                bestNanos = nanos;
            }
        }
        if (best == SlotMap.NO_NODE) {
            return master;
        }
        long masterNanos = health.roundTripNanos(master);
        if (masterNanos == NodeHealth.UNREACHABLE) {
            return best;
        }
        return bestNanos < masterNanos - Math.max(MIN_GAIN_NANOS, masterNanos / 10) ? best : master;
    }
}
