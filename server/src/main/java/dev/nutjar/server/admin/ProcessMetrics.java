package dev.nutjar.server.admin;

import dev.nutjar.server.Version;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM's and the process's figures at one moment, from the platform's MXBeans and Netty.
 *
 * @param nettyDirectUsed bytes of direct memory Netty's allocators hold; -1 when Netty does not count
 * @param jdkDirectUsed bytes of the JDK's direct buffers ({@code ByteBuffer.allocateDirect})
 * @param directMax the direct memory limit Netty works to
 * @param openFds -1 where the platform does not tell
 */
record ProcessMetrics(
        MemoryUsage heap,
        MemoryUsage nonHeap,
        long nettyDirectUsed,
        long jdkDirectUsed,
        long directMax,
        List<Gc> collectors,
        long openFds,
        long maxFds,
        double cpuSeconds,
        double startTimeSeconds,
        String version,
        String javaVersion) {

    /** A garbage collector: how often it ran, and for how long in all. */
    record Gc(String name, long count, long millis) {}

    static ProcessMetrics read() {
        var memory = ManagementFactory.getMemoryMXBean();
        long jdkDirect = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                jdkDirect = pool.getMemoryUsed();
            }
        }
        List<Gc> collectors = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            collectors.add(new Gc(gc.getName(), Math.max(0, gc.getCollectionCount()), Math.max(0, gc.getCollectionTime())));
        }
        long openFds = -1;
        long maxFds = -1;
        double cpu = -1;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            openFds = os.getOpenFileDescriptorCount();
            maxFds = os.getMaxFileDescriptorCount();
            cpu = os.getProcessCpuTime() / 1e9;
        }
        double start = ManagementFactory.getRuntimeMXBean().getStartTime() / 1e3;
        return new ProcessMetrics(memory.getHeapMemoryUsage(), memory.getNonHeapMemoryUsage(),
                PlatformDependent.usedDirectMemory(), jdkDirect, PlatformDependent.maxDirectMemory(),
                collectors, openFds, maxFds, cpu, start, Version.current(), Runtime.version().toString());
    }
}
