package dev.nutjar.server.proxy;

import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.config.PoolConfig;
import dev.nutjar.server.reload.ConfigDiff;
import io.netty.channel.Channel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a reload's diff to the running server, pool by pool. Bindings come first, so that a
 * failure leaves everything as it was; then changed pools move to their new generation, removed
 * pools drain, added pools start listening.
 */
final class ReloadSteps {
    /** Under Proxy's name, as before these lines moved here: log filters keep working. */
    private static final Logger log = LoggerFactory.getLogger(Proxy.class);

    /** How long a removed pool's clients have to get their last replies before they are closed. */
    static final long REMOVED_POOL_GRACE_MILLIS = 5_000;

    private final ProxyServer server;
    private final PoolGenerations generations;
    private final ConfigDiff diff;
    private final NutjarConfig next;
    private final Map<String, ProxyServer.PoolSlot> slots = new HashMap<>();
    /** By pool name: the new generation of each changed pool that keeps its protocol. */
    private final Map<String, PoolRuntime> changed = new HashMap<>();
    /** New pools, and changed pools whose protocol changed (a new pool under the old name). */
    private final List<ConfigDiff.PoolChange> added = new ArrayList<>();
    /** Removed pools, and changed pools whose protocol changed (the old pool drains). */
    private final List<ConfigDiff.PoolChange> removed = new ArrayList<>();
    private final Map<String, ProxyServer.PoolSlot> newSlots = new HashMap<>();
    /** By pool name: the new listener of a pool that moves to another address. */
    private final Map<String, Channel> newChannels = new HashMap<>();

    ReloadSteps(ProxyServer server, PoolGenerations generations, ConfigDiff diff, NutjarConfig next) {
        this.server = server;
        this.generations = generations;
        this.diff = diff;
        this.next = next;
    }

    /** Applies the diff; when it throws, nothing changed. */
    void apply() throws IOException {
        for (ProxyServer.PoolSlot slot : server.slots()) {
            slots.put(slot.name(), slot);
        }
        buildGenerations();
        bindListeners();
        switchChangedPools();
        // 4. Removed pools drain; 5. the new file order.
        for (ConfigDiff.PoolChange pool : removed) {
            PoolGenerations.stop(slots.get(pool.name()).current);
            server.removePool(slots.get(pool.name()), REMOVED_POOL_GRACE_MILLIS);
        }
        startAddedPools();
        List<ProxyServer.PoolSlot> order = new ArrayList<>();
        for (PoolConfig pool : next.poolsInFileOrder()) {
            ProxyServer.PoolSlot slot = newSlots.containsKey(pool.name()) ? newSlots.get(pool.name())
                    : slots.get(pool.name());
            order.add(slot);
        }
        server.slots(order);
    }

    /** 1. New generations and new pools, built but not yet serving: building can fail. */
    private void buildGenerations() throws IOException {
        for (ConfigDiff.PoolChange pool : diff.pools()) {
            switch (pool.kind()) {
                case ADDED -> added.add(pool);
                case REMOVED -> removed.add(pool);
                case CHANGED -> {
                    if (pool.protocolChanged()) {
                        added.add(pool);
                        removed.add(pool);
                    } else {
                        PoolRuntime now = slots.get(pool.name()).current;
                        changed.put(pool.name(), generations.build(now.id, pool.after(), now.sharedClientCount(), now));
                    }
                }
                case UNCHANGED -> { }
            }
        }
    }

    /** 2. Every new listener, before anything changes; on a failure, what this reload built is undone. */
    private void bindListeners() throws IOException {
        try {
            for (ConfigDiff.PoolChange pool : added) {
                PoolRuntime runtime = generations.build(server.newPoolId(), pool.after(), new AtomicInteger(), null);
                ProxyServer.PoolSlot slot = server.addPool(runtime, PoolGenerations.listener(pool.after()));
                newSlots.put(pool.name(), slot);
                if (pool.kind() == ConfigDiff.Kind.CHANGED) {
                    // Same name, new protocol: the old pool's address is freed first, so it cannot
                    // be opened before; its clients are drained as a removed pool's.
                    continue;
                }
                slot.channel = server.bind(slot, slot.listener);
            }
            for (ConfigDiff.PoolChange pool : diff.pools()) {
                if (pool.listenChanged() && !pool.protocolChanged()) {
                    ProxyServer.PoolSlot slot = slots.get(pool.name());
                    newChannels.put(pool.name(), server.bind(slot, PoolGenerations.listener(pool.after())));
                }
            }
        } catch (IOException | RuntimeException e) {
            changed.values().forEach(PoolGenerations::stop);
            for (ProxyServer.PoolSlot slot : newSlots.values()) {
                PoolGenerations.stop(slot.current);
                server.removePool(slot, 0);
            }
            for (Channel channel : newChannels.values()) {
                channel.close().syncUninterruptibly();
            }
            throw e;
        }
    }

    /** 3. Changed pools move to their new generation, loop by loop; then their new listeners take over. */
    private void switchChangedPools() {
        for (var entry : changed.entrySet()) {
            ProxyServer.PoolSlot slot = slots.get(entry.getKey());
            PoolRuntime now = slot.current;
            PoolRuntime nextGeneration = entry.getValue();
            ConfigDiff.PoolChange change = diff.pool(entry.getKey()).orElseThrow();
            server.replacePool(slot, nextGeneration, nextGeneration.routing.previousIndexes(now.routing),
                    !change.newConnections());
            SentinelPools.follow(server, nextGeneration);
            PoolGenerations.stop(now);
            ProxyServer.Listener listener = PoolGenerations.listener(change.after());
            Channel channel = newChannels.get(entry.getKey());
            if (channel != null) {
                Channel old = slot.channel;
                ProxyServer.Listener oldListener = slot.listener;
                slot.listener = listener;
                slot.channel = channel;
                old.close().syncUninterruptibly();
                server.drainClientsOf(slot, old);
                if (!oldListener.describe().equals(listener.describe())) {
                    ProxyServer.removeSocketFile(oldListener);
                }
                log.info("pool '{}' listening on {}; stopped listening on {}", entry.getKey(), listener.describe(),
                        oldListener.describe());
            } else {
                slot.listener = listener;
            }
            if (change.after().preconnect()) {
                server.preconnect(nextGeneration);
            }
        }
    }

    /** Added pools follow their sentinels and listen (a changed protocol's pool only now). */
    private void startAddedPools() throws IOException {
        for (ConfigDiff.PoolChange pool : added) {
            ProxyServer.PoolSlot slot = newSlots.get(pool.name());
            SentinelPools.follow(server, slot.current);
            if (slot.channel == null) {
                slot.channel = server.bind(slot, slot.listener);
            }
            log.info("pool '{}' listening on {}", pool.name(), slot.listener.describe());
            if (pool.after().preconnect()) {
                server.preconnect(slot.current);
            }
        }
    }
}
