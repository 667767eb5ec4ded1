package dev.nutjar.hash.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Unaligned little-endian reads and writes; the JIT turns each into a single load or store. */
final class LittleEndian {
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private LittleEndian() {}

    static int getInt(byte[] bytes, int index) {
        return (int) INT.get(bytes, index);
    }

    static void putInt(byte[] bytes, int index, int value) {
        INT.set(bytes, index, value);
    }

    static int getUnsignedShort(byte[] bytes, int index) {
        return (short) SHORT.get(bytes, index) & 0xFFFF;
    }

    /** The first {@code count} (0 to 3) bytes at {@code index}, unsigned, zero-padded: a partial word. */
    static int getPartialInt(byte[] bytes, int index, int count) {
        int word = 0;
        for (int i = count - 1; i >= 0; i--) {
            word = (word << 8) | (bytes[index + i] & 0xFF);
        }
        return word;
    }
}
