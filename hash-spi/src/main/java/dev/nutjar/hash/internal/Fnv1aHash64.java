package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;

/**
 * {@code fnv1a_64}: twemproxy's default hash. The low 32 bits of FNV-1a 64-bit (twemproxy
 * itself computes it in 32 bits with the low halves of the 64-bit offset basis and prime), with each
 * byte XORed sign-extended.
 */
public final class Fnv1aHash64 implements HashFunction {
    private static final int OFFSET_BASIS = 0x8422_2325;
    private static final int PRIME = 0x0000_01B3;

    @Override
    public String name() {
        return "fnv1a_64";
    }

    @Override
    public long hash(byte[] key, int offset, int length) {
        return Fnv.fnv1a(OFFSET_BASIS, PRIME, key, offset, length);
    }
}
