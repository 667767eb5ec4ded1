package dev.nutjar.server.proxy;

import dev.nutjar.protocol.SessionRole;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One client's pub/sub subscriptions over every server: the channels and shard channels with the
 * server each lives on, and the patterns (on every server). The counts a client sees are its totals
 * here, as one Redis would count them, not any one server's.
 */
final class Subscriptions {
    private final Map<ByteBuffer, Integer> channels = new LinkedHashMap<>();
    private final Map<ByteBuffer, Integer> shardChannels = new LinkedHashMap<>();
    private final Set<ByteBuffer> patterns = new LinkedHashSet<>();

    /** Whether the client is subscribed to anything: then it is in subscribed mode. */
    boolean any() {
        return !channels.isEmpty() || !shardChannels.isEmpty() || !patterns.isEmpty();
    }

    /** The count a confirmation of {@code role} carries: shard channels for the S- commands, else channels and patterns. */
    long count(SessionRole role) {
        return role == SessionRole.SSUBSCRIBE || role == SessionRole.SUNSUBSCRIBE
                ? shardChannels.size()
                : channels.size() + patterns.size();
    }

    /** Subscribes {@code name} on {@code server} (ignored for a pattern, which is on every server). */
    void add(SessionRole role, byte[] name, int server) {
        ByteBuffer key = ByteBuffer.wrap(name);
        switch (role) {
            case SUBSCRIBE -> channels.put(key, server);
            case SSUBSCRIBE -> shardChannels.put(key, server);
            case PSUBSCRIBE -> patterns.add(key);
            default -> throw new IllegalArgumentException(role.toString());
        }
    }

    /**
     * Unsubscribes {@code name} for an unsubscription of {@code role}.
     *
     * @return the server it was on ({@link Upstream#NO_SERVER} for a pattern), or -2 when it was not subscribed
     */
    int remove(SessionRole role, byte[] name) {
        ByteBuffer key = ByteBuffer.wrap(name);
        Integer server = switch (role) {
            case UNSUBSCRIBE -> channels.remove(key);
            case SUNSUBSCRIBE -> shardChannels.remove(key);
            case PUNSUBSCRIBE -> patterns.remove(key) ? Upstream.NO_SERVER : null;
            default -> throw new IllegalArgumentException(role.toString());
        };
        return server == null ? NOT_SUBSCRIBED : server;
    }

    static final int NOT_SUBSCRIBED = -2;

    /** Every name an unsubscription of {@code role} without arguments drops, in the order they were subscribed. */
    List<byte[]> all(SessionRole role) {
        Iterator<ByteBuffer> names = switch (role) {
            case UNSUBSCRIBE -> channels.keySet().iterator();
            case SUNSUBSCRIBE -> shardChannels.keySet().iterator();
            case PUNSUBSCRIBE -> patterns.iterator();
            default -> throw new IllegalArgumentException(role.toString());
        };
        List<byte[]> all = new ArrayList<>();
        names.forEachRemaining(name -> all.add(name.array()));
        return all;
    }

    /** Whether anything the client listens to lives on {@code server}: patterns live on every server. */
    boolean anyOn(int server) {
        return !patterns.isEmpty() || channels.containsValue(server) || shardChannels.containsValue(server);
    }
}
