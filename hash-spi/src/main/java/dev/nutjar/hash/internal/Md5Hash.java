package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import java.util.Objects;

/**
 * {@code md5}: the first four bytes of the MD5 digest read little-endian.
 *
 * <p>MD5 is computed here rather than with {@link java.security.MessageDigest}, which allocates a
 * digest object and copies the input; this one keeps its whole state in local variables.
 */
public final class Md5Hash implements HashFunction {
    @Override
    public String name() {
        return "md5";
    }

    @Override
    public long hash(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        return digest(key, offset, length, null) & 0xFFFF_FFFFL;
    }

    /**
     * The engine behind {@link dev.nutjar.hash.Md5#digest}; not API. Computes the MD5 of
     * {@code in[offset, offset + length)}, writes the 16 digest bytes to {@code out[0..15]} unless
     * {@code out} is null, and returns digest bytes 0..3 as a little-endian int. The caller checks
     * the bounds.
     */
    public static int digest(byte[] in, int offset, int length, byte[] out) {
        int a = 0x6745_2301;
        int b = 0xEFCD_AB89;
        int c = 0x98BA_DCFE;
        int d = 0x1032_5476;
        int lengthBitsLow = length << 3;
        int lengthBitsHigh = length >>> 29;
        int position = offset;
        int remaining = length;
        boolean markerWritten = false;
        boolean lastBlock = false;
        do {
            int x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15;
            if (remaining >= 64) {
                x0 = LittleEndian.getInt(in, position);
                x1 = LittleEndian.getInt(in, position + 4);
                x2 = LittleEndian.getInt(in, position + 8);
                x3 = LittleEndian.getInt(in, position + 12);
                x4 = LittleEndian.getInt(in, position + 16);
                x5 = LittleEndian.getInt(in, position + 20);
                x6 = LittleEndian.getInt(in, position + 24);
                x7 = LittleEndian.getInt(in, position + 28);
                x8 = LittleEndian.getInt(in, position + 32);
                x9 = LittleEndian.getInt(in, position + 36);
                x10 = LittleEndian.getInt(in, position + 40);
                x11 = LittleEndian.getInt(in, position + 44);
                x12 = LittleEndian.getInt(in, position + 48);
                x13 = LittleEndian.getInt(in, position + 52);
                x14 = LittleEndian.getInt(in, position + 56);
                x15 = LittleEndian.getInt(in, position + 60);
                position += 64;
                remaining -= 64;
            } else if (!markerWritten) {
                // The rest of the data, the 0x80 marker, zeros and, when there is room, the length.
                x0 = tailWord(in, position, remaining, 0);
                x1 = tailWord(in, position, remaining, 4);
                x2 = tailWord(in, position, remaining, 8);
                x3 = tailWord(in, position, remaining, 12);
                x4 = tailWord(in, position, remaining, 16);
                x5 = tailWord(in, position, remaining, 20);
                x6 = tailWord(in, position, remaining, 24);
                x7 = tailWord(in, position, remaining, 28);
                x8 = tailWord(in, position, remaining, 32);
                x9 = tailWord(in, position, remaining, 36);
                x10 = tailWord(in, position, remaining, 40);
                x11 = tailWord(in, position, remaining, 44);
                x12 = tailWord(in, position, remaining, 48);
                x13 = tailWord(in, position, remaining, 52);
                x14 = tailWord(in, position, remaining, 56);
                x15 = tailWord(in, position, remaining, 60);
                markerWritten = true;
                if (remaining < 56) {
                    x14 = lengthBitsLow;
                    x15 = lengthBitsHigh;
                    lastBlock = true;
                }
            } else {
                // The data ended too close to a block end for the length: one more block of zeros.
                x0 = 0;
                x1 = 0;
                x2 = 0;
                x3 = 0;
                x4 = 0;
                x5 = 0;
                x6 = 0;
                x7 = 0;
                x8 = 0;
                x9 = 0;
                x10 = 0;
                x11 = 0;
                x12 = 0;
                x13 = 0;
                x14 = lengthBitsLow;
                x15 = lengthBitsHigh;
                lastBlock = true;
            }

            int aa = a;
            int bb = b;
            int cc = c;
            int dd = d;

            a = ff(a, b, c, d, x0, 7, 0xD76A_A478);
            d = ff(d, a, b, c, x1, 12, 0xE8C7_B756);
            c = ff(c, d, a, b, x2, 17, 0x2420_70DB);
            b = ff(b, c, d, a, x3, 22, 0xC1BD_CEEE);
            a = ff(a, b, c, d, x4, 7, 0xF57C_0FAF);
            d = ff(d, a, b, c, x5, 12, 0x4787_C62A);
            c = ff(c, d, a, b, x6, 17, 0xA830_4613);
            b = ff(b, c, d, a, x7, 22, 0xFD46_9501);
            a = ff(a, b, c, d, x8, 7, 0x6980_98D8);
            d = ff(d, a, b, c, x9, 12, 0x8B44_F7AF);
            c = ff(c, d, a, b, x10, 17, 0xFFFF_5BB1);
            b = ff(b, c, d, a, x11, 22, 0x895C_D7BE);
            a = ff(a, b, c, d, x12, 7, 0x6B90_1122);
            d = ff(d, a, b, c, x13, 12, 0xFD98_7193);
            c = ff(c, d, a, b, x14, 17, 0xA679_438E);
            b = ff(b, c, d, a, x15, 22, 0x49B4_0821);

            a = gg(a, b, c, d, x1, 5, 0xF61E_2562);
            d = gg(d, a, b, c, x6, 9, 0xC040_B340);
            c = gg(c, d, a, b, x11, 14, 0x265E_5A51);
            b = gg(b, c, d, a, x0, 20, 0xE9B6_C7AA);
            a = gg(a, b, c, d, x5, 5, 0xD62F_105D);
            d = gg(d, a, b, c, x10, 9, 0x0244_1453);
            c = gg(c, d, a, b, x15, 14, 0xD8A1_E681);
            b = gg(b, c, d, a, x4, 20, 0xE7D3_FBC8);
            a = gg(a, b, c, d, x9, 5, 0x21E1_CDE6);
            d = gg(d, a, b, c, x14, 9, 0xC337_07D6);
            c = gg(c, d, a, b, x3, 14, 0xF4D5_0D87);
            b = gg(b, c, d, a, x8, 20, 0x455A_14ED);
            a = gg(a, b, c, d, x13, 5, 0xA9E3_E905);
            d = gg(d, a, b, c, x2, 9, 0xFCEF_A3F8);
            c = gg(c, d, a, b, x7, 14, 0x676F_02D9);
            b = gg(b, c, d, a, x12, 20, 0x8D2A_4C8A);

            a = hh(a, b, c, d, x5, 4, 0xFFFA_3942);
            d = hh(d, a, b, c, x8, 11, 0x8771_F681);
            c = hh(c, d, a, b, x11, 16, 0x6D9D_6122);
            b = hh(b, c, d, a, x14, 23, 0xFDE5_380C);
            a = hh(a, b, c, d, x1, 4, 0xA4BE_EA44);
            d = hh(d, a, b, c, x4, 11, 0x4BDE_CFA9);
            c = hh(c, d, a, b, x7, 16, 0xF6BB_4B60);
            b = hh(b, c, d, a, x10, 23, 0xBEBF_BC70);
            a = hh(a, b, c, d, x13, 4, 0x289B_7EC6);
            d = hh(d, a, b, c, x0, 11, 0xEAA1_27FA);
            c = hh(c, d, a, b, x3, 16, 0xD4EF_3085);
            b = hh(b, c, d, a, x6, 23, 0x0488_1D05);
            a = hh(a, b, c, d, x9, 4, 0xD9D4_D039);
            d = hh(d, a, b, c, x12, 11, 0xE6DB_99E5);
            c = hh(c, d, a, b, x15, 16, 0x1FA2_7CF8);
            b = hh(b, c, d, a, x2, 23, 0xC4AC_5665);

            a = ii(a, b, c, d, x0, 6, 0xF429_2244);
            d = ii(d, a, b, c, x7, 10, 0x432A_FF97);
            c = ii(c, d, a, b, x14, 15, 0xAB94_23A7);
            b = ii(b, c, d, a, x5, 21, 0xFC93_A039);
            a = ii(a, b, c, d, x12, 6, 0x655B_59C3);
            d = ii(d, a, b, c, x3, 10, 0x8F0C_CC92);
            c = ii(c, d, a, b, x10, 15, 0xFFEF_F47D);
            b = ii(b, c, d, a, x1, 21, 0x8584_5DD1);
            a = ii(a, b, c, d, x8, 6, 0x6FA8_7E4F);
            d = ii(d, a, b, c, x15, 10, 0xFE2C_E6E0);
            c = ii(c, d, a, b, x6, 15, 0xA301_4314);
            b = ii(b, c, d, a, x13, 21, 0x4E08_11A1);
            a = ii(a, b, c, d, x4, 6, 0xF753_7E82);
            d = ii(d, a, b, c, x11, 10, 0xBD3A_F235);
            c = ii(c, d, a, b, x2, 15, 0x2AD7_D2BB);
            b = ii(b, c, d, a, x9, 21, 0xEB86_D391);

            a += aa;
            b += bb;
            c += cc;
            d += dd;
        } while (!lastBlock);

        if (out != null) {
            LittleEndian.putInt(out, 0, a);
            LittleEndian.putInt(out, 4, b);
            LittleEndian.putInt(out, 8, c);
            LittleEndian.putInt(out, 12, d);
        }
        return a;
    }

