package dev.nutjar.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Md5Test {

    @ParameterizedTest(name = "md5(\"{0}\")")
    @CsvSource(delimiter = '|', emptyValue = "", textBlock = """
            ''                                                                               | d41d8cd98f00b204e9800998ecf8427e
            a                                                                                | 0cc175b9c0f1b6a831c399e269772661
            abc                                                                              | 900150983cd24fb0d6963f7d28e17f72
            message digest                                                                   | f96b697d7cb7938d525a2f31aaf161d0
            abcdefghijklmnopqrstuvwxyz                                                       | c3fcd3d76192e4007dfb496cca67e13b
            ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789                   | d174ab98d277d9f5a5611c2c9f419d9f
            12345678901234567890123456789012345678901234567890123456789012345678901234567890 | 57edf4a22be3c955ac49da2e2107b67a
            """)
    void rfc1321TestSuite(String input, String digestHex) {
        byte[] in = input.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[Md5.DIGEST_LENGTH];
        Md5.digest(in, 0, in.length, out);
        assertThat(Hex.encode(out)).isEqualTo(digestHex);
    }

    @Test
    void agreesWithMessageDigestForEveryLengthAroundTheBlockBoundaries() throws Exception {
        MessageDigest jdk = MessageDigest.getInstance("MD5");
        Random random = new Random(1321);
        byte[] out = new byte[Md5.DIGEST_LENGTH];
        for (int length = 0; length <= 300; length++) {
            byte[] key = new byte[length];
            random.nextBytes(key);
            int offset = length % 9;
            byte[] buffer = new byte[offset + length + 5];
            random.nextBytes(buffer);
            System.arraycopy(key, 0, buffer, offset, length);

            Md5.digest(buffer, offset, length, out);

            assertThat(out).as("length %d at offset %d", length, offset).isEqualTo(jdk.digest(key));
        }
    }

    @Test
    void littleEndianWordsAreKetamaPoints() {
        // ac bd 18 db | 4c c2 f8 5c | ed ef 65 4f | cc c4 a4 d8, each group read back to front.
        byte[] in = "foo".getBytes(StandardCharsets.US_ASCII);
        byte[] digest = new byte[Md5.DIGEST_LENGTH];
        Md5.digest(in, 0, in.length, digest);

        assertThat(Hex.encode(digest)).isEqualTo("acbd18db4cc2f85cedef654fccc4a4d8");
        assertThat(Md5.littleEndianWord(digest, 0)).isEqualTo(0xdb18bdacL);
        assertThat(Md5.littleEndianWord(digest, 1)).isEqualTo(0x5cf8c24cL);
        assertThat(Md5.littleEndianWord(digest, 2)).isEqualTo(0x4f65efedL);
        assertThat(Md5.littleEndianWord(digest, 3)).isEqualTo(0xd8a4c4ccL);
        assertThat(Md5.littleEndianWord(digest, 0)).isEqualTo(HashFunctions.get("md5").hash(in));
    }

    @Test
    void writesOnlyTheFirstSixteenBytesOfALargerOutput() {
        byte[] out = new byte[20];
        Arrays.fill(out, (byte) 0x5a);
        Md5.digest(new byte[0], 0, 0, out);
        assertThat(Hex.encode(out)).isEqualTo("d41d8cd98f00b204e9800998ecf8427e5a5a5a5a");
    }

    @Test
    void rejectsBadRangesAndShortOutputWithoutWriting() {
        byte[] in = new byte[10];
        byte[] shortOut = new byte[15];
        byte[] out = new byte[Md5.DIGEST_LENGTH];
        assertThatThrownBy(() -> Md5.digest(in, 5, 6, out)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Md5.digest(in, 0, 10, shortOut)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(shortOut).containsOnly(0);
        assertThat(out).containsOnly(0);
        assertThatThrownBy(() -> Md5.littleEndianWord(out, 4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Md5.littleEndianWord(out, -1)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
