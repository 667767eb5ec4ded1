package dev.nutjar.server.tls;

import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An SSL context built from files and built again when they change on disk: connections opened
 * after the change use the new certificates, open ones keep theirs.
 *
 * <p>{@link #current()} is on the accept and connect path: it never touches the disk. At most once
 * a second it asks a background thread to compare the files' modification times and sizes, and
 * that thread builds and swaps in the new context. New files that do not load are logged once and
 * the old context stays. {@link #refresh()} does the same check at once, for a configuration
 * reload. Thread-safe.
 */
public final class ReloadingSslContext {
    private static final Logger log = LoggerFactory.getLogger(ReloadingSslContext.class);
    private static final long CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final ExecutorService FILE_CHECKS = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "nutjar-tls-files");
        thread.setDaemon(true);
        return thread;
    });

    /** Builds the context from the files; its exceptions say which file is wrong. */
    @FunctionalInterface
    public interface Builder {
        SslContext build() throws Exception;
    }

    private final String description;
    private final List<Path> files;
    private final Builder builder;
    private final AtomicLong nextCheck;
    private volatile SslContext current;
    /** The stamps of the files last loaded, or last refused: each change is tried and logged once. */
    private List<String> stamps;

    private ReloadingSslContext(String description, List<Path> files, Builder builder, SslContext first,
            List<String> stamps) {
        this.description = description;
        this.files = files;
        this.builder = builder;
        this.current = first;
        this.stamps = stamps;
        this.nextCheck = new AtomicLong(System.nanoTime() + CHECK_INTERVAL_NANOS);
    }

    /**
     * Builds the context now.
     *
     * @param description what it is for, in log lines and errors: {@code pool 'x' client TLS}
     * @param files the files {@code builder} reads, watched for changes
     * @throws IOException saying what could not be loaded, prefixed with {@code description}
     */
    public static ReloadingSslContext load(String description, List<Path> files, Builder builder) throws IOException {
        Objects.requireNonNull(builder, "builder");
        try {
            List<String> stamps = stamps(files);
            return new ReloadingSslContext(description, List.copyOf(files), builder, builder.build(), stamps);
        } catch (Exception e) {
            throw new IOException(description + ": " + reason(e), e);
        }
    }

    /** The context for a connection opened now. Cheap: the files are checked in the background. */
    public SslContext current() {
        long now = System.nanoTime();
        long next = nextCheck.get();
        if (now - next >= 0 && nextCheck.compareAndSet(next, now + CHECK_INTERVAL_NANOS)) {
            FILE_CHECKS.execute(this::refresh);
        }
        return current;
    }

    /**
     * Builds the context again when a file changed since it was last loaded or refused.
     *
     * @return whether a new context is in use
     */
    public synchronized boolean refresh() {
        List<String> now;
        try {
            now = stamps(files);
        } catch (IOException e) {
            now = List.of(e.toString());
        }
        if (now.equals(stamps)) {
            return false;
        }
        stamps = now;
        try {
            current = builder.build();
            log.info("{}: certificates reloaded from {}", description, files);
            return true;
        } catch (Exception e) {
            log.warn("{}: the changed files do not load, keeping the previous certificates: {}", description,
                    reason(e));
            return false;
        }
    }

    private static List<String> stamps(List<Path> files) throws IOException {
        List<String> stamps = new ArrayList<>(files.size());
        for (Path file : files) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                stamps.add(attributes.lastModifiedTime() + "/" + attributes.size());
            } catch (NoSuchFileException e) {
                throw new IOException("cannot read " + file + ": no such file", e);
            } catch (IOException e) {
                throw new IOException("cannot read " + file + ": " + e, e);
            }
        }
        return stamps;
    }

    /** The innermost message, which names the bad file or value. */
    private static String reason(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return cause == e ? message : e.getMessage() + " (" + message + ")";
    }

    @Override
    public String toString() {
        return description;
    }
}
