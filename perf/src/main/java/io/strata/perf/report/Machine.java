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

  /**
   * The load averages over 1, 5 and 15 minutes from /proc/loadavg, as {@code 2.31 4.02 6.85}: how
   * many other runnable tasks shared the cores. "n/a" where that file is missing.
   */
  public static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | ArrayIndexOutOfBoundsException e) {
      return "n/a";
    }
  }

  /** Prints the load averages with a label, so a report shows how loaded the machine was when. */
  public static void printLoad(PrintStream out, String when) {
    out.printf("load average %s: %s%n", when, loadAverage());
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
