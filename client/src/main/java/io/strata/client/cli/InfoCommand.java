package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.GzipRecipeCount;
import io.strata.protocol.message.ImageItem;
import io.strata.protocol.message.InfoReply;
import io.strata.protocol.message.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code strata info}. */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = {
      "Server version, storage driver, data root, compression, chunk count, logical and stored"
          + " bytes, dedup and compression ratios.",
      "Fields for --format (docker's names): .ServerVersion .Driver .DockerRootDir .Containers"
          + " .ContainersRunning .ContainersPaused .ContainersStopped .Images, and Strata's"
          + " .Compression .Chunks .LogicalBytes .StoredBytes .IndexBytes .DedupRatio"
          + " .CompressionRatio .RegistryStagedBytes .GzipRecipes .Shared."
    })
final class InfoCommand extends ClientCommand {
  @Option(
      names = {"-f", "--format"},
      paramLabel = "FORMAT",
      description = "A template such as '{{.Driver}}', or json.")
  String format;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    InfoReply i = client.info();
    if (format != null) {
      Map<String, Object> m = docker(client, i);
      cli.terminal()
          .out()
          .println(
              format.strip().equals("json")
                  ? Template.json(m)
                  : new Template(format, List.copyOf(m.keySet())).apply(m));
      return ExitStatus.OK;
    }
    if (cli.json()) {
      cli.printJson(i);
      return ExitStatus.OK;
    }
    PrintStream out = cli.terminal().out();
    out.printf(
        "server version:    %s%n",
        i.commit() == null
            ? i.version()
            : i.version() + " (commit " + i.commit() + " of " + i.committed() + ")");
    out.printf("storage driver:    %s%n", i.driver());
    out.printf("data root:         %s%n", i.dataRoot());
    out.printf("compression:       %s%n", i.compression());
    out.printf("chunks:            %d%n", i.chunks());
    out.printf("logical bytes:     %d (%s)%n", i.logicalBytes(), ByteSize.human(i.logicalBytes()));
    out.printf("stored bytes:      %d (%s)%n", i.storedBytes(), ByteSize.human(i.storedBytes()));
    out.printf("index bytes:       %d (%s)%n", i.indexBytes(), ByteSize.human(i.indexBytes()));
    out.printf(Locale.ROOT, "dedup ratio:       %.2f%n", i.dedupRatio());
    out.printf(Locale.ROOT, "compression ratio: %.2f%n", i.compressionRatio());
    for (GzipRecipeCount g : i.gzipRecipes()) {
      out.printf(
          "gzip blobs, %s: %d of %d reproduced by a recipe%n",
          g.family(), g.reproduced(), g.seen());
    }
    if (i.registryStagedBytes() != null) { // an older server does not count them
      out.printf(
          "registry staged:   %d (%s) waiting to enter the chunk store%n",
          i.registryStagedBytes(), ByteSize.human(i.registryStagedBytes()));
    }
    InfoReply.Shared s = i.shared();
    if (s != null) {
      out.printf("shared store:      %s%n", s.location());
      out.printf("this node:         %s%n", s.node());
      out.printf(
          "bucket:            %d packs, %d bytes (%s)%n",
          s.bucketPacks(), s.bucketBytes(), ByteSize.human(s.bucketBytes()));
      out.printf(
          "local cache:       %s of %s; %d hits, %d misses, %s fetched%n",
          ByteSize.human(s.cacheBytes()),
          ByteSize.human(s.cacheBudget()),
          s.cacheHits(),
          s.cacheMisses(),
          ByteSize.human(s.fetchedBytes()));
      out.printf("pending uploads:   %d packs%n", s.pendingUploads());
    }
    return ExitStatus.OK;
  }

  /**
   * The info under docker's names where docker has the figure (a Strata container never runs, so
   * every one is stopped), then Strata's own.
   */
  private static Map<String, Object> docker(StrataClient client, InfoReply i) throws IOException {
    int containers = client.containers().size();
    long images = client.images().stream().map(ImageItem::id).distinct().count();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ServerVersion", i.version());
    m.put("Driver", i.driver());
    m.put("DockerRootDir", i.dataRoot());
    m.put("Containers", containers);
    m.put("ContainersRunning", 0);
    m.put("ContainersPaused", 0);
    m.put("ContainersStopped", containers);
    m.put("Images", images);
    m.put("Compression", i.compression());
    m.put("Chunks", i.chunks());
    m.put("LogicalBytes", i.logicalBytes());
    m.put("StoredBytes", i.storedBytes());
    m.put("IndexBytes", i.indexBytes());
    m.put("DedupRatio", i.dedupRatio());
    m.put("CompressionRatio", i.compressionRatio());
    m.put("RegistryStagedBytes", i.registryStagedBytes());
    m.put("GzipRecipes", Json.mapper().convertValue(i.gzipRecipes(), List.class));
    m.put("Shared", i.shared() == null ? null : Json.mapper().convertValue(i.shared(), Map.class));
    return m;
  }
}
