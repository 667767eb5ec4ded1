package dev.nutjar.server.config;

import java.util.List;

/**
 * A configuration that cannot be used, with every problem found in it, not only the first: an
 * operator fixes a file in one pass.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final transient List<String> errors;

    /**
     * @param source the file name or other source the errors are about
     * @param errors at least one; each names the YAML path and the bad value, prefixed with its line
     *     when known, for example {@code line 7: alpha.servers[2]: weight must be > 0 (was: 0)}
     */
    public ConfigException(String source, List<String> errors) {
        super(message(source, errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.source = source;
        this.errors = List.copyOf(errors);
    }

    private static String message(String source, List<String> errors) {
        return "configuration '" + source + "' is invalid: " + String.join("; ", errors);
    }

    /** The file name or other source the errors are about. */
    public String source() {
        return source;
    }

    /** Every error, in file order. */
    public List<String> errors() {
        return errors;
    }
}
