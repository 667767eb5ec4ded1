package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import java.util.Objects;

/**
 * {@code murmur}: MurmurHash2 (32-bit) with libmemcached's length-dependent seed,
 * {@code 0xdeadbeef * length}, reading 4-byte blocks little-endian.
 */
public final class MurmurHash implements HashFunction {
    private static final int M = 0x5BD1_E995;
    private static final int R = 24;

    @Override
    public String name() {
        return "murmur";
    }

    @Override
    public long hash(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        int seed = 0xDEAD_BEEF * length;
        int h = seed ^ length;
        int i = offset;
        for (int end = offset + (length & ~3); i < end; i += 4) {
            int k = LittleEndian.getInt(key, i);
            k *= M;
            k ^= k >>> R;
            k *= M;
            h *= M;
            h ^= k;
        }
        int tail = length & 3;
        if (tail != 0) {
            h ^= LittleEndian.getPartialInt(key, i, tail);
            h *= M;
        }
        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h & 0xFFFF_FFFFL;
    }
}
