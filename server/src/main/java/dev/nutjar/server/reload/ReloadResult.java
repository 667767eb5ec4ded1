package dev.nutjar.server.reload;

import java.util.List;
import java.util.Optional;

/**
 * How a reload went: applied, or refused with nothing changed.
 *
 * @param applied whether the new configuration is serving now
 * @param diff what changed (or would have), empty when the file could not be read or validated
 * @param lines what the reload logged: one line per change, then the outcome; for a refused reload
 *     the errors, each with its line as {@code -t} prints them
 */
public record ReloadResult(boolean applied, Optional<ConfigDiff> diff, List<String> lines) {
    public ReloadResult {
        lines = List.copyOf(lines);
    }

    /** The last line: the outcome. */
    public String outcome() {
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
}
