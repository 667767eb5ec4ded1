package dev.nutjar.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Nutjar's version and the twemproxy release it behaves like. */
public final class Version {
    private Version() {}

    /** The twemproxy release whose configuration, flags, stats and key placement Nutjar matches. */
    public static final String TWEMPROXY_VERSION = "0.5.0";

    private static final String RESOURCE = "version.properties";

    /**
     * This build's version: the jar manifest's {@code Implementation-Version}, else the one the
     * build wrote into {@code version.properties} (classes run from a directory have no manifest).
     */
    public static String current() {
        String fromManifest = Version.class.getPackage().getImplementationVersion();
        if (fromManifest != null && !fromManifest.isBlank()) {
            return fromManifest;
        }
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The line {@code -V} prints, in the place of nutcracker's {@code This is nutcracker-0.5.0}. */
    public static String banner() {
        return "This is nutjar-" + current() + " (twemproxy " + TWEMPROXY_VERSION + " compatible)";
    }
}
