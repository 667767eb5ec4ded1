package dev.nutjar.server.config;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.spi.ProviderRegistry;
import java.util.List;

/**
 * Registries holding providers named like twemproxy's, so configuration tests do not depend on
 * the real implementations. Only the names matter here: the stubs hash everything to 0.
 */
public final class StubProviders {
    private StubProviders() {}

    public static final List<String> HASH_NAMES = List.of(
            "one_at_a_time", "md5", "crc16", "crc32", "crc32a", "fnv1_64", "fnv1a_64", "fnv1_32", "fnv1a_32",
            "hsieh", "murmur", "jenkins");

    public static final List<String> DISTRIBUTION_NAMES = List.of("ketama", "modula", "random");

    record StubHash(String name) implements HashFunction {
        @Override
        public long hash(byte[] key, int offset, int length) {
            return 0;
        }
    }

    record StubDistribution(String name) implements Distribution {
        @Override
        public Selector newSelector(List<ServerSpec> liveServers) {
            return hash -> 0;
        }
    }

    public static ProviderRegistry<HashFunction> hashes() {
        return ProviderRegistry.of("hash function", HASH_NAMES.stream().map(StubHash::new).toList());
    }

    public static ProviderRegistry<Distribution> distributions() {
        return ProviderRegistry.of("distribution", DISTRIBUTION_NAMES.stream().map(StubDistribution::new).toList());
    }

    /** A loader over the stub registries that does not resolve listen hosts. */
    public static ConfigLoader loader() {
        return new ConfigLoader(hashes(), distributions());
    }
}
