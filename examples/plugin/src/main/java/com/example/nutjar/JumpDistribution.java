package com.example.nutjar;

import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.ServerSpec;
import java.util.List;

/**
 * Lamping and Veach's jump consistent hash, as a third-party Nutjar distribution: no ring to
 * build, no memory per server, and when a server is added at the end only 1/n of the keys move.
 * It ignores weights. A configuration selects it with {@code distribution: jump}.
 */
public final class JumpDistribution implements Distribution {
    @Override
    public String name() {
        return "jump";
    }

    @Override
    public Selector newSelector(List<ServerSpec> liveServers) {
        int buckets = liveServers.size();
        return hash -> jump(hash, buckets);
    }

    /** The bucket of {@code key} among {@code buckets}, from the paper. */
    static int jump(long key, int buckets) {
        long b = -1;
        long j = 0;
        while (j < buckets) {
            b = j;
            key = key * 2862933555777941757L + 1;
            j = (long) ((b + 1) * ((double) (1L << 31) / (double) ((key >>> 33) + 1)));
        }
        return (int) b;
    }
}
