package io.strata.perf.report;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * What one phase of a run cost this process: wall and CPU time, and three memory figures. The peak
 * heap is the sum of each heap pool's peak (an upper bound: pools peak at different moments), so it
 * mostly shows how far the collector let the young generation grow; the peak live heap is the most
 * heap still in use after any collection in the phase, which is what the work needs. Peak RSS is
 * the kernel's high-water mark, reset at the start where {@code /proc/self/clear_refs} allows.
 */
public final class ResourceProbe {
  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path STAT = Path.of("/proc/self/stat");

  /** Linux's USER_HZ, the unit of the CPU times in /proc/self/stat, on every common platform. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

  private final long startWall;
  private final long startCpu;
  private final AtomicLong peakLive = new AtomicLong();
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener listener = this::onGc;

  /**
   * What the phase cost.
   *
   * @param wallNanos elapsed time
   * @param cpuNanos CPU time of every thread of the process
   * @param peakHeapBytes the sum of the heap pools' peaks
   * @param peakLiveHeapBytes the most heap in use after a collection (0: no collection ran)
   * @param peakRssBytes the resident set's high-water mark (-1: not on Linux)
   */
  public record Usage(
      long wallNanos,
      long cpuNanos,
      long peakHeapBytes,
      long peakLiveHeapBytes,
      long peakRssBytes) {
    /** Cores kept busy on average: CPU time over wall time. */
    public double cores() {
      return wallNanos == 0 ? 0 : (double) cpuNanos / wallNanos;
    }
  }

  private ResourceProbe() {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      p.resetPeakUsage();
    }
    resetRss();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter e) {
        e.addNotificationListener(listener, null, null);
        emitters.add(e);
      }
    }
    this.startCpu = processCpu();
    this.startWall = System.nanoTime();
  }

  /** Starts measuring a phase: resets the peaks. */
  public static ResourceProbe start() {
    return new ResourceProbe();
  }

  /**
   * The heap in use right after a full collection ({@code System.gc()}, which G1 runs as a full
   * stop-the-world collection by default): what is live at this moment.
   */
  public static long heapAfterFullGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /**
   * CPU time (user and system) of the child processes this process has waited for, such as a peer
   * tool once {@code waitFor} returned: the difference over a run of one child is its CPU time,
   * which other tenants of the machine do not inflate. -1 where /proc/self/stat is missing.
   */
  public static long childrenCpuNanos() {
    try {
      String stat = Files.readString(STAT);
      // Fields after the command name (which may hold spaces), from field 3 (state) on.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * NANOS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Ends the phase and returns its figures. */
  public Usage stop() {
    long wall = System.nanoTime() - startWall;
    long cpu = processCpu() - startCpu;
    for (NotificationEmitter e : emitters) {
      try {
        e.removeNotificationListener(listener);
      } catch (javax.management.ListenerNotFoundException ex) {
        throw new IllegalStateException("GC listener vanished", ex);
      }
    }
    long peak = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        peak += p.getPeakUsage().getUsed();
      }
    }
    return new Usage(wall, cpu, peak, peakLive.get(), peakRss());
  }

  private void onGc(Notification n, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
    long used = 0;
    for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
      if (isHeapPool(e.getKey())) {
        used += e.getValue().getUsed();
      }
    }
    peakLive.accumulateAndGet(used, Math::max);
  }

  private static boolean isHeapPool(String name) {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getName().equals(name)) {
        return p.getType() == MemoryType.HEAP;
      }
    }
    return false;
  }

  private static long processCpu() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static void resetRss() {
    try {
      Files.writeString(CLEAR_REFS, "5");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      // Not Linux, or not allowed: the high-water mark then counts from the process start.
    }
  }

  private static long peakRss() {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
