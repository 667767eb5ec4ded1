package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import java.util.Objects;

/**
 * {@code jenkins}: Bob Jenkins' lookup3 {@code hashlittle} with an initval of 13. The last 1 to 12
 * bytes are zero-padded; the empty key hashes to {@code 0xdeadbeef + 13}.
 */
public final class JenkinsHash implements HashFunction {
    private static final int INITVAL = 13;

    @Override
    public String name() {
        return "jenkins";
    }

    @Override
    public long hash(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        int a = 0xDEAD_BEEF + length + INITVAL;
        int b = a;
        int c = a;
        int i = offset;
        int remaining = length;
        // Strictly more than 12: the last block, even a full one, goes through the final mix instead.
        while (remaining > 12) {
            a += LittleEndian.getInt(key, i);
            b += LittleEndian.getInt(key, i + 4);
            c += LittleEndian.getInt(key, i + 8);
            a -= c; a ^= Integer.rotateLeft(c, 4);  c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6);  a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8);  b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4);  b += a;
            i += 12;
            remaining -= 12;
        }
        if (remaining == 0) {
            return c & 0xFFFF_FFFFL;
        }
        a += word(key, i, remaining);
        if (remaining > 4) {
            b += word(key, i + 4, remaining - 4);
        }
        if (remaining > 8) {
            c += word(key, i + 8, remaining - 8);
        }
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c & 0xFFFF_FFFFL;
    }

    /** Up to four bytes little-endian, zero-padded when fewer than four remain. */
    private static int word(byte[] key, int index, int available) {
        return available >= 4
                ? LittleEndian.getInt(key, index)
                : LittleEndian.getPartialInt(key, index, available);
    }
}
