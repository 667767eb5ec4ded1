package dev.nutjar.routing;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Which servers of a pool are live, as twemproxy decides it: with {@code auto_eject_hosts},
 * {@link #recordFailure} counts consecutive failures and {@link #recordSuccess} resets the count;
 * at {@code server_failure_limit} the server is ejected for {@code server_retry_timeout}. Servers
 * return lazily: the first {@link #current} after the earliest retry time brings back every server
 * whose time has come. Without {@code auto_eject_hosts} nothing is ever ejected. Time comes from an
 * injected {@link Ticker}; the ejection stamp from an injected {@link Clock}.
 *
 * <p>Thread-safe. The live set is an immutable snapshot in a volatile field, replaced when a
 * server leaves or returns; reading it takes no lock and allocates nothing. Only ejection and
 * return take a lock.
 */
public final class ServerLiveness {
    private final int serverCount;
    private final boolean autoEjectHosts;
    private final int serverFailureLimit;
    private final long serverRetryTimeoutNanos;
    private final Ticker ticker;
    private final Clock clock;
    private final Listener listener;

    /** Written without the lock by {@link #recordSuccess}, which runs on every reply. */
    private final AtomicIntegerArray consecutiveFailures;

    // Guarded by `lock`.
    private final Object lock = new Object();
    private final boolean[] ejected;
    private final long[] retryAtNanos;
    private final long[] ejectionCounts;
    private final long[] lastEjectedAtMicros;
    private long totalEjections;

    private volatile LiveSet live;

    /**
     * Every server live at first.
     *
     * @param listener told of ejections and returns, after the live set changed and outside the lock
     */
    public ServerLiveness(int serverCount, boolean autoEjectHosts, int serverFailureLimit,
            long serverRetryTimeoutMillis, Ticker ticker, Clock clock, Listener listener) {
        this.serverCount = serverCount;
        this.autoEjectHosts = autoEjectHosts;
        this.serverFailureLimit = serverFailureLimit;
        this.serverRetryTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(serverRetryTimeoutMillis);
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.consecutiveFailures = new AtomicIntegerArray(serverCount);
        this.ejected = new boolean[serverCount];
        this.retryAtNanos = new long[serverCount];
        this.ejectionCounts = new long[serverCount];
        this.lastEjectedAtMicros = new long[serverCount];
        synchronized (lock) {
            this.live = liveSet(ticker.nanos(), new ArrayList<>(0));
        }
    }

    /** The live servers now, first bringing back those whose retry time has passed. */
    LiveSet current() {
        LiveSet live = this.live;
        // The clock is read only while a server is out, as nutcracker does.
        if (live.retryPending && ticker.nanos() - live.earliestRetryNanos >= 0) {
            return returnServers();
        }
        return live;
    }

    /**
     * Counts one failure of {@code server}: a backend connection closed on error, EOF or timeout.
     * Only with {@code auto_eject_hosts}; the count reaching {@code server_failure_limit} ejects
     * the server and resets its count.
     */
    public void recordFailure(int server) {
        Objects.checkIndex(server, serverCount);
        if (!autoEjectHosts) {
            return;
        }
        List<Integer> returned = new ArrayList<>(0);
        synchronized (lock) {
            // Atomic against the lock-free reset in recordSuccess.
            if (consecutiveFailures.incrementAndGet(server) < serverFailureLimit) {
                return;
            }
            consecutiveFailures.set(server, 0);
            long now = ticker.nanos();
            ejected[server] = true;
            retryAtNanos[server] = now + serverRetryTimeoutNanos;
            ejectionCounts[server]++;
            totalEjections++;
            lastEjectedAtMicros[server] = epochMicros(clock.instant());
            live = liveSet(now, returned);
        }
        listener.serverEjected(server);
        returned.forEach(listener::serverReturned);
    }

    /** Records a reply received from {@code server}: failures must be consecutive to eject. */
    public void recordSuccess(int server) {
        if (consecutiveFailures.get(server) != 0) {
            consecutiveFailures.set(server, 0);
        }
    }

    private LiveSet returnServers() {
        List<Integer> returned = new ArrayList<>();
        LiveSet current;
        synchronized (lock) {
            current = live;
            long now = ticker.nanos();
            if (current.retryPending && now - current.earliestRetryNanos >= 0) {
                current = liveSet(now, returned);
                live = current;
            }
        }
        returned.forEach(listener::serverReturned);
        return current;
    }

    /** Brings back every ejected server whose retry time has passed, and lists the live. */
    private LiveSet liveSet(long now, List<Integer> returned) {
        int[] liveServers = new int[serverCount];
        int liveCount = 0;
        boolean[] ejectedNow = new boolean[serverCount];
        boolean retryPending = false;
        long earliestRetry = 0;
        for (int s = 0; s < serverCount; s++) {
            if (ejected[s] && now - retryAtNanos[s] >= 0) {
                ejected[s] = false;
                returned.add(s);
            }
            if (ejected[s]) {
                ejectedNow[s] = true;
                if (!retryPending || retryAtNanos[s] - earliestRetry < 0) {
                    earliestRetry = retryAtNanos[s];
                }
                retryPending = true;
            } else {
                liveServers[liveCount++] = s;
            }
        }
        return new LiveSet(Arrays.copyOf(liveServers, liveCount), ejectedNow, retryPending, earliestRetry);
    }

    private static long epochMicros(Instant instant) {
        return TimeUnit.SECONDS.toMicros(instant.getEpochSecond()) + instant.getNano() / 1000;
    }

    /**
     * Takes over the state of the servers that stay from {@code previous}, the liveness of the same
     * pool before a reload: consecutive failures, ejections and when each ejected server returns.
     * The pool's ejection total carries over whole.
     *
     * @param previousIndex per server here, its index in {@code previous}, or -1 for a new server
     */
    public void inherit(ServerLiveness previous, int[] previousIndex) {
        if (previousIndex.length != serverCount) {
            throw new IllegalArgumentException("previousIndex must have " + serverCount + " entries (was: "
                    + previousIndex.length + ")");
        }
        synchronized (previous.lock) {
            synchronized (lock) {
                for (int s = 0; s < serverCount; s++) {
                    int o = previousIndex[s];
                    if (o < 0) {
                        continue;
                    }
                    consecutiveFailures.set(s, previous.consecutiveFailures.get(o));
                    ejected[s] = previous.ejected[o];
                    retryAtNanos[s] = previous.retryAtNanos[o];
                    ejectionCounts[s] = previous.ejectionCounts[o];
                    lastEjectedAtMicros[s] = previous.lastEjectedAtMicros[o];
                }
                totalEjections = previous.totalEjections;
                live = liveSet(ticker.nanos(), new ArrayList<>(0));
            }
        }
    }

    /** Whether {@code server} is out now. A server whose retry time passed stays out until the next route. */
    public boolean isEjected(int server) {
        return live.ejected[server];
    }

    /** The number of live servers now. */
    public int liveServerCount() {
        return live.liveServers.length;
    }

    /** The current count of consecutive failures of {@code server}. */
    public int consecutiveFailures(int server) {
        return consecutiveFailures.get(server);
    }

    /** How many times any server was ejected: twemproxy's pool stat {@code server_ejects}. */
    public long ejectionCount() {
        synchronized (lock) {
            return totalEjections;
        }
    }

    /** How many times {@code server} was ejected. */
    public long ejectionCount(int server) {
        Objects.checkIndex(server, serverCount);
        synchronized (lock) {
            return ejectionCounts[server];
        }
    }

    /**
     * When {@code server} was last ejected, in microseconds since the epoch, or 0 if never:
     * twemproxy's server stat {@code server_ejected_at}.
     */
    public long lastEjectedAtMicros(int server) {
        Objects.checkIndex(server, serverCount);
        synchronized (lock) {
            return lastEjectedAtMicros[server];
        }
    }

    /** An immutable snapshot of the live servers. */
    static final class LiveSet {
        /** The live servers' indexes, ascending. */
        final int[] liveServers;
        /** By server index. */
        final boolean[] ejected;
        final boolean retryPending;
        /** Ticker time at which the first ejected server may return; meaningful if retryPending. */
        final long earliestRetryNanos;

        LiveSet(int[] liveServers, boolean[] ejected, boolean retryPending, long earliestRetryNanos) {
            this.liveServers = liveServers;
            this.ejected = ejected;
            this.retryPending = retryPending;
            this.earliestRetryNanos = earliestRetryNanos;
        }
    }

    /** Told when servers leave or return. Called on the thread that caused the change; return quickly. */
    public interface Listener {
        /** {@code server} was ejected after {@code server_failure_limit} consecutive failures. */
        default void serverEjected(int server) {}

        /** {@code server} is live again, its retry time having passed. */
        default void serverReturned(int server) {}
    }
}
