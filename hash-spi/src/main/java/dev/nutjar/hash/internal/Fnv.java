package dev.nutjar.hash.internal;

import java.util.Objects;

/**
 * The FNV loops shared by the four FNV functions, which differ only in their constants and in
 * whether they multiply before or after the XOR. Each byte is XORed sign-extended, as
 * twemproxy's {@code char} is. Small and static, so each caller's constants fold in when inlined.
 */
final class Fnv {
    private Fnv() {}

    /** FNV-1: multiply, then XOR. */
    static long fnv1(int basis, int prime, byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        int h = basis;
        for (int i = offset, end = offset + length; i < end; i++) {
            h *= prime;
            h ^= key[i]; // sign-extended on purpose
        }
        return h & 0xFFFF_FFFFL;
    }

    /** FNV-1a: XOR, then multiply. */
    static long fnv1a(int basis, int prime, byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        int h = basis;
        for (int i = offset, end = offset + length; i < end; i++) {
            h ^= key[i]; // sign-extended on purpose
            h *= prime;
        }
        return h & 0xFFFF_FFFFL;
    }
}
