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
 * cut off from the others must not win).
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

    /**
     * @param seeds the nodes to ask first; any one that answers is enough
     * @param periodMillis how often the map is refreshed with nothing to prompt it
     */
    public ClusterTopology(String pool, List<NodeAddress> seeds, ClusterProbe probe, long periodMillis) {
        this.pool = pool;
        this.seeds = List.copyOf(seeds);
        this.probe = probe;
        this.periodMillis = periodMillis;
        this.refresher = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "nutjar-cluster-" + pool);
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
            log.warn("pool '{}': no seed node answered ({}); requests fail until one does", pool, seeds);
        }
        refresher.scheduleWithFixedDelay(this::refreshQuietly, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** The map as known now. One volatile read. */
    public SlotMap current() {
        return map.get();
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
        try {
            refresh();
        } catch (RuntimeException e) {
            log.warn("pool '{}': refreshing the slot map failed", pool, e);
        }
    }

    /** Asks up to {@link #MAX_ASKED} nodes (masters known, then seeds) and takes the majority view. */
    void refresh() {
        refreshQueued.set(false);
        Set<NodeAddress> candidates = new LinkedHashSet<>(map.get().masters());
        candidates.addAll(seeds);
        List<NodeAddress[]> views = new ArrayList<>();
        List<Integer> votes = new ArrayList<>();
        int asked = 0;
        for (NodeAddress node : candidates) {
            if (asked == MAX_ASKED) {
                break;
            }
            NodeAddress[] shape;
            try {
                shape = probe.shape(node);
            } catch (IOException e) {
                log.debug("pool '{}': node {} did not tell the slot map: {}", pool, node, e.getMessage());
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
        NodeAddress[] chosen = views.get(best);
        SlotMap before = map.get();
        SlotMap after = map.updateAndGet(m -> m.with(chosen));
        if (after != before && after.version() != before.version()) {
            log.info("pool '{}': slot map v{} from {} of {} nodes asked: masters {}", pool, after.version(),
                    votes.get(best), asked, after.masters());
        }
    }

    private static void vote(List<NodeAddress[]> views, List<Integer> votes, NodeAddress[] shape) {
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
    }
}
