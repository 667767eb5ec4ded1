package dev.nutjar.routing.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One file of twemproxy placement vectors, {@code conformance/placement/<pool_id>.tsv}: the
 * pool nutcracker ran, and for each key the server nutcracker sent it to. See
 * {@code conformance/README.md} for the format.
 *
 * <p>The header is read minimally, without a YAML library: {@link #headerYaml()} gives the whole
 * document for a module that has one; the few fields routing needs are picked out by line.
 */
public final class PlacementVectors {

    /** The system property, set by the parent pom, that locates the repository's {@code conformance} folder. */
    public static final String CONFORMANCE_DIR_PROPERTY = "nutjar.conformance.dir";

    private static final Pattern ENTRY = Pattern.compile("\\bentry: \"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One data row: the key, the server's position in the configuration, and the server's id. */
    public record Row(byte[] key, int serverIndex, String serverId) {}

    private final Path file;
    private final String poolId;
    private final String headerYaml;
    private final String nutcrackerConfig;
    private final String hash;
    private final String distribution;
    private final String hashTag;
    private final List<String> serverEntries;
    private final List<Row> rows;

    private PlacementVectors(Path file, String poolId, String headerYaml, String nutcrackerConfig, String hash,
            String distribution, String hashTag, List<String> serverEntries, List<Row> rows) {
        this.file = file;
        this.poolId = poolId;
        this.headerYaml = headerYaml;
        this.nutcrackerConfig = nutcrackerConfig;
        this.hash = hash;
        this.distribution = distribution;
        this.hashTag = hashTag;
        this.serverEntries = serverEntries;
        this.rows = rows;
    }

    /**
     * The {@code placement} folder inside the one named by {@value #CONFORMANCE_DIR_PROPERTY}.
     *
     * @throws IllegalStateException when the property is unset or the directory is missing: the
     *     vectors are required, never skipped
     */
    public static Path directory() {
        String conformance = System.getProperty(CONFORMANCE_DIR_PROPERTY);
        if (conformance == null || conformance.isBlank()) {
            throw new IllegalStateException("system property " + CONFORMANCE_DIR_PROPERTY
                    + " is not set; the parent pom sets it to <checkout>/conformance (run the tests through Maven)");
        }
        Path dir = Paths.get(conformance, "placement").toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("placement vectors directory is missing: " + dir + " (from -D"
                    + CONFORMANCE_DIR_PROPERTY + "=" + conformance + "); it is part of the repository, never skipped");
        }
        return dir;
    }

    /** Every {@code *.tsv} file of {@link #directory()}, sorted by name; fails if there is none. */
    public static List<Path> files() {
        Path dir = directory();
        try (Stream<Path> listing = Files.list(dir)) {
            List<Path> files = listing.filter(p -> p.getFileName().toString().endsWith(".tsv")).sorted().toList();
            if (files.isEmpty()) {
                throw new IllegalStateException("no placement vectors (*.tsv) in " + dir.toAbsolutePath());
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one file. */
    public static PlacementVectors load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> header = new ArrayList<>();
        int line = 0;
        while (line < lines.size() && lines.get(line).startsWith("#")) {
            String text = lines.get(line);
            header.add(text.length() >= 2 ? text.substring(2) : "");
            line++;
        }
        if (line == lines.size() || !lines.get(line).startsWith("key_hex\t")) {
            throw new IllegalArgumentException(file + ": no column line after the header");
        }
        line++;

        List<Row> rows = new ArrayList<>();
        for (; line < lines.size(); line++) {
            String text = lines.get(line);
            if (text.isEmpty()) {
                continue;
            }
            String[] fields = text.split("\t", -1);
            if (fields.length != 3) {
                throw new IllegalArgumentException(file + ":" + (line + 1) + ": expected 3 fields (was: " + text + ")");
            }
            rows.add(new Row(hexToBytes(fields[0]), Integer.parseInt(fields[1]), fields[2]));
        }

        String poolId = null;
        String hash = null;
        String distribution = null;
        String hashTag = null;
        boolean hashTagSeen = false;
        List<String> entries = new ArrayList<>();
        boolean inPool = false;
        for (String text : header) {
            if (!text.startsWith(" ") && !text.startsWith("#")) {
                inPool = text.startsWith("pool:");
                if (text.startsWith("pool_id:")) {
                    poolId = scalar(text.substring("pool_id:".length()));
                }
            } else if (inPool) {
                if (text.startsWith("  hash:")) {
                    hash = scalar(text.substring("  hash:".length()));
                } else if (text.startsWith("  distribution:")) {
                    distribution = scalar(text.substring("  distribution:".length()));
                } else if (text.startsWith("  hash_tag:")) {
                    hashTag = scalar(text.substring("  hash_tag:".length()));
                    hashTagSeen = true;
                } else {
                    Matcher entry = ENTRY.matcher(text);
                    if (entry.find()) {
                        entries.add(unescape(entry.group(1)));
                    }
                }
            }
        }
        if (poolId == null || hash == null || distribution == null || !hashTagSeen || entries.isEmpty()) {
            throw new IllegalArgumentException(file + ": header lacks pool_id, pool.hash, pool.distribution,"
                    + " pool.hash_tag or pool.servers (found: pool_id=" + poolId + ", hash=" + hash
                    + ", distribution=" + distribution + ", hash_tag seen=" + hashTagSeen + ", servers=" + entries + ")");
        }
        return new PlacementVectors(file, poolId, String.join("\n", header) + "\n", literalBlock(header, "nutcracker_config"),
                hash, distribution, hashTag, List.copyOf(entries), List.copyOf(rows));
    }

    /** The value after a key: unquoted up to a comment, or a double-quoted string; {@code null} is null. */
    static String scalar(String raw) {
        String text = raw.strip();
        if (text.startsWith("\"")) {
            int end = 1;
            while (end < text.length() && text.charAt(end) != '"') {
                end += text.charAt(end) == '\\' ? 2 : 1;
            }
            return unescape(text.substring(1, end));
        }
        int comment = text.indexOf(" #");
        if (comment >= 0) {
            text = text.substring(0, comment).strip();
        }
        return text.equals("null") || text.equals("~") ? null : text;
    }

    private static String unescape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                c = text.charAt(++i);
                switch (c) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    default -> out.append(c);
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** The text of the literal block scalar ({@code key: |}) at the top level of the header. */
    static String literalBlock(List<String> header, String key) {
        int start = header.indexOf(key + ": |");
        if (start < 0) {
            throw new IllegalArgumentException("header has no '" + key + ": |' block");
        }
        StringBuilder block = new StringBuilder();
        int indent = -1;
        for (int i = start + 1; i < header.size(); i++) {
            String text = header.get(i);
            if (text.isBlank()) {
                block.append('\n');
                continue;
            }
            int leading = text.length() - text.stripLeading().length();
            if (indent < 0) {
                indent = leading;
            }
            if (leading < indent || indent == 0) {
                break;
            }
            block.append(text, indent, text.length()).append('\n');
        }
        // Clip chomping: a single final line break.
        int end = block.length();
        while (end > 1 && block.charAt(end - 1) == '\n' && block.charAt(end - 2) == '\n') {
            end--;
        }
        block.setLength(end);
        return block.toString();
    }

    /** Lowercase or uppercase hex to bytes; the empty string is the empty key. */
    public static byte[] hexToBytes(String hex) {
        if (hex.length() % 2 != 0) {
            throw new IllegalArgumentException("odd-length hex (was: '" + hex + "')");
        }
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            int high = Character.digit(hex.charAt(2 * i), 16);
            int low = Character.digit(hex.charAt(2 * i + 1), 16);
            if (high < 0 || low < 0) {
                throw new IllegalArgumentException("not hex (was: '" + hex + "')");
            }
            bytes[i] = (byte) (high << 4 | low);
        }
        return bytes;
    }

    /** Bytes to lowercase hex, for messages. */
    public static String bytesToHex(byte[] bytes) {
        StringBuilder hex = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return hex.toString();
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** {@code pool_id}: the pool's name, also the file's name. */
    public String poolId() {
        return poolId;
    }

    /** The whole header as one YAML document (the leading {@code "# "} removed from each line). */
    public String headerYaml() {
        return headerYaml;
    }

    /** {@code nutcracker_config}: the pool exactly as nutcracker loaded it, a YAML document of one pool. */
    public String nutcrackerConfig() {
        return nutcrackerConfig;
    }

    /** {@code pool.hash}: the hash function in effect (the default filled in when the config omits it). */
    public String hash() {
        return hash;
    }

    /** {@code pool.distribution}: the distribution in effect. */
    public String distribution() {
        return distribution;
    }

    /** {@code pool.hash_tag}: a two-character string, or null. */
    public String hashTag() {
        return hashTag;
    }

    /** {@code pool.servers[].entry}: the raw {@code servers:} lines, in configuration order. */
    public List<String> serverEntries() {
        return serverEntries;
    }

    /** The data rows, in file order. */
    public List<Row> rows() {
        return rows;
    }

    @Override
    public String toString() {
        return poolId + " (" + rows.size() + " keys)";
    }
}
