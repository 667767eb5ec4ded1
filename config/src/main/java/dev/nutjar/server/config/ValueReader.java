package dev.nutjar.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Reads one value as twemproxy reads it, as text: a number, a boolean, a share, a secret. A bad
 * value is reported and the caller gets its fallback (or null), so reading goes on to the next key.
 */
final class ValueReader {
    private final Problems problems;
    private final Function<String, String> environment;

    ValueReader(Problems problems, Function<String, String> environment) {
        this.problems = problems;
        this.environment = environment;
    }

    /** The text of a scalar; reports and returns null for a list, a mapping or an empty value. */
    String scalar(String path, Node value) {
        if (value instanceof ScalarNode scalar) {
            if (scalar.getValue().isEmpty()) {
                problems.add(value, path, "must not be empty");
                return null;
            }
            return scalar.getValue();
        }
        problems.add(value, path, "must be a single value, not " + Problems.describe(value));
        return null;
    }

    /** twemproxy's numbers: decimal digits only, no sign, no spaces. */
    int number(String path, Node value, String text, int fallback) {
        if (!text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            problems.add(value, path, "must be a non-negative integer (was: '" + text + "')");
            return fallback;
        }
        String digits = text.replaceFirst("^0+(?=.)", "");
        if (digits.length() > 10 || Long.parseLong(digits) > Integer.MAX_VALUE) {
            problems.add(value, path, "must be at most " + Integer.MAX_VALUE + " (was: " + text + ")");
            return fallback;
        }
        return Integer.parseInt(digits);
    }

    /** A share between 0 and 1, as a decimal number ({@code 0.25}). */
    double fraction(String path, Node value, String text) {
        double parsed;
        try {
            parsed = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            parsed = Double.NaN;
        }
        if (!(parsed >= 0 && parsed <= 1) || !text.matches("[0-9.]+")) {
            problems.add(value, path, "must be a number from 0 to 1 (was: '" + text + "')");
            return PoolConfig.NO_MOVE_LIMIT;
        }
        return parsed;
    }

    /** twemproxy's booleans: exactly {@code true} or {@code false}. */
    boolean bool(String path, Node value, String text, boolean fallback) {
        return switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> {
                problems.add(value, path, "must be true or false (was: '" + text + "')");
                yield fallback;
            }
        };
    }

    /**
     * A secret's value: {@code ${env:NAME}} reads an environment variable, {@code ${file:/path}}
     * a file (one trailing line break dropped); anything else is the secret itself.
     */
    String secret(String path, Node value, String text) {
        if (!text.startsWith("${") || !text.endsWith("}")) {
            return text;
        }
        String reference = text.substring(2, text.length() - 1);
        if (reference.startsWith("env:")) {
            String variable = reference.substring(4);
            String found = variable.isEmpty() ? null : environment.apply(variable);
            if (found == null || found.isEmpty()) {
                problems.add(value, path, "environment variable '" + variable + "' is not set or empty (was: '"
                        + text + "')");
                return null;
            }
            return found;
        }
        if (reference.startsWith("file:")) {
            Path file = Path.of(reference.substring(5));
            try {
                String found = Files.readString(file, StandardCharsets.UTF_8).replaceFirst("\\r?\\n\\z", "");
                if (found.isEmpty()) {
                    problems.add(value, path, "the secret file is empty (was: '" + text + "')");
                    return null;
                }
                return found;
            } catch (IOException e) {
                problems.add(value, path, "cannot read the secret file: " + Problems.describe(e) + " (was: '"
                        + text + "')");
                return null;
            }
        }
        problems.add(value, path, "a secret reference is ${env:NAME} or ${file:/path} (was: '" + text + "')");
        return null;
    }
}
