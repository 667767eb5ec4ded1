package dev.nutjar.routing.internal;

import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.ServerSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

/**
 * twemproxy's {@code ketama}: a consistent-hash ring of MD5 points, built exactly as
 * {@code nc_ketama.c} builds it, so every key lands where nutcracker 0.5 puts it.
 *
 * <p>Each live server gets {@link #pointCount} points, four per MD5 of {@code "<name>-<i>"}. A key
 * goes to the owner of the first point whose value is {@code >=} its hash, wrapping to the first
 * point.
 */
public final class KetamaDistribution implements Distribution {

    /** The name a configuration uses. */
    public static final String NAME = "ketama";

    private static final int POINTS_PER_SERVER = 160;
    private static final int POINTS_PER_HASH = 4;
    /** nutcracker formats {@code "<name>-<i>"} into a 273-byte buffer with snprintf: 272 bytes remain. */
    private static final int MAX_POINT_STRING_LENGTH = 272;

    /** For {@link java.util.ServiceLoader}. */
    public KetamaDistribution() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Selector newSelector(List<ServerSpec> liveServers) {
        int serverCount = Weights.requireServers(NAME, liveServers);
        long totalWeight = Weights.total(liveServers);
        int[] pointCounts = new int[serverCount];
        int totalPoints = 0;
        for (int s = 0; s < serverCount; s++) {
            pointCounts[s] = pointCount(liveServers.get(s).weight(), totalWeight, serverCount);
            totalPoints += pointCounts[s];
        }

        // Sort key: the point value (flipped so signed order is unsigned order) above the insertion
        // sequence. The sequence breaks ties as glibc's stable qsort does: lower server, earlier point.
        long[] keyed = new long[totalPoints];
        int[] ownerBySequence = new int[totalPoints];
        MessageDigest md5 = newMd5();
        byte[] text = new byte[MAX_POINT_STRING_LENGTH];
        int sequence = 0;
        for (int s = 0; s < serverCount; s++) {
            byte[] name = liveServers.get(s).nameBytes();
            for (int group = 0; group < pointCounts[s] / POINTS_PER_HASH; group++) {
                int length = pointString(name, group, text);
                md5.update(text, 0, length);
                byte[] digest = md5.digest();
                for (int x = 0; x < POINTS_PER_HASH; x++) {
                    int value = littleEndianInt(digest, 4 * x);
                    keyed[sequence] = ((long) (value ^ Integer.MIN_VALUE) << 32) | sequence;
                    ownerBySequence[sequence] = s;
                    sequence++;
                }
            }
        }
        Arrays.sort(keyed);

        // The ring keeps each point's value in the high word and its owner in the low word, so one
        // array read gives both; the sequence has served its purpose.
        for (int p = 0; p < totalPoints; p++) {
            keyed[p] = (keyed[p] & 0xffffffff00000000L) | ownerBySequence[(int) keyed[p]];
        }
        return new KetamaSelector(keyed);
    }

    /**
     * The number of ring points of one server, computed in single-precision float in exactly the
     * order nutcracker computes it. Exact arithmetic differs: 25 equal servers get 156 points each,
     * not 160, and weights (1, 100) give the first server none at all.
     *
     * @param weight the server's weight
     * @param totalWeight the sum of the live servers' weights
     * @param serverCount the number of live servers
     */
    public static int pointCount(int weight, long totalWeight, int serverCount) {
        float pct = (float) weight / (float) totalWeight;
        float t = pct * POINTS_PER_SERVER;
        t = t / POINTS_PER_HASH;
        t = t * (float) serverCount;
        // C adds a double epsilon and casts back to float before floorf; kept for fidelity.
        return (int) Math.floor((float) ((double) t + 0.0000000001)) * POINTS_PER_HASH;
    }

