package dev.nutjar.routing.internal;

import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.ServerSpec;
import java.util.List;

/**
 * twemproxy's {@code modula}: {@code total_weight} slots, each server filling {@code weight}
 * consecutive slots in server order; a key goes to slot {@code hash % total_weight}.
 */
public final class ModulaDistribution implements Distribution {

    /** The name a configuration uses. */
    public static final String NAME = "modula";

    /** Up to this many slots the table is materialized; beyond, the slot's owner is searched for. */
    private static final long MAX_TABLE_SLOTS = 1 << 16;

    /** For {@link java.util.ServiceLoader}. */
    public ModulaDistribution() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Selector newSelector(List<ServerSpec> liveServers) {
        int serverCount = Weights.requireServers(NAME, liveServers);
        long totalWeight = Weights.total(liveServers);
        if (totalWeight <= MAX_TABLE_SLOTS) {
            int[] slots = new int[(int) totalWeight];
            int slot = 0;
            for (int s = 0; s < serverCount; s++) {
                for (int w = 0; w < liveServers.get(s).weight(); w++) {
                    slots[slot++] = s;
                }
            }
            return new TableSelector(slots);
        }
        long[] slotEnds = new long[serverCount];
        long end = 0;
        for (int s = 0; s < serverCount; s++) {
            end += liveServers.get(s).weight();
            slotEnds[s] = end;
        }
        return new RangeSelector(slotEnds);
    }

    private static final class TableSelector implements Selector {
        private final int[] slots;

        TableSelector(int[] slots) {
            this.slots = slots;
        }

        @Override
        public int select(long hash) {
            return slots[(int) (hash % slots.length)];
        }

        @Override
        public long period() {
            return slots.length;
        }

        @Override
        public String toString() {
            return "modula ring of " + slots.length + " slots";
        }
    }

    /** Huge weights: server s owns the slots below {@code slotEnds[s]} and from the previous end. */
    private static final class RangeSelector implements Selector {
        private final long[] slotEnds;
        private final long slotCount;

        RangeSelector(long[] slotEnds) {
            this.slotEnds = slotEnds;
            this.slotCount = slotEnds[slotEnds.length - 1];
        }

        @Override
        public int select(long hash) {
            long slot = hash % slotCount;
            int low = 0;
            int high = slotEnds.length - 1;
            while (low < high) {
                int middle = (low + high) >>> 1;
                if (slotEnds[middle] <= slot) {
                    low = middle + 1;
                } else {
                    high = middle;
                }
            }
            return low;
        }

        @Override
        public long period() {
            return slotCount;
        }

        @Override
        public String toString() {
            return "modula ring of " + slotCount + " slots";
        }
    }
}
