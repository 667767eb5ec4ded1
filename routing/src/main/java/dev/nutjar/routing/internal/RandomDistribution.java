package dev.nutjar.routing.internal;

import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.ServerSpec;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * twemproxy's {@code random}: every key of every request goes to a live server picked at random.
 * The hash is ignored, and so are weights, as nutcracker ignores them.
 */
public final class RandomDistribution implements Distribution {

    /** The name a configuration uses. */
    public static final String NAME = "random";

    /** For {@link java.util.ServiceLoader}. */
    public RandomDistribution() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Selector newSelector(List<ServerSpec> liveServers) {
        int serverCount = Weights.requireServers(NAME, liveServers);
        return new RandomSelector(serverCount);
    }

    private static final class RandomSelector implements Selector {
        private final int serverCount;

        RandomSelector(int serverCount) {
            this.serverCount = serverCount;
        }

        @Override
        public int select(long hash) {
            return serverCount == 1 ? 0 : ThreadLocalRandom.current().nextInt(serverCount);
        }

        @Override
        public String toString() {
            return "random over " + serverCount + " servers";
        }
    }
}
