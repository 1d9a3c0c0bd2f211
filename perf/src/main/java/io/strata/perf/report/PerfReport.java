package io.strata.perf.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes docs/PERF.md from one run of perf/report.sh: the tables the scripts printed into the run
 * directory, medians over rounds where a script ran several, the ratios to the peers measured in
 * the same run, and PNG charts beside the report. The report answers a few questions in short
 * tables; hand-written text the run cannot produce (targets and where the time goes) comes from
 * {@code targets.md} in the charts' directory, and the log of earlier measurements stays in
 * HISTORY.md there.
 */
public final class PerfReport {
  /** The tools of the import table, in the order shown, as the scripts name them. */
  private static final List<String> TOOLS =
      List.of(
          "strata fresh dir",
          "strata warm dir",
          "strata fresh tar",
          "strata warm tar",
          "borg zstd,3",
          "restic",
          "casync",
          "tar | zstd -3");

  private final Path run;
  private final Path report;
  private final Path assets;
  private final StringBuilder out = new StringBuilder();

  /**
   * @param run the directory perf/report.sh wrote its tables into
   * @param report the Markdown file to write (docs/PERF.md)
   * @param assets where the charts go and targets.md is read (docs/perf)
   */
  public PerfReport(Path run, Path report, Path assets) {
    this.run = run;
    this.report = report;
    this.assets = assets;
  }

  /** Writes the report and its charts. */
  public void write() throws IOException {
    Files.createDirectories(assets);
    List<String> when = new ArrayList<>();
    for (String f : List.of("import.md", "peers.md", "many-files.md", "cli.md", "transfers.md")) {
      Path p = run.resolve(f);
      if (Files.exists(p)) {
        MarkdownTables.read(p).notes().stream()
            .filter(n -> n.startsWith("#"))
            .map(n -> f + ": " + n.replaceFirst("^#+\\s*", ""))
            .forEach(when::add);
      }
    }
    out.append("# Performance\n\n");
    out.append(
        "Every figure here is measured through the real binaries (`bin/strata` against a running\n"
            + "`bin/stratad`), next to the peer tools on the same data in the same run, by\n"
            + "`perf/report.sh` (see perf/README.md); it wrote this file. The log of earlier\n"
            + "measurements (the embedded engine, JMH, drivers, each fix as it landed) is in\n"
            + "[perf/HISTORY.md](perf/HISTORY.md); registry figures are in [REGISTRY.md](REGISTRY.md),\n"
            + "containerd's in [CONTAINERD.md](CONTAINERD.md), the shared store's in\n"
            + "[SCALEOUT.md](SCALEOUT.md).\n\n");
    out.append("Runs:\n\n");
    when.forEach(w -> out.append("- ").append(w).append('\n'));
    out.append('\n');
    imports();
    verbatim(
        "many-files.md",
        "Many small files",
        "An image of N small files through the CLI; the server's heap is fixed, so its peak resident"
            + " memory must not grow with N.");
    verbatim("cli.md", "One CLI call", "Wall and CPU time of a whole client process, median.");
    verbatim(
        "transfers.md",
        "Moving bytes",
        "Blob put and get and image export through the CLI, next to copying the same file.");
    Path targets = assets.resolve("targets.md");
    if (Files.exists(targets)) {
      out.append(Files.readString(targets, StandardCharsets.UTF_8).strip()).append('\n');
    }
    Files.writeString(report, out.toString(), StandardCharsets.UTF_8);
  }

