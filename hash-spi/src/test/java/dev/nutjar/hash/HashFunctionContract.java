package dev.nutjar.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link HashFunction} keeps, as tests a provider inherits. Ships in this
 * module's test-jar ({@code nutjar-hash-spi}, type {@code test-jar}); the built-ins pass it too.
 *
 * <pre>{@code
 * class MyHashContractTest extends HashFunctionContract {
 *     @Override protected HashFunction function() { return new MyHash(); }
 *     @Override protected String expectedName() { return "my_hash"; }
 * }
 * }</pre>
 *
 * <p>It checks that the function is deterministic, returns unsigned 32-bit values, reads only the
 * range it is given and never writes to it, rejects ranges outside the array, agrees across
 * threads, allocates nothing per call, and is found by {@link java.util.ServiceLoader} under its
 * name. The provider's test class path needs JUnit Jupiter and AssertJ; the test-jar does not bring
 * them. Each check is a public method, so a provider can override one to disable it, saying why.
 */
public abstract class HashFunctionContract {
    private static final long MAX_UNSIGNED_32 = 0xFFFF_FFFFL;

    /** The function under test. May return the same instance or a new one on every call. */
    protected abstract HashFunction function();

    /** The name a pool configuration uses for this function, for example {@code fnv1a_64}. */
    protected abstract String expectedName();

    @Test
    public void nameIsTheExpectedLowercaseToken() {
        assertThat(function().name()).isEqualTo(expectedName()).matches("[a-z0-9][a-z0-9_.-]*");
    }

    @Test
    public void sameBytesAlwaysGiveTheSameHash() {
        HashFunction function = function();
        HashFunction another = function();
        for (byte[] key : keys()) {
            long first = function.hash(key, 0, key.length);
            assertThat(function.hash(key, 0, key.length)).as("again, key %s", Hex.encode(key)).isEqualTo(first);
            assertThat(function.hash(key.clone(), 0, key.length)).as("copy of key %s", Hex.encode(key)).isEqualTo(first);
            assertThat(another.hash(key, 0, key.length)).as("other instance, key %s", Hex.encode(key)).isEqualTo(first);
        }
    }

    @Test
    public void hashIsAnUnsigned32BitValue() {
        HashFunction function = function();
        for (byte[] key : keys()) {
            assertThat(function.hash(key, 0, key.length)).as("key %s", Hex.encode(key)).isBetween(0L, MAX_UNSIGNED_32);
        }
    }

    @Test
    public void wholeArrayOverloadEqualsTheFullRange() {
        HashFunction function = function();
        for (byte[] key : keys()) {
            assertThat(function.hash(key)).as("key %s", Hex.encode(key)).isEqualTo(function.hash(key, 0, key.length));
        }
    }

    @Test
    public void readsOnlyTheGivenRange() {
        HashFunction function = function();
        Random random = new Random(42);
        for (byte[] key : keys()) {
            long expected = function.hash(key, 0, key.length);
            for (int offset = 0; offset <= 8; offset++) {
                // Two different junk fills around the key: a function reading outside its range
                // would almost surely see them differ.
                for (int fill = 0; fill < 2; fill++) {
                    byte[] buffer = new byte[offset + key.length + 8];
                    random.nextBytes(buffer);
                    System.arraycopy(key, 0, buffer, offset, key.length);
                    assertThat(function.hash(buffer, offset, key.length))
                            .as("key %s at offset %d with junk around it", Hex.encode(key), offset)
                            .isEqualTo(expected);
                }
            }
        }
    }

    @Test
    public void neverWritesToTheKey() {
        HashFunction function = function();
        for (byte[] key : keys()) {
            byte[] before = key.clone();
            function.hash(key, 0, key.length);
            function.hash(key);
            assertThat(key).isEqualTo(before);
        }
    }

