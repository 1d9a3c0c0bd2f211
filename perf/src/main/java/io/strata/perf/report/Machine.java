package io.strata.perf.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** The header every report starts with: when, on what machine, with which JVM. */
public final class Machine {
  private Machine() {}

  /** The CPU model from /proc/cpuinfo, or the OS architecture where that is missing. */
  public static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux: fall through
    }
    return System.getProperty("os.arch");
  }

  /** Prints date, cores, CPU model, JVM and its maximum heap. */
  public static void printHeader(PrintStream out) {
    Runtime rt = Runtime.getRuntime();
    out.printf(
        "date: %s%nmachine: %d cores (nproc), %s%njvm: %s %s, max heap %s%n",
        ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
        rt.availableProcessors(),
        cpuModel(),
        System.getProperty("java.vm.name"),
        System.getProperty("java.runtime.version"),
        Figures.mib(rt.maxMemory()));
  }
}
