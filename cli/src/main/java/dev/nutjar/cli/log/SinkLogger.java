package dev.nutjar.cli.log;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** A logger that writes to {@link LogSink}. */
final class SinkLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    private final String source;
    /** One of Netty's loggers: see {@link LogSink#libraryEnabled}. */
    private final boolean library;

    SinkLogger(String name) {
        this.name = name;
        int dot = name.lastIndexOf('.');
        this.source = dot >= 0 ? name.substring(dot + 1) : name;
        this.library = name.startsWith("io.netty.");
    }

    private boolean enabled(Level level) {
        return library ? LogSink.libraryEnabled(level) : LogSink.enabled(level);
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
            Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
        String message = MessageFormatter.basicArrayFormat(pattern, arguments);
        LogSink.write(source, message, throwable);
    }
}
