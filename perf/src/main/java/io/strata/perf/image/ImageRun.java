package io.strata.perf.image;

import static io.strata.perf.report.Figures.fixed;
import static io.strata.perf.report.Figures.mb;
import static io.strata.perf.report.Figures.mbPerSec;
import static io.strata.perf.report.Figures.mib;

import io.strata.perf.ScratchDir;
import io.strata.perf.ingest.DataSet;
import io.strata.perf.peer.Backup;
import io.strata.perf.peer.BackupPeer;
import io.strata.perf.peer.BorgPeer;
import io.strata.perf.peer.ResticPeer;
import io.strata.perf.report.Machine;
import io.strata.perf.report.Samples;
import io.strata.perf.report.Table;
import io.strata.store.compress.Compression;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The image import report. Each tree is packed once as a one-layer OCI image with umoci (cached
 * between runs; see {@link LayoutCache}), and every tool then reads the image's content: its
 * layout, or its unpacked rootfs. After one unrecorded warm-up, each round imports the trees in
 * order into one fresh data root per import source (the layouts; the directories), then backs the
 * same trees up in order into one fresh repository per peer, and times gunzip alone over each layer
 * blob. For every tool it records MB/s (tree bytes over wall time, so every tool has the same
 * numerator), its bytes on disk after each tree and what each tree added. Every figure is the
 * median over the rounds, and every ratio is taken within a round before its median is taken.
 */
public final class ImageRun {
  private final List<DataSet> sourceTrees;
  private final Settings settings;
  private final Samples s = new Samples();
  private final PrintStream out;
  private final List<OciImage> images = new ArrayList<>();
  private final Map<String, String> peerNames = new LinkedHashMap<>();

  /**
   * How the run is made.
   *
   * @param rounds repetitions; medians are taken over them
   * @param compression the store's codec
   * @param sources what the store imports, each into its own data root
   * @param scratch where data roots and repositories are made (and deleted)
   * @param cache where the OCI layouts are kept between runs
   * @param peers which peers to run alongside ({@code restic}, {@code borg})
   * @param borgCompression borg's {@code --compression}
   */
  public record Settings(
      int rounds,
      Compression compression,
      List<ImportSource> sources,
      Path scratch,
      Path cache,
      List<String> peers,
      String borgCompression) {
    public Settings {
      sources = List.copyOf(sources);
      peers = List.copyOf(peers);
      for (String p : peers) {
        if (!p.equals("restic") && !p.equals("borg")) {
          throw new IllegalArgumentException("peer " + p + ": expected restic or borg");
        }
      }
      if (sources.isEmpty()) {
        throw new IllegalArgumentException("no import source: give layout, directory or both");
      }
    }
  }

  /** A run over images of {@code trees}, imported in this order, printing to {@code out}. */
  public ImageRun(List<DataSet> trees, Settings settings, PrintStream out) {
    this.sourceTrees = List.copyOf(trees);
    this.settings = settings;
    this.out = out;
  }

  /** Packs the images, runs every round and prints the tables. */
  public void run() throws IOException {
    Machine.printHeader(out);
    out.printf(
        "settings: %s, sources %s, %d rounds, umoci: %s, peers: %s%n",
        settings.compression(),
        settings.sources().stream().map(ImportSource::label).toList(),
        settings.rounds(),
        LayoutCache.umociVersion(),
        peerVersions());
    pack();
    warmUp();
    for (int round = 1; round <= settings.rounds(); round++) {
      Machine.printLoad(out, "before round " + round);
      for (ImportSource src : settings.sources()) {
        importAll(src);
      }
      for (String peer : settings.peers()) {
        backUpAll(peer);
      }
      gunzipAll();
      Machine.printLoad(out, "after round " + round);
      printRound(round);
    }
    out.println();
    printTables();
  }

  private String peerVersions() {
    List<String> v = new ArrayList<>();
    for (String p : settings.peers()) {
      v.add(p.equals("restic") ? ResticPeer.version() : BorgPeer.version());
    }
    return v.isEmpty() ? "none" : String.join("; ", v);
  }

  /** Packs (or finds in the cache) every tree's image and prints what it holds. */
  private void pack() throws IOException {
    LayoutCache cache = new LayoutCache(settings.cache());
    for (DataSet source : sourceTrees) {
      long t0 = System.nanoTime();
      OciImage image = cache.packed(source);
      long nanos = System.nanoTime() - t0;
      images.add(image);
      DataSet tree = image.tree();
      out.printf(
          "tree %s: %s, %d files, %s; image rootfs %s (%d files, %s); layout %s, layer %s gzip"
              + " (ready in %.1f s)%n",
          tree.name(),
          source.root(),
          source.files().size(),
          mb(source.bytes()),
          tree.root(),
          tree.files().size(),
          mb(tree.bytes()),
          image.layout(),
          mb(image.layerBytes()),
          nanos / 1e9);
    }
  }

