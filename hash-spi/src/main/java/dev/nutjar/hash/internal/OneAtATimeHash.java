package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import java.util.Objects;

/**
 * {@code one_at_a_time}: Bob Jenkins' one-at-a-time hash as twemproxy computes it, adding each byte
 * sign-extended (twemproxy reads the key through a signed {@code char}).
 */
public final class OneAtATimeHash implements HashFunction {
    @Override
    public String name() {
        return "one_at_a_time";
    }

    @Override
    public long hash(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        int h = 0;
        for (int i = offset, end = offset + length; i < end; i++) {
            h += key[i]; // sign-extended on purpose
            h += h << 10;
            h ^= h >>> 6;
        }
        h += h << 3;
        h ^= h >>> 11;
        h += h << 15;
        return h & 0xFFFF_FFFFL;
    }
}
