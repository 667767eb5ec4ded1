package dev.nutjar.server.cluster;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The nodes that serve one range of slots, as one node of the cluster tells it: the master and
 * its replicas that are up, the replicas in address order so that two nodes' views compare equal.
 */
public record ShardNodes(NodeAddress master, List<NodeAddress> replicas) {
    private static final Comparator<NodeAddress> ORDER =
            Comparator.comparing(NodeAddress::host).thenComparingInt(NodeAddress::port);

    public ShardNodes {
        Objects.requireNonNull(master, "master");
        replicas = replicas.stream().filter(r -> !r.equals(master)).distinct().sorted(ORDER).toList();
    }

    /** A master known without its replicas (a {@code MOVED} reply's target). */
    public static ShardNodes masterOnly(NodeAddress master) {
        return new ShardNodes(master, List.of());
    }
}
