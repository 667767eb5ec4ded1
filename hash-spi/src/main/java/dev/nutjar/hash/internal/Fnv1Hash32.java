package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;

/**
 * {@code fnv1_32}: FNV-1 32-bit, with each byte XORed sign-extended as twemproxy does.
 */
public final class Fnv1Hash32 implements HashFunction {
    private static final int OFFSET_BASIS = 0x811C_9DC5;
    private static final int PRIME = 0x0100_0193;

    @Override
    public String name() {
        return "fnv1_32";
    }

    @Override
    public long hash(byte[] key, int offset, int length) {
        return Fnv.fnv1(OFFSET_BASIS, PRIME, key, offset, length);
    }
}
