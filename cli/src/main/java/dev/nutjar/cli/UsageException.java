package dev.nutjar.cli;

/** A command line that cannot be run. The message is printed after {@code nutjar: }, then the usage. */
public final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
