package io.strata.perf.server;

import io.strata.client.cli.StrataCli;
import io.strata.client.cli.Terminal;
import io.strata.perf.ScratchDir;
import io.strata.perf.report.Table;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Multi-host layer sharing, as PERF.md sets it: an image whose one layer is a tree of about 95 MB
 * is pushed from one stratad to another; then {@code edits} of its files are edited (a few bytes
 * overwritten in each), the tree is imported again as the image's second version, and that version
 * is pushed too. Reported: the bytes each push put on the wire against the layer's size. An OCI
 * registry sends a changed layer whole, 100% of its (compressed) bytes.
 */
public final class HostsRun {
  private final Settings settings;
  private final PrintStream out;

  /**
   * How the run is made.
   *
   * @param trees directories that together make the layer, each copied under its own name
   * @param edits how many files the second version edits
   * @param seed which files, and the bytes written
   * @param scratch where the copy of the tree and the data roots are made (and deleted)
   */
  public record Settings(List<Path> trees, int edits, long seed, Path scratch) {}

  public HostsRun(Settings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  /** Runs it; returns whether every push ended with the image byte for byte on the receiver. */
  public boolean run() throws IOException {
    try (ScratchDir work = ScratchDir.create(settings.scratch(), "strata-hosts-");
        LoopbackServer a = LoopbackServer.start(settings.scratch());
        LoopbackServer b = LoopbackServer.start(settings.scratch())) {
      Path tree = work.path().resolve("tree");
      for (Path t : settings.trees()) {
        copy(t, tree.resolve(t.getFileName().toString()));
      }
      cli(a, "image", "import", tree.toString(), "-t", "layer:1");
      List<Path> edited = edit(tree);
      cli(a, "image", "import", tree.toString(), "-t", "layer:2");
      long layer = layerSize(a, "layer:2");

      long t0 = System.nanoTime();
      String first = cli(a, "--json", "push", "layer:1", "--to", b.address().toString());
      long t1 = System.nanoTime();
      String second = cli(a, "--json", "push", "layer:2", "--to", b.address().toString());
      long t2 = System.nanoTime();

      out.printf(
          "layer: %d files, %.1f MB as a tar; edited %d files%n",
          fileCount(tree), layer / 1e6, edited.size());
      Table t =
          new Table(
              "push", "chunks sent", "bytes sent (raw)", "on the wire", "of the layer", "seconds");
      row(t, "layer:1 (receiver empty)", first, layer, t1 - t0);
      row(t, "layer:2 (" + edited.size() + " files edited)", second, layer, t2 - t1);
      t.print(out);
      out.println("An OCI registry (docker-registry + skopeo) sends a changed layer whole: 100%.");
      return cli(b, "fsck").startsWith("checked");
    }
  }

  private static void row(Table t, String what, String json, long layer, long nanos)
      throws IOException {
    var r = io.strata.protocol.message.Json.tree(json.getBytes(StandardCharsets.UTF_8), "push");
    long wire = r.get("wireBytes").asLong();
    t.row(
        what,
        r.get("chunksSent").asLong() + " of " + r.get("chunksTotal").asLong(),
        String.format("%.2f MB", r.get("bytesSent").asLong() / 1e6),
        String.format("%.3f MB", wire / 1e6),
        String.format("%.2f%%", 100.0 * wire / layer),
        String.format("%.2f", nanos / 1e9));
  }

  private static long layerSize(LoopbackServer s, String image) throws IOException {
    var h =
        io.strata.protocol.message.Json.tree(
            cli(s, "--json", "image", "history", image).getBytes(StandardCharsets.UTF_8),
            "history");
    return h.get(0).get("size").asLong();
  }

  /** Overwrites 64 bytes in the middle of {@code edits} files picked by the seed. */
  private List<Path> edit(Path tree) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(tree)) {
      files =
          s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
              .filter(p -> p.toFile().length() >= 4096)
              .sorted()
              .toList();
    }
    Random r = new Random(settings.seed());
    List<Path> edited = new ArrayList<>();
    List<Path> pool = new ArrayList<>(files);
    while (edited.size() < settings.edits() && !pool.isEmpty()) {
      Path f = pool.remove(r.nextInt(pool.size()));
      byte[] junk = new byte[64];
      r.nextBytes(junk);
      try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
        raf.seek(raf.length() / 2);
        raf.write(junk);
      }
      edited.add(f);
    }
    return edited;
  }

  private static long fileCount(Path tree) throws IOException {
    try (Stream<Path> s = Files.walk(tree)) {
      return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).count();
    }
  }

  /** A copy of the regular files, directories and symlinks of {@code from}; others are skipped. */
  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path dst = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(dst);
        } else if (Files.isSymbolicLink(p) || Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.copy(p, dst, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  /** Runs the real CLI against {@code s}; returns its standard output, or throws with its error. */
  private static String cli(LoopbackServer s, String... args) throws IOException {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    Terminal t =
        new Terminal(
            new ByteArrayInputStream(new byte[0]),
            stdout,
            new PrintStream(stdout, true, StandardCharsets.UTF_8),
            new PrintStream(stderr, true, StandardCharsets.UTF_8),
            Map.of("STRATA_HOST", s.address().toString()),
            false);
    int code = StrataCli.run(args, t);
    if (code != 0) {
      throw new IOException(
          "strata "
              + String.join(" ", args)
              + ": exit "
              + code
              + ": "
              + stderr.toString(StandardCharsets.UTF_8).trim());
    }
    return stdout.toString(StandardCharsets.UTF_8);
  }
}