    /**
     * The word at {@code wordOffset} of the final data block, which holds the last
     * {@code remaining} (0 to 63) bytes from {@code position}, then the 0x80 marker, then zeros.
     */
    private static int tailWord(byte[] in, int position, int remaining, int wordOffset) {
        int dataBytes = remaining - wordOffset;
        if (dataBytes >= 4) {
            return LittleEndian.getInt(in, position + wordOffset);
        }
        if (dataBytes < 0) {
            return 0;
        }
        return LittleEndian.getPartialInt(in, position + wordOffset, dataBytes) | (0x80 << (dataBytes << 3));
    }

    private static int ff(int a, int b, int c, int d, int x, int s, int t) {
        return b + Integer.rotateLeft(a + ((b & c) | (~b & d)) + x + t, s);
    }

    private static int gg(int a, int b, int c, int d, int x, int s, int t) {
        return b + Integer.rotateLeft(a + ((b & d) | (c & ~d)) + x + t, s);
    }

    private static int hh(int a, int b, int c, int d, int x, int s, int t) {
        return b + Integer.rotateLeft(a + (b ^ c ^ d) + x + t, s);
    }

    private static int ii(int a, int b, int c, int d, int x, int s, int t) {
        return b + Integer.rotateLeft(a + (c ^ (b | ~d)) + x + t, s);
    }
}