    @Test
    public void rejectsARangeOutsideTheArray() {
        HashFunction function = function();
        byte[] key = "0123456789".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> function.hash(key, -1, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> function.hash(key, 0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> function.hash(key, 4, 7)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> function.hash(key, 11, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> function.hash(key, 1, Integer.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> function.hash(null, 0, 0)).isInstanceOf(NullPointerException.class);
    }

    @Test
    public void threadsHashingTheSameKeysAgree() throws Exception {
        HashFunction function = function();
        List<byte[]> keys = keys();
        long[] expected = new long[keys.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = function.hash(keys.get(i));
        }
        int threads = 4;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Callable<long[]> work = () -> {
                    start.await(10, TimeUnit.SECONDS);
                    long[] seen = new long[keys.size()];
                    for (int round = 0; round < 50; round++) {
                        for (int i = 0; i < seen.length; i++) {
                            long h = function.hash(keys.get(i));
                            if (round > 0 && h != seen[i]) {
                                return null; // disagreed with itself
                            }
                            seen[i] = h;
                        }
                    }
                    return seen;
                };
                results.add(pool.submit(work));
            }
            for (Future<long[]> result : results) {
                assertThat(result.get(60, TimeUnit.SECONDS)).as("hashes seen by one thread").isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    public void differentKeysGiveManyDifferentHashes() {
        HashFunction function = function();
        Set<Long> hashes = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            hashes.add(function.hash(("key:" + i).getBytes(StandardCharsets.US_ASCII)));
        }
        // Loose on purpose: twemproxy's crc32 has only 15 bits. This catches constants and stubs.
        assertThat(hashes).as("distinct hashes of 1000 distinct keys").hasSizeGreaterThan(500);
    }

    @Test
    public void allocatesNothingPerCall() {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assertThat(threads).as("this JVM cannot count allocated bytes").isInstanceOf(com.sun.management.ThreadMXBean.class);
        com.sun.management.ThreadMXBean allocations = (com.sun.management.ThreadMXBean) threads;
        assertThat(allocations.isThreadAllocatedMemorySupported() && allocations.isThreadAllocatedMemoryEnabled())
                .as("this JVM cannot count allocated bytes").isTrue();

        HashFunction function = function();
        byte[] buffer = new byte[200];
        new Random(7).nextBytes(buffer);
        long sink = 0;
        for (int i = 0; i < 1000; i++) { // first calls link and load classes, which allocates
            sink += function.hash(buffer, i & 7, i & 127);
        }
        int calls = 10_000;
        long before = allocations.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < calls; i++) {
            sink += function.hash(buffer, i & 7, i & 127);
        }
        long allocated = allocations.getCurrentThreadAllocatedBytes() - before;
        // Any object is at least 16 bytes, so under one byte per call means no per-call object.
        assertThat(allocated).as("bytes allocated by %d calls (sink %d)", calls, sink).isLessThan(calls);
    }

    @Test
    public void isFoundThroughServiceLoaderUnderItsName() {
        Class<? extends HashFunction> type = function().getClass();
        HashFunction loaded = HashFunctions.load(type.getClassLoader()).get(expectedName());
        assertThat(loaded).as("provider of '%s'", expectedName()).isExactlyInstanceOf(type);
    }

    /** Empty, every single byte, all lengths to 80 and some long keys; the same on every call. */
    private static List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>();
        keys.add(new byte[0]);
        for (int b = 0; b < 256; b++) {
            keys.add(new byte[] {(byte) b});
        }
        Random random = new Random(20210701);
        for (int length = 2; length <= 80; length++) {
            byte[] key = new byte[length];
            random.nextBytes(key);
            keys.add(key);
        }
        for (int length : new int[] {127, 128, 255, 256, 1000, 4097}) {
            byte[] key = new byte[length];
            random.nextBytes(key);
            keys.add(key);
        }
        byte[] ascii = "user:{42}:profile".getBytes(StandardCharsets.US_ASCII);
        keys.add(ascii);
        keys.add(Arrays.copyOf(ascii, ascii.length + 1));
        return keys;
    }
}
