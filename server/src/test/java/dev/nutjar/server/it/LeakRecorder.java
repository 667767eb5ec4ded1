package dev.nutjar.server.it;

import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Netty's leak detector, recording every leak it reports so a test can fail on it. Installed for
 * the whole integration-test JVM by {@code -Dio.netty.customResourceLeakDetector} (see the
 * failsafe configuration in {@code server/pom.xml}), so it is in place before Netty creates its
 * first detector. Reports are recorded whatever the logging configuration says.
 */
public final class LeakRecorder<T> extends ResourceLeakDetector<T> {
    private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static volatile boolean installed;
    /** The hint of the leak {@link LeakDetectionIT} makes on purpose: recorded, not logged. */
    static final String DELIBERATE = "nutjar-deliberate-leak";

    public LeakRecorder(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
        installed = true;
    }

    public LeakRecorder(Class<?> resourceType, int samplingInterval, long maxActive) {
        this(resourceType, samplingInterval);
    }

    /** Whether Netty built at least one detector of this class. */
    static boolean installed() {
        return installed;
    }

    /** Every leak reported so far and not yet taken, oldest first; they are removed. */
    static List<String> takeLeaks() {
        List<String> leaks = new ArrayList<>();
        for (String leak; (leak = LEAKS.poll()) != null; ) {
            leaks.add(leak);
        }
        return leaks;
    }

    @Override
    protected boolean needReport() {
        return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected." + records);
        if (!records.contains(DELIBERATE)) {
            super.reportTracedLeak(resourceType, records);
        }
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected.");
        super.reportUntracedLeak(resourceType);
    }
}
