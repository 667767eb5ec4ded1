package dev.nutjar.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class HashTagTest {

    /** The examples of the reference (section 5) and rule P8; '-' stands for "the whole key". */
    @ParameterizedTest(name = "{0} with {1} hashes {2}")
    @CsvSource(delimiter = '|', textBlock = """
            user:{42}:a   | {} | 42
            a{b{c}d       | {} | b{c
            {}x           | {} | -
            {}{a}         | {} | -
            {tag          | {} | -
            abc}{def}     | {} | def
            }x{y}         | {} | y
            user:{42:name | {} | -
            plain         | {} | -
            {a}           | {} | a
            x{}           | {} | -
            a$b$c         | $$ | b
            a$$b$c        | $$ | -
            $$            | $$ | -
            """)
    void hashesTheTagContentOrTheWholeKey(String key, String tag, String expected) {
        String hashed = expected.equals("-") ? key : expected;
        HashTag hashTag = HashTag.of(tag);
        byte[] bytes = key.getBytes(StandardCharsets.US_ASCII);

        assertThat(slice(bytes, hashTag.span(bytes, 0, bytes.length))).isEqualTo(hashed);

        // Inside a larger array whose padding holds the tag characters: only the range counts.
        byte[] padded = ("{}$" + key + "}{$").getBytes(StandardCharsets.US_ASCII);
        assertThat(slice(padded, hashTag.span(padded, 3, bytes.length))).isEqualTo(hashed);
    }

    @Test
    void emptyKeyStaysEmpty() {
        long span = HashTag.of("{}").span(new byte[5], 2, 0);
        assertThat(HashTag.spanOffset(span)).isEqualTo(2);
        assertThat(HashTag.spanLength(span)).isZero();
    }

    @Test
    void spanPacksLargeOffsets() {
        long span = (long) Integer.MAX_VALUE << 32 | 7;
        assertThat(HashTag.spanOffset(span)).isEqualTo(Integer.MAX_VALUE);
        assertThat(HashTag.spanLength(span)).isEqualTo(7);
    }

    @Test
    void tagBytesAreComparedAsBytes() {
        HashTag tag = HashTag.of("\u00e9"); // one character, but the two bytes c3 a9
        assertThat(tag.opener()).isEqualTo((byte) 0xc3);
        assertThat(tag.closer()).isEqualTo((byte) 0xa9);
        byte[] key = {'a', (byte) 0xc3, 'b', (byte) 0xa9};
        long span = tag.span(key, 0, key.length);
        assertThat(HashTag.spanOffset(span)).isEqualTo(2);
        assertThat(HashTag.spanLength(span)).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "{}}", "abc"})
    void mustBeExactlyTwoBytes(String tag) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> HashTag.of(tag))
                .withMessage("hash_tag must be exactly two characters (was: '" + tag + "')");
    }

    @Test
    void valueSemantics() {
        assertThat(HashTag.of("{}")).isEqualTo(HashTag.of("{}")).hasSameHashCodeAs(HashTag.of("{}"));
        assertThat(HashTag.of("{}")).isNotEqualTo(HashTag.of("$$"));
        assertThat(HashTag.of("$$")).hasToString("$$");
    }

    private static String slice(byte[] bytes, long span) {
        return new String(bytes, HashTag.spanOffset(span), HashTag.spanLength(span), StandardCharsets.US_ASCII);
    }
}
