package dev.nutjar.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.nutjar.hash.HashFunction;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerPoolTest {
    private static final dev.nutjar.hash.HashFunction FNV1A_64 = dev.nutjar.hash.HashFunctions.get("fnv1a_64");


    private static final HashFunction NEVER_CALLED = new HashFunction() {
        @Override
        public String name() {
            return "never_called";
        }

        @Override
        public long hash(byte[] key, int offset, int length) {
            throw new AssertionError("the hash function must not be called");
        }
    };

    @Test
    void sortsServersIntoTwemproxyOrderAndTranslatesIndexes() {
        ServerPool pool = pool(Distributions.get("modula"), "h:1:1 zeta", "h:2:1 b", "h:3:1 alpha", "h:4:1 cc");
        assertThat(pool.servers()).extracting(ServerSpec::name).containsExactly("b", "cc", "zeta", "alpha");
        assertThat(pool.configIndex(0)).isEqualTo(1);
        assertThat(pool.configIndex(3)).isEqualTo(2);
        for (int s = 0; s < 4; s++) {
            assertThat(pool.serverIndex(pool.configIndex(s))).isEqualTo(s);
        }
        assertThat(pool.server(2).name()).isEqualTo("zeta");
    }

    @Test
    void rejectsServersWithTheSameName() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> pool(Distributions.get("ketama"), "10.0.0.1:6379:1", "10.0.0.2:6379:1", "10.0.0.1:6379:2"))
                .withMessage("servers have the same name '10.0.0.1:6379': '10.0.0.1:6379:1' and '10.0.0.1:6379:2'");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> pool(Distributions.get("ketama"), "h:11211:1", "h:11211:2"))
                .withMessage("servers have the same name 'h': 'h:11211:1' and 'h:11211:2'");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> pool(Distributions.get("ketama"), "a:1:1 x", "b:2:1 x"))
                .withMessage("servers have the same name 'x': 'a:1:1 x' and 'b:2:1 x'");
    }

    @Test
    void validatesSettingsQuotingTheBadValue() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServerPool.builder("p").hashFunction(FNV1A_64).servers(List.of()).build())
                .withMessage("pool 'p' must have at least one server (was: none)");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServerPool.builder("p").hashFunction(FNV1A_64).build())
                .withMessage("pool 'p' must have at least one server (was: none)");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServerPool.builder("").servers(specs("h:1:1")).build())
                .withMessage("pool name must not be empty (was: '')");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServerPool.builder("p").serverFailureLimit(-1))
                .withMessage("serverFailureLimit must be >= 0 (was: -1)");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServerPool.builder("p").serverRetryTimeoutMillis(-5))
                .withMessage("serverRetryTimeoutMillis must be >= 0 (was: -5)");
    }

    @Test
    void emptyKeyHashesToZeroWithoutCallingTheFunction() {
        ServerPool pool = ServerPool.builder("p")
                .servers(specs("h:1:1", "h:2:1", "h:3:1"))
                .hashFunction(NEVER_CALLED)
                .distribution(Distributions.get("modula"))
                .build();
        assertThat(pool.hash(new byte[0])).isZero();
        assertThat(pool.route(new byte[3], 1, 0)).isZero(); // slot 0 of modula
    }

    @Test
    void oneServerPoolDoesNotHash() {
        ServerPool pool = ServerPool.builder("p")
                .servers(specs("h:1:3"))
                .hashFunction(NEVER_CALLED)
                .distribution(Distributions.get("modula"))
                .build();
        assertThat(pool.route(bytes("anything"))).isZero();
    }

    @Test
    void hashUsesTheTagContent() {
        ServerPool pool = ServerPool.builder("p")
                .servers(specs("h:1:1", "h:2:1"))
                .hashFunction(FNV1A_64)
                .hashTag(HashTag.of("{}"))
                .build();
        assertThat(pool.hashTag()).contains(HashTag.of("{}"));
        assertThat(pool.hash(bytes("user:{42}:name"))).isEqualTo(FNV1A_64.hash(bytes("42")));
        assertThat(pool.hash(bytes("{}x"))).isEqualTo(FNV1A_64.hash(bytes("{}x")));
        for (String key : new String[] {"a{1}", "b{1}", "{1}zzz", "{1}"}) {
            assertThat(pool.route(bytes(key))).isEqualTo(pool.route(bytes("1")));
        }
    }

    @Test
    void defaultsAreTwemproxys() {
        ServerPool pool = ServerPool.builder("p").servers(specs("h:1:1")).hashFunction(FNV1A_64).build();
        assertThat(pool.distribution().name()).isEqualTo("ketama");
        assertThat(pool.hashTag()).isEmpty();
        assertThat(pool.autoEjectHosts()).isFalse();
        assertThat(pool.serverFailureLimit()).isEqualTo(2);
        assertThat(pool.serverRetryTimeoutMillis()).isEqualTo(30_000);
        assertThat(pool.name()).isEqualTo("p");
    }

    @Test
    void routingAllocatesNothing() {
        ServerPool pool = ServerPool.builder("p")
                .servers(specs("h:1:1", "h:2:1", "h:3:1"))
                .hashFunction(FNV1A_64)
                .hashTag(HashTag.of("{}"))
                .build();
        byte[] key = bytes("user:{1234}:profile");

        // One allocation per call would be >= 160 KB; a few KB are the JIT's and the thread's own.
        assertThat(allocatedBytes(() -> pool.route(key, 0, key.length))).isLessThan(16 * 1024);
    }

    /**
     * The fewest bytes this thread allocates in 10,000 calls, over three tries after a warm-up:
     * the minimum, because a busy machine can leave compilation unfinished in one try.
     */
    private static long allocatedBytes(java.util.function.IntSupplier route) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int sink = 0;
        for (int i = 0; i < 50_000; i++) {
            sink += route.getAsInt();
        }
        long fewest = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3; attempt++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                sink += route.getAsInt();
            }
            fewest = Math.min(fewest, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertThat(sink).isNotNegative();
        return fewest;
    }

    @Test
    void serverForNamesTheServerNotAPositionInTheConfiguration() {
        // Configuration order is not server order: names sort "a" before "b".
        List<ServerSpec> configured = specs("10.0.0.9:6379:1 b", "10.0.0.1:6379:1 a");
        ServerPool pool = ServerPool.builder("p").servers(configured).hashFunction(FNV1A_64).build();
        int misrouted = 0;
        for (int i = 0; i < 200; i++) {
            String key = "key:" + i;
            ServerSpec chosen = pool.serverFor(key).orElseThrow();
            assertThat(chosen).isEqualTo(pool.server(pool.route(bytes(key))));
            assertThat(pool.serverFor(bytes(key))).contains(chosen);
            if (!configured.get(pool.route(bytes(key))).equals(chosen)) {
                misrouted++;
            }
        }
        assertThat(misrouted).as("keys that indexing the configuration's list would misroute").isPositive();
    }

    @Test
    void serverForIsEmptyWhenEveryServerIsEjected() {
        ServerPool pool = ServerPool.builder("p")
                .servers(specs("h:1:1", "h:2:1"))
                .hashFunction(FNV1A_64)
                .autoEjectHosts(true)
                .serverFailureLimit(1)
                .build();
        pool.recordFailure(0);
        assertThat(pool.serverFor("k")).contains(pool.server(1));
        pool.recordFailure(1);
        assertThat(pool.serverFor("k")).isEmpty();
        assertThat(pool.serverFor(new byte[0])).isEmpty();
    }

    @Test
    void randomIgnoresTheKey() {
        ServerPool pool = ServerPool.builder("p")
                .servers(specs("h:1:1", "h:2:9"))
                .hashFunction(FNV1A_64)
                .distribution(Distributions.get("random"))
                .build();
        int[] picks = new int[2];
        for (int i = 0; i < 1000; i++) {
            picks[pool.route(bytes("same"))]++;
        }
        assertThat(picks[0]).isBetween(350, 650); // uniform, weights ignored
    }

    @Test
    void routeChecksItsRange() {
        ServerPool pool = pool(Distributions.get("ketama"), "h:1:1", "h:2:1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> pool.route(new byte[3], 2, 2))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    static ServerPool pool(Distribution distribution, String... entries) {
        return ServerPool.builder("p").servers(specs(entries)).hashFunction(FNV1A_64).distribution(distribution).build();
    }

    static List<ServerSpec> specs(String... entries) {
        List<ServerSpec> specs = new ArrayList<>();
        for (String entry : entries) {
            specs.add(ServerSpec.parse(entry));
        }
        return specs;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
