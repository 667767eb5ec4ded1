package dev.nutjar.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
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
}
