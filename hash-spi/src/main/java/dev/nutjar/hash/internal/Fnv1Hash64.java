package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;

/**
 * {@code fnv1_64}: the low 32 bits of FNV-1 64-bit, with each byte XORed sign-extended as
 * twemproxy does. The low 32 bits of a product depend only on the low 32 bits of its factors, so
 * the low halves of the 64-bit offset basis and prime are enough.
 */
public final class Fnv1Hash64 implements HashFunction {
    private static final int OFFSET_BASIS = 0x8422_2325;
    private static final int PRIME = 0x0000_01B3;

    @Override
    public String name() {
        return "fnv1_64";
    }

    @Override
    public long hash(byte[] key, int offset, int length) {
        return Fnv.fnv1(OFFSET_BASIS, PRIME, key, offset, length);
    }
}
