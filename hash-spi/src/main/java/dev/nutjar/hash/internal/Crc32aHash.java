package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import java.util.Objects;

/** {@code crc32a}: the standard CRC-32 (IEEE 802.3, as zlib computes it), all 32 bits. */
public final class Crc32aHash implements HashFunction {
    private static final int[] TABLE = ieeeTable();

    @Override
    public String name() {
        return "crc32a";
    }

    @Override
    public long hash(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        return crc32(key, offset, length) & 0xFFFF_FFFFL;
    }

    /** The standard CRC-32 of the range; the caller checks the bounds. */
    static int crc32(byte[] key, int offset, int length) {
        int crc = 0xFFFF_FFFF;
        for (int i = offset, end = offset + length; i < end; i++) {
            crc = (crc >>> 8) ^ TABLE[(crc ^ key[i]) & 0xFF];
        }
        return ~crc;
    }

    private static int[] ieeeTable() {
        int[] table = new int[256];
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int bit = 0; bit < 8; bit++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0xEDB8_8320 : c >>> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
