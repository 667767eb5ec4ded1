package dev.nutjar.bench;

import java.util.SplittableRandom;

/** Deterministic benchmark inputs. */
final class BenchKeys {
    private BenchKeys() {}

    /** {@code count} random printable-ASCII keys of {@code length} bytes, end to end in one array. */
    static byte[] printable(int count, int length, long seed) {
        byte[] keys = new byte[count * length];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < keys.length; i++) {
            keys[i] = (byte) random.nextInt('!', '~' + 1);
        }
        return keys;
    }

    /** {@code count} random unsigned 32-bit hashes, stored as ints (read them with {@code & 0xFFFFFFFFL}). */
    static int[] hashes(int count, long seed) {
        int[] hashes = new int[count];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            hashes[i] = random.nextInt();
        }
        return hashes;
    }
}
