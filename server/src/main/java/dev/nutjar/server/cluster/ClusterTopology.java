package dev.nutjar.server.cluster;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster pool's slot map, shared by every event loop: published as an immutable
 * {@link SlotMap} that the loops read without a lock, and refreshed on a thread of its own —
 * at start from the first seed that answers, then periodically, soon after a node fails or
 * redirects, each time asking several nodes and taking the view most of them agree on (one node
 * cut off from the others must not win). Where reads may go to replicas, it also times a
 * {@code PING} to every node serving a slot, each period, on a second thread (a node that does not
 * answer must not hold up the map), and publishes the times as {@link NodeHealth}.
 */
public final class ClusterTopology implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterTopology.class);

    /** How many nodes a refresh asks at most. */
    static final int MAX_ASKED = 5;
    /** A burst of failures or redirects refreshes once. */
    static final long SOON_MILLIS = 50;

    private final String pool;
    private final List<NodeAddress> seeds;
    private final ClusterProbe probe;
    private final long periodMillis;
    private final AtomicReference<SlotMap> map = new AtomicReference<>(SlotMap.EMPTY);
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private final ScheduledExecutorService refresher;
    private volatile NodeHealth health = NodeHealth.NONE;
    /** Why the last node that did not tell the map did not (a refused connection, a failed TLS handshake). */
    private volatile String lastFailure = "";
    /** Times the nodes' PINGs; null where reads only go to masters. */
    private final ScheduledExecutorService pinger;

    /**
     * @param seeds the nodes to ask first; any one that answers is enough
     * @param periodMillis how often the map is refreshed with nothing to prompt it
     */
    public ClusterTopology(String pool, List<NodeAddress> seeds, ClusterProbe probe, long periodMillis) {
        this(pool, seeds, probe, periodMillis, false);
    }

    /** @param timeRoundTrips whether to time every node's PING each period ({@link #health()}) */
    public ClusterTopology(String pool, List<NodeAddress> seeds, ClusterProbe probe, long periodMillis,
            boolean timeRoundTrips) {
        this.pool = pool;
        this.seeds = List.copyOf(seeds);
        this.probe = probe;
        this.periodMillis = periodMillis;
        this.refresher = thread("nutjar-cluster-" + pool);
        this.pinger = timeRoundTrips ? thread("nutjar-cluster-ping-" + pool) : null;
    }

    private static ScheduledExecutorService thread(String name) {
        return Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Learns the map now, from the seeds (a seed that does not answer is skipped; when none does,
     * the proxy starts anyway and the periodic refresh keeps trying), then refreshes periodically.
     */
    public void start() {
        refresh();
        if (!map.get().isKnown()) {
            log.warn("pool '{}': no seed node answered ({}{}); requests fail until one does", pool, seeds, lastFailure);
        }
        refresher.scheduleWithFixedDelay(this::refreshQuietly, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        if (pinger != null) {
            timeRoundTrips();
            pinger.scheduleWithFixedDelay(this::timeRoundTripsQuietly, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** The map as known now. One volatile read. */
    public SlotMap current() {
        return map.get();
    }

    /** The nodes' round-trip times as last measured; {@link NodeHealth#NONE} unless they are timed. */
    public NodeHealth health() {
        return health;
    }

    /** A node failed or sent a redirect: the map is refreshed shortly, once for a burst. */
    public void refreshSoon() {
        if (refreshQueued.compareAndSet(false, true)) {
            try {
                refresher.schedule(this::refreshQuietly, SOON_MILLIS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                refreshQueued.set(false);
            }
        }
    }

    /** A node answered {@code MOVED slot address}: the map says so at once, and is refreshed soon. */
    public SlotMap moved(int slot, NodeAddress address) {
        SlotMap now = map.updateAndGet(m -> m.withSlot(slot, address));
        refreshSoon();
        return now;
    }

    /** The map, knowing {@code address} (an {@code ASK} target): its node index is then stable. */
    public SlotMap know(NodeAddress address) {
        return map.updateAndGet(m -> m.withNode(address));
    }

    private void refreshQuietly() {
        quietly(this::refresh, "refreshing the slot map");
    }

    /** Runs a task of the topology's threads: what it throws is logged, and the next period comes. */
    private void quietly(Runnable task, String what) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.warn("pool '{}': {} failed", pool, what, e);
        }
    }

    /** Asks up to {@link #MAX_ASKED} nodes (masters known, then seeds) and takes the majority view. */
    void refresh() {
        refreshQueued.set(false);
        Set<NodeAddress> candidates = new LinkedHashSet<>(map.get().masters());
        candidates.addAll(seeds);
        List<ShardNodes[]> views = new ArrayList<>();
        List<Integer> votes = new ArrayList<>();
        int asked = 0;
        for (NodeAddress node : candidates) {
            if (asked == MAX_ASKED) {
                break;
            }
            ShardNodes[] shape;
            try {
                shape = probe.shape(node);
            } catch (IOException e) {
                log.debug("pool '{}': node {} did not tell the slot map: {}", pool, node, e.getMessage());
                lastFailure = "; " + node + ": " + e.getMessage();
                continue;
            }
            asked++;
            if (Arrays.stream(shape).allMatch(a -> a == null)) {
                continue;
            }
            vote(views, votes, shape);
        }
        int best = -1;
        for (int i = 0; i < views.size(); i++) {
            if (best < 0 || votes.get(i) > votes.get(best)) {
                best = i;
            }
        }
        if (best < 0) {
            return;
        }
        ShardNodes[] chosen = views.get(best);
        SlotMap before = map.get();
        SlotMap after = map.updateAndGet(m -> m.with(chosen));
        if (after != before && after.version() != before.version()) {
            log.info("pool '{}': slot map v{} from {} of {} nodes asked: masters {} and {} replicas up", pool,
                    after.version(), votes.get(best), asked, after.masters(),
                    after.serving().size() - after.masters().size());
        }
    }

    private void timeRoundTripsQuietly() {
        quietly(this::timeRoundTrips, "timing the nodes' PINGs");
    }

    /** Times a PING to every node that serves a slot, and publishes the times. */
    void timeRoundTrips() {
        SlotMap now = map.get();
        long[] samples = new long[now.nodeCount()];
        Arrays.fill(samples, NodeHealth.UNREACHABLE);
        NodeHealth before = health;
        for (NodeAddress node : now.serving()) {
            int index = now.indexOf(node);
            try {
                samples[index] = probe.roundTrip(node);
            } catch (IOException e) {
                if (before.reachable(index) || before.round() == 0) {
                    log.info("pool '{}': node {} does not answer PING ({}); no read goes to it as a replica until it does",
                            pool, node, e.getMessage());
                }
                continue;
            }
            if (!before.reachable(index) && before.round() > 0) {
                log.info("pool '{}': node {} answers PING again", pool, node);
            }
        }
        health = before.next(samples);
    }

    private static void vote(List<ShardNodes[]> views, List<Integer> votes, ShardNodes[] shape) {
        for (int i = 0; i < views.size(); i++) {
            if (Arrays.equals(views.get(i), shape)) {
                votes.set(i, votes.get(i) + 1);
                return;
            }
        }
        views.add(shape);
        votes.add(1);
    }

    /** Stops refreshing. */
    @Override
    public void close() {
        refresher.shutdownNow();
        if (pinger != null) {
            pinger.shutdownNow();
        }
    }
}