  /**
   * One unrecorded import of every tree from every source, so the JIT has compiled the import path
   * before the first measured round, and one read of every tree's files, so the peers' first round
   * finds them in the page cache as the store's does.
   */
  private void warmUp() throws IOException {
    for (ImportSource src : settings.sources()) {
      try (ImageRoot root = ImageRoot.create(settings.scratch(), settings.compression())) {
        for (OciImage image : images) {
          root.importPath(src.path(image), tag(image.tree()));
        }
      }
    }
    byte[] buf = new byte[256 << 10];
    for (OciImage image : images) {
      for (Path f : image.tree().files()) {
        try (InputStream in = Files.newInputStream(f)) {
          while (in.read(buf) >= 0) {
            // only reading
          }
        }
      }
    }
    out.println("warm-up done");
  }

  private static String tag(DataSet tree) {
    return "perf/" + tree.name() + ":latest";
  }

  private void importAll(ImportSource src) throws IOException {
    try (ImageRoot root = ImageRoot.create(settings.scratch(), settings.compression())) {
      long treeBytes = 0;
      long before = 0;
      for (OciImage image : images) {
        DataSet tree = image.tree();
        ImageRoot.Imported r = root.importPath(src.path(image), tag(tree));
        treeBytes += tree.bytes();
        String k = src.label() + "." + tree.name();
        s.add(k + ".mbs", mbPerSec(tree.bytes(), r.usage().wallNanos()));
        s.add(k + ".cores", r.usage().cores());
        s.add(k + ".cpu", (double) r.usage().cpuNanos() / tree.bytes());
        s.add(k + ".rss", r.usage().peakRssBytes());
        s.add(k + ".stored", r.rootBytes());
        s.add(k + ".added", r.rootBytes() - before);
        s.add(k + ".packs", r.stats().storedBytes());
        s.add(k + ".dedup", (double) treeBytes / r.stats().uniqueBytes());
        s.add(k + ".compression", (double) r.stats().uniqueBytes() / r.stats().compressedBytes());
        before = r.rootBytes();
      }
    }
  }

  private void backUpAll(String peerName) throws IOException {
    try (ScratchDir dir = ScratchDir.create(settings.scratch(), peerName + "-")) {
      BackupPeer peer =
          peerName.equals("restic")
              ? ResticPeer.init(dir.path())
              : BorgPeer.init(dir.path(), settings.borgCompression());
      peerNames.put(peerName, peer.name());
      long before = 0;
      for (OciImage image : images) {
        DataSet tree = image.tree();
        Backup b = peer.backup(tree.root());
        String k = peerName + "." + tree.name();
        s.add(k + ".mbs", mbPerSec(tree.bytes(), b.nanos()));
        s.add(k + ".stored", b.repoBytes());
        if (b.cpuNanos() >= 0) {
          s.add(k + ".cpu", (double) b.cpuNanos() / tree.bytes());
        }
        s.add(k + ".added", b.repoBytes() - before);
        before = b.repoBytes();
      }
    }
  }

