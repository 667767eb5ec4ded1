package com.example.nutjar;

import dev.nutjar.hash.HashFunction;
import java.util.Objects;

/**
 * Dan Bernstein's djb2 string hash ({@code h = h * 33 + byte}, starting at 5381), as a third-party
 * Nutjar hash function. A configuration selects it with {@code hash: djb2}.
 */
public final class Djb2Hash implements HashFunction {
    @Override
    public String name() {
        return "djb2";
    }

    @Override
    public long hash(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        int h = 5381;
        for (int i = offset, end = offset + length; i < end; i++) {
            h = h * 33 + (key[i] & 0xff);
        }
        return h & 0xffffffffL;
    }
}
