package io.strata.client.cli;

import io.strata.client.tar.TreeTar;
import io.strata.protocol.ProtocolException;
import io.strata.protocol.message.ContainerItem;
import io.strata.protocol.message.ErrorBody;
import io.strata.protocol.message.GzipRecipeCount;
import io.strata.protocol.message.ImageItem;
import io.strata.protocol.message.InfoReply;
import io.strata.protocol.message.Json;
import io.strata.protocol.message.JsonRecords;
import io.strata.protocol.message.ListEnd;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The training run of the client's class-data sharing archive ({@code client/target/strata.jsa},
 * docs/PERF.md "CLI startup"): the build runs it under {@code -XX:DumpLoadedClassList} and archives
 * the classes it loaded, so that {@code bin/strata} maps them instead of loading and verifying them
 * from the jar. It walks the common paths of a command: picocli's command tree, parsing and help, a
 * connection attempt that fails, the error report, and Jackson reading and writing the replies of
 * the everyday listings; and the quick path ({@link QuickCommand}) of those listings, failing to
 * connect and talking to a peer on loopback that answers ({@link CdsTrainingPeer}). Output goes
 * nowhere; nothing on the machine changes.
 */
public final class CdsTraining {
  static final InfoReply INFO =
      new InfoReply(
          "0",
          "0",
          "0",
          "btrfs",
          "/data",
          "zstd:3",
          1,
          2,
          3,
          4,
          5,
          6,
          7,
          1.5,
          2.5,
          List.of(new GzipRecipeCount("os 255 (Go, klauspost, Java)", 2, 1)),
          8L,
          null);

  private CdsTraining() {}

  /** Runs the training; exits 0 unless the training itself is broken. */
  public static void main(String[] args) throws ProtocolException {
    Terminal.system(); // the launcher's own streams, without writing to them
    // Port 1 on loopback refuses at once: the connect and error paths, no server needed.
    String nowhere = "127.0.0.1:1";
    List<List<String>> runs =
        List.of(
            List.of("--version"),
            List.of("--help"),
            List.of("ps", "--help"),
            List.of("--host", nowhere, "ps"),
            List.of("--host", nowhere, "--json", "images"),
            List.of("--host", nowhere, "image", "ls", "--format", "{{.ID}}"),
            List.of("--host", nowhere, "info"),
            List.of("no-such-command"));
    for (List<String> run : runs) {
      StrataCli.run(run.toArray(String[]::new), sink());
    }
    // The quick path (QuickCommand): the jar's entry point, which the JVM loads before anything
    // (but cannot run here: it exits), parsing, connecting and failing, and printing.
    Main.class.getName();
    List<List<String>> quick =
        List.of(
            List.of("--host", nowhere, "ps", "-aq", "--no-trunc"),
            List.of("--host=" + nowhere, "images", "--format", "table {{.ID}}"),
            List.of("--host", nowhere, "container", "ls", "--filter", "name=x"),
            List.of("--host", nowhere, "version", "-f", "{{.Client.Version}}"));
    for (List<String> run : quick) {
      QuickCommand.run(run.toArray(String[]::new), sink());
    }
    quickListings(new PrintStream(OutputStream.nullOutputStream(), true));
    // ... and against a peer that answers, for the connection, its reader and the replies
    try {
      CdsTrainingPeer.train(
          List.of(
              new String[] {"ps"},
              new String[] {"images", "-q"},
              new String[] {"ps", "--format", "table {{.ID}}"},
              new String[] {"version"}),
          sink());
    } catch (IOException e) {
      // what it loaded is archived all the same
    }
    List<Object> replies =
        List.of(
            new ContainerItem("0".repeat(64), "name", "image:tag", "sha256:00", "2026", 1, 2, 3),
            new ImageItem("image", "tag", "sha256:00", 1, 2, 3),
            INFO);
    for (Object reply : replies) {
      Json.read(Json.write(reply), reply.getClass(), "training");
    }
    Json.tree("[{\"id\":\"sha256:00\",\"size\":1}]".getBytes(StandardCharsets.UTF_8), "training");
    // The FFI a directory's tar reads extended attributes with (a quarter of a second to load
    // from the jar, a directory import's every time): the tar of an empty temporary file.
    try {
      Path f = Files.createTempFile("strata-cds-", ".training");
      try {
        TreeTar.writeNamed(f, "training", OutputStream.nullOutputStream());
      } finally {
        Files.delete(f);
      }
    } catch (IOException | RuntimeException e) {
      // what it loaded is archived all the same
    }
  }

  /**
   * The quick path's reading and printing of the listings: JSON lines read by {@link JsonRecords},
   * then every way the listings print them.
   */
  private static void quickListings(PrintStream out) throws ProtocolException {
    byte[] container =
        Json.write(
            new ContainerItem("0".repeat(64), "name", "image:tag", "sha256:00", "2026", 1, 2, 3));
    byte[] image = Json.write(new ImageItem("image", "tag", "sha256:00", 1, 2, 3));
    List<ContainerItem> containers =
        List.of(JsonRecords.read(container, ContainerItem.class, "training"));
    List<ImageItem> images = List.of(JsonRecords.read(image, ImageItem.class, "training"));
    JsonRecords.read(Json.write(new ListEnd(1)), ListEnd.class, "training");
    JsonRecords.read(Json.write(new ErrorBody("training")), ErrorBody.class, "training");
    JsonRecords.read(Json.write(INFO), InfoReply.class, "training");
    for (String format : new String[] {null, "{{.ID}}\\t{{.Size}}", "table", "table {{.ID}}"}) {
      for (boolean quiet : new boolean[] {false, true}) {
        ListingOptions listing = new ListingOptions();
        listing.format = format;
        listing.quiet = quiet;
        ListingOptions.Shape<ContainerItem> c = ContainerListCommand.shape(listing, null);
        listing.filters.add("name=name");
        listing.print(out, false, listing.filter(containers, c), c);
        ListingOptions.Shape<ImageItem> i = ImageListCommand.shape(listing);
        listing.filters.set(0, "reference=image");
        listing.print(out, false, listing.filter(images, i), i);
      }
    }
  }

  private static Terminal sink() {
    PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), true);
    return new Terminal(
        InputStream.nullInputStream(),
        OutputStream.nullOutputStream(),
        nowhere,
        nowhere,
        Map.of(),
        false);
  }
}