  /**
   * gunzip alone over each layer blob on one core, the part of a layout import no store can avoid:
   * an upper bound on what the import of that layout can reach unless it inflates in parallel.
   */
  private void gunzipAll() throws IOException {
    if (!settings.sources().contains(ImportSource.LAYOUT)) {
      return;
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    byte[] buf = new byte[256 << 10];
    for (OciImage image : images) {
      long cpu0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      try (InputStream in = new GZIPInputStream(Files.newInputStream(image.layerBlob()), 1 << 16)) {
        while (in.read(buf) >= 0) {
          // only inflating
        }
      }
      long nanos = System.nanoTime() - t0;
      long cpu = threads.getCurrentThreadCpuTime() - cpu0;
      String k = "gunzip." + image.tree().name();
      s.add(k + ".mbs", mbPerSec(image.tree().bytes(), nanos));
      s.add(k + ".cpu", (double) cpu / image.tree().bytes());
    }
  }

  /** The trees as the images hold them, in import order. */
  private List<DataSet> trees() {
    return images.stream().map(OciImage::tree).toList();
  }

  /** This round's value of {@code key}. */
  private double latest(String key) {
    List<Double> v = s.all(key);
    return v.isEmpty() ? Double.NaN : v.get(v.size() - 1);
  }

  /** Records this round's ratios to borg and restic and prints the round's MB/s. */
  private void printRound(int n) {
    StringBuilder b = new StringBuilder("round " + n + ":");
    for (DataSet tree : trees()) {
      b.append(' ').append(tree.name());
      for (String tool : tools()) {
        b.append(
            String.format(
                Locale.ROOT, " %s %.0f", tool, latest(tool + "." + tree.name() + ".mbs")));
      }
      b.append(" MB/s;");
      for (ImportSource src : settings.sources()) {
        String k = src.label() + "." + tree.name();
        for (String peer : settings.peers()) {
          String p = peer + "." + tree.name();
          s.add(k + ".of." + peer, latest(k + ".mbs") / latest(p + ".mbs"));
          s.add(k + ".cpuOf." + peer, latest(p + ".cpu") / latest(k + ".cpu"));
        }
      }
    }
    out.println(b);
  }

  /** The import sources, then the peers: every tool with MB/s and stored bytes per tree. */
  private List<String> tools() {
    List<String> t = new ArrayList<>();
    settings.sources().forEach(src -> t.add(src.label()));
    t.addAll(settings.peers());
    return t;
  }

  private String toolName(String tool) {
    return peerNames.getOrDefault(tool, "Strata from " + tool);
  }

  private void printTables() {
    out.println(
        "Strata: trees imported in order into one fresh data root per source; figures after each"
            + " import, medians:");
    Table t =
        new Table(
            "source",
            "tree",
            "files",
            "tree bytes",
            "MB/s",
            "CPU cores",
            "data root after",
            "added",
            "packs after",
            "dedup (tree bytes so far / unique)",
            "compression (unique / compressed)",
            "peak RSS");
    for (ImportSource src : settings.sources()) {
      for (DataSet tree : trees()) {
        String k = src.label() + "." + tree.name();
        t.row(
            src.label(),
            tree.name(),
            tree.files().size(),
            mb(tree.bytes()),
            fixed(s.median(k + ".mbs"), 0),
            fixed(s.median(k + ".cores"), 2),
            mb(s.median(k + ".stored")),
            mb(s.median(k + ".added")),
            mb(s.median(k + ".packs")),
            fixed(s.median(k + ".dedup"), 3),
            fixed(s.median(k + ".compression"), 3),
            mib(s.median(k + ".rss")));
      }
    }
    t.print(out);
    out.println();
    out.println(
        "Every tool on the same trees in the same rounds (MB/s = tree bytes / wall time; bytes on"
            + " disk after each tree, and what it added), medians:");
    Table c = new Table("tool", "tree", "MB/s", "CPU ms/MB", "on disk after", "added");
    for (String tool : tools()) {
      for (DataSet tree : trees()) {
        String k = tool + "." + tree.name();
        c.row(
            toolName(tool),
            tree.name(),
            s.withSpread(k + ".mbs", 0),
            fixed(s.median(k + ".cpu"), 2),
            mb(s.median(k + ".stored")),
            mb(s.median(k + ".added")));
      }
    }
    if (settings.sources().contains(ImportSource.LAYOUT)) {
      for (DataSet tree : trees()) {
        c.row(
            "gunzip of the layer alone, one core",
            tree.name(),
            s.withSpread("gunzip." + tree.name() + ".mbs", 0),
            fixed(s.median("gunzip." + tree.name() + ".cpu"), 2),
            "-",
            "-");
      }
    }
    c.print(out);
    if (settings.peers().isEmpty()) {
      return;
    }
    out.println();
    out.println(
        "Strata against each peer, medians of per-round ratios: MB/s (Strata's over the peer's), and"
            + " CPU time per MB (the peer's over Strata's; the process CPU clocks, which other"
            + " tenants do not inflate):");
    List<String> header = new ArrayList<>(List.of("source", "tree"));
    settings.peers().forEach(p -> header.add("MB/s over " + toolName(p)));
    settings.peers().forEach(p -> header.add("CPU, " + toolName(p) + " over Strata"));
    Table r = new Table(header.toArray(String[]::new));
    for (ImportSource src : settings.sources()) {
      for (DataSet tree : trees()) {
        List<Object> row = new ArrayList<>(List.of(src.label(), tree.name()));
        String k = src.label() + "." + tree.name();
        for (String peer : settings.peers()) {
          row.add(s.withSpread(k + ".of." + peer, 2));
        }
        for (String peer : settings.peers()) {
          row.add(fixed(s.median(k + ".cpuOf." + peer), 2));
        }
        r.row(row.toArray());
      }
    }
    r.print(out);
  }
}
