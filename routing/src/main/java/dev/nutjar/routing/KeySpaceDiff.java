package dev.nutjar.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which share of a pool's key space changes server between two configurations of it, computed
 * exactly from the two configured rings (every server live), not sampled. The key space is the
 * 32-bit hash space: a key's hash tag and the hash function map it to one of 2^32 hashes, and the
 * distribution maps the hash to a server.
 *
 * <p>Ketama owns hashes by ranges between ring points: both rings' range starts are merged and
 * each merged range is looked up once in each ring. Modula owns them by {@code hash % slots}:
 * ranges of one ring are counted against the other's slot runs in closed form, and two modula
 * rings over one period of both. A {@code random} distribution, or a change of hash function or
 * hash tag, has no exact answer: every key may move ({@link #exact()} is false).
 *
 * <p>A server is the same in both when its name and address are: a key whose server keeps its
 * name but changes address moves too.
 */
public final class KeySpaceDiff {
    /** The size of the hash space, 2^32. */
    public static final long HASH_SPACE = 1L << 32;

    /** Two modula rings whose common period exceeds this are not compared (a table of it would be needed). */
    private static final long MAX_COMMON_PERIOD = 1L << 26;

    /** A share of the hash space that moves from one server to another. */
    public record Move(ServerSpec from, ServerSpec to, long hashes) {
        /** The share of the whole hash space. */
        public double fraction() {
            return (double) hashes / HASH_SPACE;
        }
    }

    private final boolean exact;
    private final String inexactReason;
    private final List<Move> moves;
    private final long movedHashes;

    private KeySpaceDiff(boolean exact, String inexactReason, List<Move> moves) {
        this.exact = exact;
        this.inexactReason = inexactReason;
        this.moves = List.copyOf(moves);
        this.movedHashes = moves.stream().mapToLong(Move::hashes).sum();
    }

    /**
     * Compares the configured rings of {@code before} and {@code after}, the same pool in two
     * configurations. Liveness is ignored: every server counts as live.
     */
    public static KeySpaceDiff between(ServerPool before, ServerPool after) {
        if (!before.hashFunction().name().equals(after.hashFunction().name())) {
            return inexact("the hash function changes (" + before.hashFunction().name() + " -> "
                    + after.hashFunction().name() + ")");
        }
        if (!before.hashTag().equals(after.hashTag())) {
            return inexact("the hash tag changes");
        }
        Distribution.Selector a = before.configuredSelector();
        Distribution.Selector b = after.configuredSelector();
        long[][] counts = new long[before.servers().size()][after.servers().size()];
        long[] startsA = a.rangeStarts();
        long[] startsB = b.rangeStarts();
        if (startsA != null && startsB != null) {
            rangesAgainstRanges(a, startsA, b, startsB, counts);
        } else if (startsA != null && b.period() > 0) {
            rangesAgainstPeriod(a, startsA, b, counts);
        } else if (a.period() > 0 && startsB != null) {
            long[][] transposed = new long[after.servers().size()][before.servers().size()];
            rangesAgainstPeriod(b, startsB, a, transposed);
            for (int x = 0; x < transposed.length; x++) {
                for (int y = 0; y < transposed[x].length; y++) {
                    counts[y][x] = transposed[x][y];
                }
            }
        } else if (a.period() > 0 && b.period() > 0) {
            if (!periodAgainstPeriod(a, b, counts)) {
                return inexact("the two modula rings have no common period under " + MAX_COMMON_PERIOD);
            }
        } else {
            return inexact("the " + (startsA == null && a.period() == 0 ? before : after).distribution().name()
                    + " distribution places keys at random");
        }
        List<Move> moves = new ArrayList<>();
        for (int x = 0; x < counts.length; x++) {
            ServerSpec from = before.server(x);
            for (int y = 0; y < counts[x].length; y++) {
                ServerSpec to = after.server(y);
                if (counts[x][y] > 0 && !sameServer(from, to)) {
                    moves.add(new Move(from, to, counts[x][y]));
                }
            }
        }
        moves.sort(Comparator.comparingLong(Move::hashes).reversed()
                .thenComparing(m -> m.from().name()).thenComparing(m -> m.to().name()));
        return new KeySpaceDiff(true, null, moves);
    }

    /** Whether a key routed to {@code a} before and {@code b} after stays where it is. */
    public static boolean sameServer(ServerSpec a, ServerSpec b) {
        return a.name().equals(b.name()) && a.address().equals(b.address());
    }

    private static KeySpaceDiff inexact(String reason) {
        return new KeySpaceDiff(false, reason, List.of());
    }

    private static void rangesAgainstRanges(Distribution.Selector a, long[] startsA, Distribution.Selector b,
            long[] startsB, long[][] counts) {
        long[] starts = merge(startsA, startsB);
        for (int i = 0; i < starts.length; i++) {
            long end = i + 1 < starts.length ? starts[i + 1] : HASH_SPACE;
            counts[a.select(starts[i])][b.select(starts[i])] += end - starts[i];
        }
    }

    /** Each range of {@code a} against the runs of equal owner of {@code periodic}'s slots. */
    private static void rangesAgainstPeriod(Distribution.Selector a, long[] starts, Distribution.Selector periodic,
            long[][] counts) {
        long period = periodic.period();
        List<long[]> runs = slotRuns(periodic, period);
        for (int i = 0; i < starts.length; i++) {
            long start = starts[i];
            long end = i + 1 < starts.length ? starts[i + 1] : HASH_SPACE;
            int owner = a.select(start);
            for (long[] run : runs) {
                long n = inSlots(end, period, run[0], run[1]) - inSlots(start, period, run[0], run[1]);
                counts[owner][(int) run[2]] += n;
            }
        }
    }

    /** {slot from, slot to, owner} for each run of consecutive slots with one owner. */
    private static List<long[]> slotRuns(Distribution.Selector periodic, long period) {
        List<long[]> runs = new ArrayList<>();
        long runStart = 0;
        int owner = periodic.select(0);
        for (long slot = 1; slot <= period; slot++) {
            int next = slot < period ? periodic.select(slot) : -1;
            if (next != owner) {
                runs.add(new long[] {runStart, slot, owner});
                runStart = slot;
                owner = next;
            }
        }
        return runs;
    }

    /** How many hashes in [0, n) fall in slots [from, to) of {@code period}. */
    private static long inSlots(long n, long period, long from, long to) {
        long whole = (n / period) * (to - from);
        long rest = n % period;
        return whole + Math.max(0, Math.min(rest, to) - from);
    }

    private static boolean periodAgainstPeriod(Distribution.Selector a, Distribution.Selector b, long[][] counts) {
        long pa = a.period();
        long pb = b.period();
        long common = pa / gcd(pa, pb) * pb;
        if (common > MAX_COMMON_PERIOD) {
            return false;
        }
        for (long r = 0; r < common; r++) {
            long hashes = (HASH_SPACE - 1 - r) / common + 1;
            counts[a.select(r)][b.select(r)] += hashes;
        }
        return true;
    }

    private static long gcd(long x, long y) {
        while (y != 0) {
            long t = x % y;
            x = y;
            y = t;
        }
        return x;
    }

    private static long[] merge(long[] x, long[] y) {
        long[] all = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, all, x.length, y.length);
        Arrays.sort(all);
        int n = 0;
        for (long v : all) {
            if (n == 0 || all[n - 1] != v) {
                all[n++] = v;
            }
        }
        return Arrays.copyOf(all, n);
    }

    /** Whether the share could be computed; when not, every key may move. */
    public boolean exact() {
        return exact;
    }

    /** Why the share could not be computed, when not {@link #exact()}. */
    public Optional<String> inexactReason() {
        return Optional.ofNullable(inexactReason);
    }

    /** Each share that moves, largest first; empty when nothing moves or when not exact. */
    public List<Move> moves() {
        return moves;
    }

    /** How many of the 2^32 hashes change server. */
    public long movedHashes() {
        return movedHashes;
    }

    /** The share of the key space that changes server: 1 when not {@link #exact()}. */
    public double movedFraction() {
        return exact ? (double) movedHashes / HASH_SPACE : 1.0;
    }

    /** The moved hashes summed per pair of server names, "from → to", largest first. */
    public Map<String, Long> movesByName() {
        Map<String, Long> byName = new LinkedHashMap<>();
        for (Move move : moves) {
            byName.merge(move.from().name() + " → " + move.to().name(), move.hashes(), Long::sum);
        }
        return byName;
    }
}
