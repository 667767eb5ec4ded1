package dev.nutjar.server.proxy;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/** Per pool and server, how often an ejected server came back on the ring: rare, so atomic. */
final class ServerReturns {
    private final AtomicLongArray[] returns;

    ServerReturns(List<Integer> serversPerPool) {
        returns = new AtomicLongArray[serversPerPool.size()];
        for (int p = 0; p < returns.length; p++) {
            returns[p] = new AtomicLongArray(serversPerPool.get(p));
        }
    }

    void returned(int poolId, int server) {
        returns[poolId].incrementAndGet(server);
    }

    long of(int poolId, int server) {
        return returns[poolId].get(server);
    }
}
