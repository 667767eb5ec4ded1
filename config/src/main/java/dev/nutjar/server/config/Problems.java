package dev.nutjar.server.config;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Every error found in a file so far, each worded {@code line N: path: message}, and how an error
 * shows a bad value: one place for the wording the error fixtures check byte for byte.
 */
final class Problems {
    private record Problem(int line, String text) {}

    private final List<Problem> found = new ArrayList<>();

    /** Reports {@code message} about {@code path}, prefixed with the line {@code at} starts on when it has one. */
    void add(Node at, String path, String message) {
        int line = line(at);
        found.add(new Problem(line, (line > 0 ? "line " + line + ": " : "") + path + ": " + message));
    }

    int count() {
        return found.size();
    }

    boolean any() {
        return !found.isEmpty();
    }

    /** In file order, whichever check found them; errors without a line first. */
    List<String> errors() {
        return found.stream().sorted(Comparator.comparingInt(Problem::line)).map(Problem::text).toList();
    }

    /** The 1-based line a node starts on, or 0. */
    static int line(Node node) {
        return node == null || node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    /** A value as an error shows it: a scalar quoted, else what it is. */
    static String describe(Node node) {
        if (node instanceof ScalarNode scalar) {
            return "'" + scalar.getValue() + "'";
        }
        return node instanceof SequenceNode ? "a list" : "a mapping";
    }

    /** Why a file could not be read. */
    static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
