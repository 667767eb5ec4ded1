package dev.nutjar.routing;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctions;
import java.util.Objects;

/**
 * The Redis Cluster slot of a key: CRC16 (XMODEM) of the key, or of its <code>&#123;...&#125;</code> hash
 * tag, modulo {@link #SLOTS}. The tag rule is Redis's, which differs from a pool's {@link HashTag}
 * in one case: an empty tag (<code>&#123;&#125;</code>) makes Redis hash the whole key, and so
 * does this. Allocates nothing; thread-safe.
 */
public final class ClusterSlot {
    /** The number of slots of a Redis Cluster. */
    public static final int SLOTS = 16384;

    /** twemproxy's {@code crc16}, whose low 16 bits are the XMODEM CRC that Redis Cluster uses. */
    private static final HashFunction CRC16 = HashFunctions.get("crc16");

    private ClusterSlot() {}

    /** The slot of {@code key[offset, offset + length)}, as Redis's {@code CLUSTER KEYSLOT} answers. */
    public static int of(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        int end = offset + length;
        for (int open = offset; open < end; open++) {
            if (key[open] == '{') {
                for (int close = open + 1; close < end; close++) {
                    if (key[close] == '}') {
                        if (close > open + 1) {
                            return crc16(key, open + 1, close) & (SLOTS - 1);
                        }
                        break;
                    }
                }
                break;
            }
        }
        return crc16(key, offset, end) & (SLOTS - 1);
    }

    /** CRC16-XMODEM of {@code key[from, to)}: the low 16 bits of twemproxy's {@code crc16}. */
    private static int crc16(byte[] key, int from, int to) {
        return (int) CRC16.hash(key, from, to - from) & 0xffff;
    }
}
