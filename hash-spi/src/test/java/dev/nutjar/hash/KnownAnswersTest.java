package dev.nutjar.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The known answers of reference section 3, plus each function's value for the empty key. */
class KnownAnswersTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            # name,        foo,      abcdefghijklm, UTF-8 中 (e4 b8 ad), empty key
            one_at_a_time, 238678dd, 6d99f6dc,      a92bc4ad,            00000000
            md5,           db18bdac, d1bdae22,      bcdfd1ae,            d98c1dd4
            crc16,         0c3caf96, 72b79537,      bdfa8f12,            00000000
            crc32,         00000c73, 00005df4,      000055d1,            00000000
            crc32a,        8c736521, ddf46ea2,      d5d15a8b,            00000000
            fnv1_64,       6ba13533, 3df1e6a2,      943b7fb6,            84222325
            fnv1a_64,      fed9d577, 398bc308,      13ae71d4,            84222325
            fnv1_32,       408f5e13, e589b522,      d78fe576,            811c9dc5
            fnv1a_32,      a9f37ed7, 3b8356e8,      ea46dcf4,            811c9dc5
            hsieh,         76d4d427, 70ce5414,      4ed55646,            00000000
            murmur,        c4e0338f, 2987d8bb,      adf9bd86,            00000000
            jenkins,       99f84f99, b621e85f,      fd2d13a8,            deadbefc
            """)
    void matchesTwemproxy(String name, String foo, String alphabet, String zhong, String empty) {
        HashFunction function = HashFunctions.get(name);

        assertThat(hex(function.hash(utf8("foo")))).as("foo").isEqualTo(foo);
        assertThat(hex(function.hash(utf8("abcdefghijklm")))).as("abcdefghijklm").isEqualTo(alphabet);
        assertThat(hex(function.hash(utf8("中")))).as("中").isEqualTo(zhong);
        assertThat(hex(function.hash(new byte[0]))).as("empty key").isEqualTo(empty);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String hex(long hash) {
        return String.format("%08x", hash);
    }
}
