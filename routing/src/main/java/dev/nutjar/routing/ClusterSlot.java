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

    /** CRC-16/XMODEM (polynomial 0x1021, initial value 0), a byte at a time. */
    private static final int[] CRC16 = crc16Table();

    private ClusterSlot() {}

    /**
     * The slot of {@code key[offset, offset + length)}, as Redis's {@code CLUSTER KEYSLOT} answers.
     * One pass over a key without a tag: the CRC runs while the first <code>&#123;</code> is
     * looked for, and starts again over the tag only when there is one.
     */
    public static int of(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        int end = offset + length;
        int crc = 0;
        int i = offset;
        for (; i < end; i++) {
            byte b = key[i];
            if (b == '{') {
                int tag = tagSlot(key, i + 1, end);
                if (tag >= 0) {
                    return tag;
                }
                break;
            }
            crc = (crc << 8) ^ CRC16[((crc >>> 8) ^ b) & 0xFF];
        }
        // Past the first '{' (no tag, or an empty one) only the rest of the key's CRC is left.
        for (; i < end; i++) {
            crc = (crc << 8) ^ CRC16[((crc >>> 8) ^ key[i]) & 0xFF];
        }
        return crc & (SLOTS - 1);
    }

    /** The slot of the tag from {@code from} to the first <code>&#125;</code>; -1 when it is empty or unclosed. */
    private static int tagSlot(byte[] key, int from, int end) {
        int crc = 0;
        for (int i = from; i < end; i++) {
            byte b = key[i];
            if (b == '}') {
                return i > from ? crc & (SLOTS - 1) : -1;
            }
            crc = (crc << 8) ^ CRC16[((crc >>> 8) ^ b) & 0xFF];
        }
        return -1;
    }

    /** Each byte's entry: the CRC of that byte alone, the low 16 bits of twemproxy's {@code crc16}. */
    private static int[] crc16Table() {
        HashFunction crc16 = HashFunctions.get("crc16");
        int[] table = new int[256];
        for (int n = 0; n < table.length; n++) {
            table[n] = (int) crc16.hash(new byte[] {(byte) n}, 0, 1) & 0xFFFF;
        }
        return table;
    }
}