    /** Writes {@code "<name>-<group>"} into {@code out}, cut at its length as snprintf cuts. */
    private static int pointString(byte[] name, int group, byte[] out) {
        byte[] suffix = ("-" + group).getBytes(StandardCharsets.US_ASCII);
        int nameLength = Math.min(name.length, out.length);
        System.arraycopy(name, 0, out, 0, nameLength);
        int suffixLength = Math.min(suffix.length, out.length - nameLength);
        System.arraycopy(suffix, 0, out, nameLength, suffixLength);
        return nameLength + suffixLength;
    }

    private static int littleEndianInt(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
    }

    private static MessageDigest newMd5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK must provide MD5", e);
        }
    }

    /**
     * The sorted ring. A lookup is nutcracker's lower-bound binary search, narrowed first by a
     * table indexed by the hash's top bits, so it touches two or three cache lines instead of
     * walking ~17 levels of a large array.
     */
    static final class KetamaSelector implements Selector {
        /** The most top bits the bucket table uses: 2^20 entries (4 MiB) for rings of a million points. */
        private static final int MAX_BUCKET_BITS = 20;

        /** Per point: value ^ 0x80000000 (signed order is unsigned order) in the high word, owner in the low. */
        private final long[] ring;
        /** bucketStart[b] is the first point whose value's top bits are >= b; one extra entry holds the length. */
        private final int[] bucketStart;
        private final int bucketShift;

        KetamaSelector(long[] ring) {
            this.ring = ring;
            int n = ring.length;
            int bucketBits = Math.max(1, Math.min(MAX_BUCKET_BITS, 32 - Integer.numberOfLeadingZeros(n - 1)));
            int buckets = 1 << bucketBits;
            this.bucketShift = 32 - bucketBits;
            this.bucketStart = new int[buckets + 1];
            int p = 0;
            for (int b = 0; b < buckets; b++) {
                long bucketLow = (long) b << bucketShift;
                while (p < n && value(p) < bucketLow) {
                    p++;
                }
                bucketStart[b] = p;
            }
            bucketStart[buckets] = n;
        }

        /** For tests: a ring of these unsigned values, sorted, owned by these servers. */
        static KetamaSelector of(long[] values, int[] owners) {
            long[] ring = new long[values.length];
            for (int p = 0; p < values.length; p++) {
                ring[p] = ((long) ((int) values[p] ^ Integer.MIN_VALUE) << 32) | owners[p];
            }
            return new KetamaSelector(ring);
        }

        @Override
        public int select(long hash) {
            long[] ring = this.ring;
            long target = (long) ((int) hash ^ Integer.MIN_VALUE) << 32;
            int bucket = (int) (hash >>> bucketShift);
            // Every point of this bucket lies in [low, high); if none is >= hash, the next bucket's first is.
            int low = bucketStart[bucket];
            int high = bucketStart[bucket + 1];
            while (low < high) {
                int middle = (low + high) >>> 1;
                if (ring[middle] < target) {
                    low = middle + 1;
                } else {
                    high = middle;
                }
            }
            return (int) ring[low == ring.length ? 0 : low];
        }

        private long value(int p) {
            return ((int) (ring[p] >> 32) ^ Integer.MIN_VALUE) & 0xffffffffL;
        }

        /** The number of points each server owns, by index into the list the ring was built from. */
        int[] pointCounts(int serverCount) {
            int[] counts = new int[serverCount];
            for (long point : ring) {
                counts[(int) point]++;
            }
            return counts;
        }

        /** The point values in ring order, as unsigned 32-bit values. */
        long[] pointValues() {
            long[] values = new long[ring.length];
            for (int p = 0; p < ring.length; p++) {
                values[p] = value(p);
            }
            return values;
        }

        /** A hash's owner is that of the first point at or above it: ranges start after each point. */
        @Override
        public long[] rangeStarts() {
            long[] starts = new long[ring.length + 1];
            int n = 0;
            starts[n++] = 0;
            for (int p = 0; p < ring.length; p++) {
                long start = value(p) + 1;
                if (start <= 0xffffffffL && start != starts[n - 1]) {
                    starts[n++] = start;
                }
            }
            return java.util.Arrays.copyOf(starts, n);
        }

        @Override
        public String toString() {
            return "ketama ring of " + ring.length + " points";
        }
    }
}
