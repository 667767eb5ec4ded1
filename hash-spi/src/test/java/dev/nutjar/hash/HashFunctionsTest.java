package dev.nutjar.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HashFunctionsTest {

    @Test
    void registryHoldsExactlyTheTwelveTwemproxyFunctions() {
        assertThat(HashFunctions.registry().names()).containsExactly(
                "crc16", "crc32", "crc32a", "fnv1_32", "fnv1_64", "fnv1a_32", "fnv1a_64",
                "hsieh", "jenkins", "md5", "murmur", "one_at_a_time");
    }

    @Test
    void builtInsAreTheInternalImplementations() {
        assertThat(HashFunctions.registry().providers())
                .allSatisfy(f -> assertThat(f.getClass().getPackageName()).isEqualTo("dev.nutjar.hash.internal"));
    }

    @Test
    void defaultIsFnv1a64AndRegistered() {
        assertThat(HashFunctions.DEFAULT).isEqualTo("fnv1a_64");
        assertThat(HashFunctions.get(HashFunctions.DEFAULT).name()).isEqualTo("fnv1a_64");
    }

    @Test
    void registryIsLoadedOnce() {
        assertThat(HashFunctions.registry()).isSameAs(HashFunctions.registry());
    }

    @Test
    void unknownNameListsTheValidOnes() {
        assertThatThrownBy(() -> HashFunctions.get("fnv1a-64"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown hash function 'fnv1a-64'; valid names: crc16, crc32, crc32a,")
                .hasMessageEndingWith("murmur, one_at_a_time");
    }
}
