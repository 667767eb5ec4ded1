package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import java.util.Objects;

/**
 * {@code crc16}: the CRC-16/XMODEM table (polynomial 0x1021, initial value 0) run on a 32-bit
 * register that twemproxy never masks to 16 bits. The low 16 bits are the XMODEM CRC; the high 16
 * keep the bits shifted out, so the result is usually above 0xFFFF. Not the Redis Cluster slot.
 */
public final class Crc16Hash implements HashFunction {
    private static final int[] TABLE = xmodemTable();

    @Override
    public String name() {
        return "crc16";
    }

    @Override
    public long hash(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        int crc = 0;
        for (int i = offset, end = offset + length; i < end; i++) {
            crc = (crc << 8) ^ TABLE[((crc >>> 8) ^ key[i]) & 0xFF];
        }
        return crc & 0xFFFF_FFFFL;
    }

    private static int[] xmodemTable() {
        int[] table = new int[256];
        for (int n = 0; n < 256; n++) {
            int c = n << 8;
            for (int bit = 0; bit < 8; bit++) {
                c = (c & 0x8000) != 0 ? (c << 1) ^ 0x1021 : c << 1;
            }
            table[n] = c & 0xFFFF;
        }
        return table;
    }
}
