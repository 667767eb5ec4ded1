package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import java.util.Objects;

/**
 * {@code crc32}: libmemcached's variant, bits 16..30 of the standard CRC-32, so only 15 bits
 * (0 to 32767). For all 32 bits use {@code crc32a}.
 */
public final class Crc32Hash implements HashFunction {
    @Override
    public String name() {
        return "crc32";
    }

    @Override
    public long hash(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        return (Crc32aHash.crc32(key, offset, length) >>> 16) & 0x7FFF;
    }
}
