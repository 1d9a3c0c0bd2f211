package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.GzipRecipeCount;
import io.strata.protocol.message.InfoReply;
import java.io.PrintStream;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code strata info}. */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description =
        "Server version, storage driver, data root, compression, chunk count, logical and stored"
            + " bytes, dedup and compression ratios.")
final class InfoCommand extends ClientCommand {
  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    InfoReply i = client.info();
    if (cli.json()) {
      cli.printJson(i);
      return ExitStatus.OK;
    }
    PrintStream out = cli.terminal().out();
    out.printf("server version:    %s%n", i.version());
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
    out.printf(
        "registry staged:   %d (%s) waiting to enter the chunk store%n",
        i.registryStagedBytes(), ByteSize.human(i.registryStagedBytes()));
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
}
