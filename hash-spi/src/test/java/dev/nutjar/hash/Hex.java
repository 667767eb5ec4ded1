package dev.nutjar.hash;

import java.util.HexFormat;

/** Keys in failure messages and vector files are lowercase hex. */
final class Hex {
    private static final HexFormat HEX = HexFormat.of();

    private Hex() {}

    static byte[] decode(String hex) {
        return HEX.parseHex(hex);
    }

    static String encode(byte[] bytes) {
        return HEX.formatHex(bytes);
    }
}