  /** The import questions: speed, CPU and bytes stored, per tool and tree, with charts. */
  private void imports() throws IOException {
    List<Map<String, String>> rows = new ArrayList<>();
    for (String f : List.of("import.md", "peers.md")) {
      Path p = run.resolve(f);
      if (Files.exists(p)) {
        rows.addAll(MarkdownTables.read(p).rows());
      }
    }
    if (rows.isEmpty()) {
      return;
    }
    TreeSet<String> trees = new TreeSet<>();
    Map<String, Medians> byTool = new LinkedHashMap<>();
    for (Map<String, String> r : rows) {
      String tree = r.getOrDefault("tree", "");
      if (tree.isEmpty() || tree.startsWith("stored")) {
        continue;
      }
      trees.add(tree);
      Medians m = byTool.computeIfAbsent(r.get("tool"), k -> new Medians());
      m.add(tree + " MB/s", r.get("MB/s"));
      m.add(tree + " CPU", r.get("CPU ms/MB"));
      m.add(tree + " stored", r.get("stored bytes"));
    }
    List<String> tools = new ArrayList<>();
    TOOLS.stream().filter(byTool::containsKey).forEach(tools::add);
    byTool.keySet().stream().filter(t -> !tools.contains(t)).forEach(tools::add);
    BarChart speed = new BarChart("Import of a tree", "MB/s, higher is better");
    BarChart cpu = new BarChart("CPU per MB imported", "ms, lower is better");
    BarChart stored = new BarChart("Bytes stored after each tree, in order", "MB, lower is better");
    out.append("## Importing a tree, next to the peers\n\n");
    out.append(
        "Each tool stores the trees in order into one repository (Strata: one data root; fresh is"
            + " a new server, warm the same server after `image rm` and `gc`). Medians over the"
            + " rounds; the ratio is to borg zstd,3 in the same run. Stored bytes are after the"
            + " tree, cumulative.\n\n");
    StringBuilder head = new StringBuilder("| tool |");
    StringBuilder rule = new StringBuilder("| --- |");
    for (String t : trees) {
      head.append(" ").append(t).append(" MB/s | × borg | CPU ms/MB | stored MB |");
      rule.append(" --- | --- | --- | --- |");
    }
    out.append(head).append('\n').append(rule).append('\n');
    Medians borg = byTool.get("borg zstd,3");
    for (String tool : tools) {
      Medians m = byTool.get(tool);
      out.append("| ").append(tool.replace("|", "\\|")).append(" |");
      for (String t : trees) {
        Double mbs = m.median(t + " MB/s");
        Double base = borg == null ? null : borg.median(t + " MB/s");
        Double ms = m.median(t + " CPU");
        Double st = m.median(t + " stored");
        out.append(' ').append(fmt(mbs)).append(" |");
        out.append(' ')
            .append(mbs == null || base == null ? "" : fmt(mbs / base) + "×")
            .append(" |");
        out.append(' ').append(fmt(ms)).append(" |");
        out.append(' ').append(st == null ? "" : fmt(st / 1e6)).append(" |");
        if (mbs != null) {
          speed.put(t, tool, mbs);
        }
        if (ms != null) {
          cpu.put(t, tool, ms);
        }
        if (st != null) {
          stored.put("after " + t, tool, st / 1e6);
        }
      }
      out.append('\n');
    }
    out.append('\n');
    chart(speed, "import-throughput.png");
    chart(cpu, "import-cpu.png");
    chart(stored, "stored-bytes.png");
  }

  private void chart(BarChart c, String name) throws IOException {
    if (c.isEmpty()) {
      return;
    }
    c.write(assets.resolve(name));
    String rel = report.toAbsolutePath().getParent().relativize(assets.toAbsolutePath()).toString();
    out.append("![").append(name).append("](").append(rel).append('/').append(name).append(")\n\n");
  }

  /** A file of the run included as it is, under a heading, when the run made it. */
  private void verbatim(String file, String heading, String what) throws IOException {
    Path p = run.resolve(file);
    if (!Files.exists(p)) {
      return;
    }
    out.append("## ").append(heading).append("\n\n").append(what).append("\n\n");
    for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
      if (line.startsWith("|")) {
        out.append(line).append('\n');
      }
    }
    out.append('\n');
  }

  private static String fmt(Double v) {
    if (v == null) {
      return "";
    }
    return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  /** Values per key, as the rounds give them, and their medians. */
  private static final class Medians {
    private final Map<String, List<Double>> values = new LinkedHashMap<>();

    void add(String key, String cell) {
      if (cell == null || cell.isBlank()) {
        return;
      }
      try {
        values.computeIfAbsent(key, k -> new ArrayList<>()).add(Double.parseDouble(cell.strip()));
      } catch (NumberFormatException e) {
        // a cell that is not a figure (a note) is not averaged
      }
    }

    Double median(String key) {
      List<Double> v = values.get(key);
      if (v == null || v.isEmpty()) {
        return null;
      }
      return Figures.median(v.stream().mapToDouble(Double::doubleValue).toArray());
    }
  }
}
