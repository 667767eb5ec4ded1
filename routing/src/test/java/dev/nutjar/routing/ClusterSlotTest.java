package dev.nutjar.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctions;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClusterSlotTest {

    /** The slots redis-server 7.0 answers to {@code CLUSTER KEYSLOT key}. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "foo|12182", "bar|5061", "123456789|12739",
        "{user1000}.following|3443", "{user1000}.followers|3443",
        "foo{}{bar}|8363", "foo{{bar}}zap|4015", "foo{bar}{zap}|5061",
        "{}|15257", "a{b|13340", "user:{42}:a|8000", "''|0"})
    void matchesRedisClusterKeyslot(String key, int slot) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        assertThat(ClusterSlot.of(bytes, 0, bytes.length)).isEqualTo(slot);
    }

    @ParameterizedTest
    @CsvSource({"xxfooyy,2,3,12182", "--{user1000}.following--,2,20,3443", "{a}foo,3,3,12182"})
    void honoursOffsetAndLength(String key, int offset, int length, int slot) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        assertThat(ClusterSlot.of(bytes, offset, length)).isEqualTo(slot);
    }

    /** Random keys over a few letters and braces, against Redis's rule spelled out on twemproxy's {@code crc16}. */
    @Test
    void agreesWithTheTagRuleOverTheCrc16HashFunction() {
        HashFunction crc16 = HashFunctions.get("crc16");
        byte[] alphabet = "ab{}".getBytes(StandardCharsets.US_ASCII);
        Random random = new Random(21);
        for (int n = 0; n < 20_000; n++) {
            byte[] key = new byte[random.nextInt(12)];
            for (int i = 0; i < key.length; i++) {
                key[i] = alphabet[random.nextInt(alphabet.length)];
            }
            int from = 0;
            int to = key.length;
            int open = indexOf(key, '{', 0);
            if (open >= 0) {
                int close = indexOf(key, '}', open + 1);
                if (close > open + 1) {
                    from = open + 1;
                    to = close;
                }
            }
            int expected = (int) (crc16.hash(key, from, to - from) & (ClusterSlot.SLOTS - 1));
            assertThat(ClusterSlot.of(key, 0, key.length)).as(new String(key, StandardCharsets.US_ASCII)).isEqualTo(expected);
        }
    }

    private static int indexOf(byte[] key, char c, int from) {
        for (int i = from; i < key.length; i++) {
            if (key[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
