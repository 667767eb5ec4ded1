package dev.nutjar.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every function against the raw twemproxy 0.5.0 outputs in the repository's
 * {@code conformance/hash_vectors.tsv}, read in place. A missing file fails the test: silently
 * skipping it would hide a broken checkout.
 */
class HashVectorsTest {
    private static final String CONFORMANCE_DIR_PROPERTY = "nutjar.conformance.dir";
    private static final int REPORTED_MISMATCHES = 5;
    private static final Pattern KEY_COUNT = Pattern.compile("# key_count: *(\\d+) *");

    /** One function column of the file: its name and, per row, the expected unsigned hash. */
    private record Column(String function, long[] expected) {}

    private record Vectors(Path file, int declaredKeyCount, List<byte[]> keys, List<Column> columns) {}

    private static Vectors vectors;

    @Test
    void theFileHasAColumnForEveryRegisteredFunctionAndNoOther() {
        Vectors v = vectors();
        assertThat(v.columns()).extracting(Column::function)
                .containsExactlyInAnyOrderElementsOf(HashFunctions.registry().names());
        assertThat(v.keys()).as("rows in %s (its header says key_count: %d)", v.file(), v.declaredKeyCount())
                .hasSize(v.declaredKeyCount());
    }

    @TestFactory
    Stream<DynamicTest> everyFunctionMatchesEveryVector() {
        Vectors v = vectors();
        return v.columns().stream().map(column -> dynamicTest(column.function(), () -> {
            HashFunction function = HashFunctions.get(column.function());
            assertAllMatch(column, v.keys(), "", i -> {
                byte[] key = v.keys().get(i);
                return function.hash(key, 0, key.length);
            });
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyFunctionMatchesAtOffsetsOneToSevenWithJunkAround() {
        Vectors v = vectors();
        return v.columns().stream().map(column -> dynamicTest(column.function(), () -> {
            HashFunction function = HashFunctions.get(column.function());
            Random junk = new Random(column.function().hashCode());
            for (int offset = 1; offset <= 7; offset++) {
                int at = offset;
                assertAllMatch(column, v.keys(), " at offset " + offset, i -> {
                    byte[] key = v.keys().get(i);
                    byte[] buffer = new byte[at + key.length + 9];
                    junk.nextBytes(buffer);
                    System.arraycopy(key, 0, buffer, at, key.length);
                    return function.hash(buffer, at, key.length);
                });
            }
        }));
    }

    private static void assertAllMatch(Column column, List<byte[]> keys, String where, IntFunction<Long> actual) {
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            long expected = column.expected()[i];
            long got = actual.apply(i);
            if (got != expected) {
                mismatches.add(String.format("key %s: expected %d, got %d", shortHex(keys.get(i)), expected, got));
            }
        }
        if (!mismatches.isEmpty()) {
            fail("%s%s: %d of %d vectors differ; first ones:%n  %s", column.function(), where, mismatches.size(),
                    keys.size(), String.join("\n  ", mismatches.subList(0, Math.min(REPORTED_MISMATCHES, mismatches.size()))));
        }
    }

    private static String shortHex(byte[] key) {
        if (key.length == 0) {
            return "(empty)";
        }
        String hex = Hex.encode(key);
        return key.length <= 32 ? hex : hex.substring(0, 64) + "... (" + key.length + " bytes)";
    }

    private static synchronized Vectors vectors() {
        if (vectors == null) {
            vectors = load();
        }
        return vectors;
    }

    private static Vectors load() {
        String conformanceDir = System.getProperty(CONFORMANCE_DIR_PROPERTY);
        if (conformanceDir == null || conformanceDir.isBlank()) {
            fail("system property %s is not set; the parent pom sets it to <checkout>/conformance"
                    + " (run the tests through Maven)", CONFORMANCE_DIR_PROPERTY);
        }
        Path file = Path.of(conformanceDir, "hash_vectors.tsv").toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            fail("hash vectors not found at %s (from -D%s=%s); they are part of the repository, never skipped",
                    file, CONFORMANCE_DIR_PROPERTY, conformanceDir);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }

        int row = 0;
        int declaredKeyCount = -1;
        for (; row < lines.size() && lines.get(row).startsWith("#"); row++) {
            Matcher keyCount = KEY_COUNT.matcher(lines.get(row));
            if (keyCount.matches()) {
                declaredKeyCount = Integer.parseInt(keyCount.group(1));
            }
        }
        if (declaredKeyCount < 0) {
            fail("%s has no key_count in its header", file);
        }
        if (row == lines.size()) {
            fail("%s has no column line", file);
        }
        List<String> header = Arrays.asList(lines.get(row++).split("\t", -1));
        int keyColumn = header.indexOf("key_hex");
        int lengthColumn = header.indexOf("len");
        assertThat(keyColumn).as("key_hex column in %s", file).isNotNegative();
        assertThat(lengthColumn).as("len column in %s", file).isNotNegative();

        List<byte[]> keys = new ArrayList<>();
        List<long[]> values = new ArrayList<>();
        for (; row < lines.size(); row++) {
            String line = lines.get(row);
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split("\t", -1);
            assertThat(fields).as("fields on line %d of %s", row + 1, file).hasSameSizeAs(header);
            byte[] key = Hex.decode(fields[keyColumn]);
            assertThat(key.length).as("len on line %d of %s", row + 1, file)
                    .isEqualTo(Integer.parseInt(fields[lengthColumn]));
            long[] rowValues = new long[header.size()];
            for (int c = 0; c < header.size(); c++) {
                if (c != keyColumn && c != lengthColumn) {
                    rowValues[c] = Integer.toUnsignedLong(Integer.parseUnsignedInt(fields[c]));
                }
            }
            keys.add(key);
            values.add(rowValues);
        }

        List<Column> columns = new ArrayList<>();
        for (int c = 0; c < header.size(); c++) {
            if (c != keyColumn && c != lengthColumn) {
                long[] expected = new long[keys.size()];
                for (int r = 0; r < expected.length; r++) {
                    expected[r] = values.get(r)[c];
                }
                columns.add(new Column(header.get(c), expected));
            }
        }
        return new Vectors(file, declaredKeyCount, List.copyOf(keys), List.copyOf(columns));
    }
}
