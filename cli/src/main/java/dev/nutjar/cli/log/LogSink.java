package dev.nutjar.cli.log;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.slf4j.event.Level;

/**
 * Where Nutjar's log goes and how much of it: nutcracker's {@code -v} levels (0..11) and
 * {@code -o} file, in nutcracker's line format {@code [YYYY-MM-DD HH:MM:SS.mmm] source message}.
 *
 * <p>The level can change while running (SIGTTIN, SIGTTOU) and the file can be reopened (SIGHUP)
 * after a log rotation.
 */
public final class LogSink {
    /** nutcracker's default level, NOTICE. */
    public static final int DEFAULT_VERBOSITY = 5;
    public static final int MAX_VERBOSITY = 11;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    /** Guards the stream: a line is never written to a stream being swapped out and closed. */
    private static final Object LOCK = new Object();
    private static volatile int verbosity = DEFAULT_VERBOSITY;
    private static volatile PrintStream out = System.err;
    private static volatile String file;

    private LogSink() {}

    /** Logs to {@code path}, appending; null or empty means standard error. */
    public static void open(String path) throws IOException {
        PrintStream next = path == null || path.isEmpty()
                ? System.err
                : new PrintStream(new FileOutputStream(path, true), true, StandardCharsets.UTF_8);
        synchronized (LOCK) {
            PrintStream previous = out;
            out = next;
            file = path == null || path.isEmpty() ? null : path;
            if (previous != System.err && previous != next) {
                previous.close();
            }
        }
    }

    /** Reopens the log file (after rotation); a no-op when logging to standard error. */
    public static void reopen() throws IOException {
        String current = file;
        if (current != null) {
            open(current);
        }
    }

    public static void verbosity(int level) {
        verbosity = Math.max(0, Math.min(MAX_VERBOSITY, level));
    }

    public static int verbosity() {
        return verbosity;
    }

    /**
     * Whether a message of {@code level} is written at the current verbosity: SLF4J's levels on
     * nutcracker's, INFO at its NOTICE (5), DEBUG at its INFO (6: connections opened and closed,
     * with addresses), TRACE at its DEBUG (7).
     */
    static boolean enabled(Level level) {
        int v = verbosity;
        return switch (level) {
            case ERROR -> v >= 1;
            case WARN -> v >= 4;
            case INFO -> v >= 5;
            case DEBUG -> v >= 6;
            case TRACE -> v >= 7;
        };
    }

    /**
     * Whether a library's own message of {@code level} is written: only warnings and errors, unless
     * {@value #LIBRARY_LOG_PROPERTY} is true, so that {@code -v 11} shows the proxy's lines and not
     * Netty's internals.
     */
    static boolean libraryEnabled(Level level) {
        return (level == Level.WARN || level == Level.ERROR || Boolean.getBoolean(LIBRARY_LOG_PROPERTY))
                && enabled(level);
    }

    /** The system property that lets libraries' (Netty's) debug lines into the log at their levels. */
    public static final String LIBRARY_LOG_PROPERTY = "nutjar.log.libraries";

    /**
     * Writes a line whatever the level, as nutcracker writes its signal lines: a SIGTTOU that
     * lowers the level must not hide the line saying it was received.
     */
    public static void always(String source, String message) {
        write(source, message, null);
    }

    static void write(String source, String message, Throwable error) {
        StringBuilder line = new StringBuilder(64 + message.length());
        line.append('[').append(TIME.format(LocalDateTime.now())).append("] ").append(source).append(' ').append(message);
        synchronized (LOCK) {
            out.println(line);
            if (error != null && verbosity >= 7) {
                error.printStackTrace(out);
            }
        }
    }
}
