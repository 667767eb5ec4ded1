package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import java.util.Objects;

/**
 * {@code hsieh}: Paul Hsieh's SuperFastHash as libmemcached and twemproxy have it: the initial hash
 * is 0 rather than the length, the empty key hashes to 0, the one-byte tail is read unsigned and the
 * third byte of a three-byte tail sign-extended.
 */
public final class HsiehHash implements HashFunction {
    @Override
    public String name() {
        return "hsieh";
    }

    @Override
    public long hash(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        if (length == 0) {
            return 0;
        }
        int h = 0;
        int i = offset;
        for (int end = offset + (length & ~3); i < end; i += 4) {
            h += LittleEndian.getUnsignedShort(key, i);
            int tmp = (LittleEndian.getUnsignedShort(key, i + 2) << 11) ^ h;
            h = (h << 16) ^ tmp;
            h += h >>> 11;
        }
        switch (length & 3) {
            case 3:
                h += LittleEndian.getUnsignedShort(key, i);
                h ^= h << 16;
                h ^= key[i + 2] << 18; // sign-extended on purpose
                h += h >>> 11;
                break;
            case 2:
                h += LittleEndian.getUnsignedShort(key, i);
                h ^= h << 11;
                h += h >>> 17;
                break;
            case 1:
                h += key[i] & 0xFF;
                h ^= h << 10;
                h += h >>> 1;
                break;
            default:
                break;
        }
        h ^= h << 3;
        h += h >>> 5;
        h ^= h << 4;
        h += h >>> 17;
        h ^= h << 25;
        h += h >>> 6;
        return h & 0xFFFF_FFFFL;
    }
}
